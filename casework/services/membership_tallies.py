"""Keeping the membership tallies exact (models.membership.MembershipTally).

Every change to the current reports goes through here in its own transaction: a report adds
its figures, a correction takes the replaced revision's out and adds the new one's, a transfer
moves the months it moves. The write is one INSERT … ON CONFLICT DO UPDATE per key (SQLite and
PostgreSQL alike), so two reports of one managing unit and month never race on a row.
`rebuild` recounts them from the reports; the live unions' tallies (UnionTally) are kept
the same way, and `rebuild_unions` recounts those.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from casework.extensions import db
from casework.models import OrgUnit
from casework.models.membership import (GrassrootsUnion, MembershipReport, MembershipTally,
                                        UnionTally)

SUMS = ("reports", "admitted_vietnamese", "admitted_foreign", "left_members", "closing")


def _upsert(rows: list[dict]) -> None:
    if not rows:
        return
    table = MembershipTally.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.on_conflict_do_update(
        index_elements=["managing_unit_id", "province_id", "month"],
        set_={name: getattr(table.c, name) + getattr(insert.excluded, name) for name in SUMS})
    for start in range(0, len(rows), 5_000):
        db.session.execute(statement, rows[start:start + 5_000])


def _row(managing_unit_id, province_id, month, sign, reports, vietnamese, foreign, left,
         closing) -> dict:
    return {"managing_unit_id": managing_unit_id, "province_id": province_id or 0,
            "month": month, "reports": sign * reports,
            "admitted_vietnamese": sign * vietnamese, "admitted_foreign": sign * foreign,
            "left_members": sign * left, "closing": sign * closing}


def count_report(report: MembershipReport, sign: int = 1) -> None:
    """Add (sign 1) or take out (sign -1) one report's figures."""
    _upsert([_row(report.managing_unit_id, report.province_id, report.month, sign, 1,
                  report.admitted_vietnamese, report.admitted_foreign, report.left,
                  report.closing)])


def _sums_of(where) -> list[tuple]:
    return db.session.execute(
        sa.select(MembershipReport.managing_unit_id, MembershipReport.province_id,
                  MembershipReport.month, sa.func.count(),
                  sa.func.sum(MembershipReport.admitted_vietnamese),
                  sa.func.sum(MembershipReport.admitted_foreign),
                  sa.func.sum(MembershipReport.left), sa.func.sum(MembershipReport.closing))
        .where(MembershipReport.current, *where)
        .group_by(MembershipReport.managing_unit_id, MembershipReport.province_id,
                  MembershipReport.month)).all()


def count_reports_of(unit_id: int, from_month, sign: int) -> None:
    """Add or take out a union's current reports from `from_month` on (a transfer)."""
    db.session.flush()
    _upsert([_row(*key, sign, int(n), int(v or 0), int(f or 0), int(lt or 0), int(c or 0))
             for *key, n, v, f, lt, c in _sums_of([MembershipReport.unit_id == unit_id,
                                                   MembershipReport.month >= from_month])])


def add_generated(reports: list[dict]) -> None:
    """The generator's reports (dicts as inserted), summed here then written."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for r in reports:
        s = sums[(r["managing_unit_id"], r["province_id"], r["month"])]
        s[0] += 1
        s[1] += r["admitted_vietnamese"]
        s[2] += r["admitted_foreign"]
        s[3] += r["left_members"]
        s[4] += r["closing"]
    _upsert([_row(*key, 1, *values) for key, values in sums.items()])


def rebuild() -> int:
    """Recount every tally from the current reports; returns the number of rows."""
    db.session.execute(sa.delete(MembershipTally))
    rows = [_row(*key, 1, int(n), int(v or 0), int(f or 0), int(lt or 0), int(c or 0))
            for *key, n, v, f, lt, c in _sums_of([])]
    _upsert(rows)
    db.session.flush()
    return len(rows)


# --- the live unions per managing unit and province ----------------------------------------------

UNION_SUMS = ("unions", "members_reported", "members_unreported")


def shift_unions(managing_unit_id: int, province_id: int | None, *, unions: int = 0,
                 reported: int = 0, unreported: int = 0) -> None:
    """Add to (or, negative, take from) the live unions' tally of a managing unit."""
    table = UnionTally.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["managing_unit_id", "province_id"],
        set_={name: getattr(table.c, name) + getattr(insert.excluded, name)
              for name in UNION_SUMS}),
        [{"managing_unit_id": managing_unit_id, "province_id": province_id or 0,
          "unions": unions, "members_reported": reported, "members_unreported": unreported}])


def shift_union(union, sign: int, managing_unit_id: int | None = None,
                province_id: int | None = None) -> None:
    """Count a union in (sign 1) or out (sign -1) of where it sits (or of the place given)."""
    reported = union.last_month is not None
    shift_unions(managing_unit_id or union.unit.parent_id,
                 province_id if managing_unit_id else union.unit.province_id, unions=sign,
                 reported=sign * union.members_now if reported else 0,
                 unreported=0 if reported else sign * union.founding_members)


def _live_unions_placed(*where) -> list[tuple]:
    """The live unions per managing unit and province: count, reported and unreported members."""
    reported = GrassrootsUnion.last_month.is_not(None)
    return db.session.execute(
        sa.select(OrgUnit.parent_id, OrgUnit.province_id, sa.func.count(),
                  sa.func.sum(sa.case((reported, GrassrootsUnion.members_now), else_=0)),
                  sa.func.sum(sa.case((reported, 0), else_=GrassrootsUnion.founding_members)))
        .join(GrassrootsUnion, GrassrootsUnion.unit_id == OrgUnit.id)
        .where(GrassrootsUnion.dissolved_on.is_(None), *where)
        .group_by(OrgUnit.parent_id, OrgUnit.province_id)).all()


def shift_placed(rows: list[tuple], sign: int) -> None:
    """Count the unions of `rows` (as `unions_under` reads them) in (1) or out (-1)."""
    for parent_id, province_id, count, members_reported, members_unreported in rows:
        shift_unions(parent_id, province_id, unions=sign * int(count),
                     reported=sign * int(members_reported or 0),
                     unreported=sign * int(members_unreported or 0))


def unions_under(path: str) -> list[tuple]:
    """Where the live unions of a subtree are counted: take them out with `shift_placed(rows,
    -1)` before the subtree moves, count them in again (read anew) after it moved."""
    db.session.flush()
    return _live_unions_placed(OrgUnit.path.startswith(path, autoescape=True))


def rebuild_unions() -> int:
    """Recount the live unions' tallies from the unions (after the tree was edited by hand)."""
    db.session.execute(sa.delete(UnionTally))
    rows = _live_unions_placed()
    shift_placed(rows, 1)
    db.session.flush()
    return len(rows)
