"""Monthly membership reports of grassroots unions (issue 14).

One report per unit and month: members admitted (Vietnamese, foreign), members who left, and
members at the end. The month opens with the previous report's closing figure (or the founding
members); figures that do not add up are refused. A correction adds a revision of the month and
makes it the current one, audited; nothing is overwritten. The union's counters (latest month,
members now) change in the same transaction as the report.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from casework import authz, clock
from casework.errors import Forbidden, Invalid
from casework.extensions import db
from casework.i18n import _, number
from casework.models import OrgUnit, User, UnitType
from casework.models.membership import GrassrootsUnion, MembershipReport
from casework.services.founded_units import first_of_month, record_event
from casework.services.membership_tallies import count_report, shift_union

REPORTERS = ("organiser", "supervisor")
FIGURES = ("admitted_vietnamese", "admitted_foreign", "left", "closing")


def parse_month(value: str) -> date:
    """'2026-03' -> date(2026, 3, 1); Invalid otherwise."""
    try:
        year, month = str(value).split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise Invalid(_("The month must be written YYYY-MM"), field="month") from None


def month_key(month: date) -> str:
    return month.strftime("%Y-%m")


def next_month(month: date) -> date:
    return (month.replace(year=month.year + 1, month=1) if month.month == 12
            else month.replace(month=month.month + 1, day=1))


def last_closed_month(today: date | None = None) -> date:
    """The month before this one: the latest whose report is due."""
    first = first_of_month(today or clock.today())
    return (first.replace(year=first.year - 1, month=12) if first.month == 1
            else first.replace(month=first.month - 1))


def why_not_report(user: User, union: GrassrootsUnion) -> str | None:
    """Organisers and supervisors whose scope holds the union, and the union's own users."""
    if user.unit_id == union.unit_id and user.role != "admin":
        return None
    if user.role not in REPORTERS:
        return _("Only organisers and supervisors (or the union's own users) report "
                 "membership.")
    if not authz.unit_in_scope(user, union.unit):
        return _("This union is outside your unit.")
    return None


def require_reporter(user: User, union: GrassrootsUnion) -> None:
    reason = why_not_report(user, union)
    if reason:
        raise Forbidden(reason)


def opening_of(union: GrassrootsUnion, month: date) -> int:
    """The previous report's closing figure, or the founding members."""
    closing = db.session.scalar(
        sa.select(MembershipReport.closing)
        .where(MembershipReport.unit_id == union.unit_id, MembershipReport.current,
               MembershipReport.month < month)
        .order_by(MembershipReport.month.desc()).limit(1))
    return union.founding_members if closing is None else closing


def current_report(union: GrassrootsUnion, month: date) -> MembershipReport | None:
    return db.session.scalar(sa.select(MembershipReport).where(
        MembershipReport.unit_id == union.unit_id, MembershipReport.month == month,
        MembershipReport.current))


def _check_month(union: GrassrootsUnion, month: date, today: date) -> None:
    if month < first_of_month(union.founded_on):
        raise Invalid(_("The union was founded in %(month)s: no report before that",
                        month=month_key(union.founded_on)), field="month")
    if month > first_of_month(today):
        raise Invalid(_("A month that has not begun cannot be reported"), field="month")
    if union.dissolved and month > first_of_month(union.dissolved_on):
        raise Invalid(_("The union was dissolved on %(day)s: no report after that",
                        day=union.dissolved_on.isoformat()), field="month")


def check_adds_up(opening: int, admitted_vietnamese: int, admitted_foreign: int, left: int,
                  closing: int) -> None:
    expected = opening + admitted_vietnamese + admitted_foreign - left
    if expected != closing:
        raise Invalid(_("The figures do not add up: %(opening)s at the start + %(admitted)s "
                        "admitted − %(left)s left = %(expected)s, not %(closing)s at the end",
                        opening=number(opening), admitted=number(admitted_vietnamese
                                                                 + admitted_foreign),
                        left=number(left), expected=number(expected), closing=number(closing)),
                      field="closing")


@dataclass
class Reported:
    report: MembershipReport
    corrected: bool   # a new revision of a month reported before
    unchanged: bool   # the same figures as the current revision: nothing written


def report_month(actor: User | None, union: GrassrootsUnion, month: date, *,
                 admitted_vietnamese: int, admitted_foreign: int, left: int, closing: int,
                 opening: int | None = None, source: str = "page",
                 today: date | None = None) -> Reported:
    """Record the month (a new revision when it was reported). Flushes, never commits.
    `actor` None: the generator, which checks no role."""
    if actor is not None:
        require_reporter(actor, union)
    today = today or clock.today()
    _check_month(union, month, today)
    expected_opening = opening_of(union, month)
    if opening is not None and opening != expected_opening:
        raise Invalid(_("The month opens with %(expected)s members (the previous month's "
                        "closing figure), not %(given)s", expected=number(expected_opening),
                        given=number(opening)), field="opening")
    check_adds_up(expected_opening, admitted_vietnamese, admitted_foreign, left, closing)
    figures = {"opening": expected_opening, "admitted_vietnamese": admitted_vietnamese,
               "admitted_foreign": admitted_foreign, "left": left, "closing": closing}
    previous = current_report(union, month)
    if previous is not None and all(getattr(previous, k) == v for k, v in figures.items()):
        return Reported(previous, corrected=False, unchanged=True)
    revision = 1
    if previous is not None:
        previous.current = False
        revision = previous.revision + 1
        db.session.flush()   # the partial unique index holds one current revision
        count_report(previous, -1)
    unit = union.unit
    report = MembershipReport(unit_id=unit.id, month=month, revision=revision, current=True,
                              managing_unit_id=unit.parent_id, province_id=unit.province_id,
                              source=source, reported_by_id=actor.id if actor else None,
                              **figures)
    db.session.add(report)
    count_report(report)
    if union.last_month is None or month >= union.last_month:
        shift_union(union, -1)      # the live unions' tally follows the latest month
        union.last_month, union.members_now = month, closing
        shift_union(union, 1)
    if actor is not None:
        data = {"month": month_key(month), "revision": revision, **figures}
        if previous is not None:
            data["before"] = {k: getattr(previous, k) for k in figures}
        record_event(unit, actor, "membership_corrected" if previous else "membership_reported",
                     data=data)
    db.session.flush()
    return Reported(report, corrected=previous is not None, unchanged=False)


def month_json(report: MembershipReport) -> dict:
    return {"month": month_key(report.month), "opening": report.opening,
            "admitted_vietnamese": report.admitted_vietnamese,
            "admitted_foreign": report.admitted_foreign, "left": report.left,
            "closing": report.closing, "revision": report.revision}


def months_of(union: GrassrootsUnion, year: int) -> list[MembershipReport]:
    """The current revision of each month of `year` reported, in order."""
    return list(db.session.scalars(
        sa.select(MembershipReport)
        .where(MembershipReport.unit_id == union.unit_id, MembershipReport.current,
               MembershipReport.month >= date(year, 1, 1),
               MembershipReport.month < date(year + 1, 1, 1))
        .order_by(MembershipReport.month)))


def revisions_of(union: GrassrootsUnion, month: date) -> list[MembershipReport]:
    return list(db.session.scalars(
        sa.select(MembershipReport)
        .where(MembershipReport.unit_id == union.unit_id, MembershipReport.month == month)
        .order_by(MembershipReport.revision.desc())))


def unit_membership_json(union: GrassrootsUnion, year: int) -> dict:
    return {"unit": union.unit.code, "months": [month_json(r) for r in months_of(union, year)]}


def not_reported(manager: OrgUnit, month: date) -> list[OrgUnit]:
    """The live unions that `manager` manages directly which have no report for `month`."""
    end = next_month(month)
    reported = sa.select(MembershipReport.unit_id).where(MembershipReport.month == month,
                                                         MembershipReport.current)
    return list(db.session.scalars(
        sa.select(OrgUnit).join(GrassrootsUnion, GrassrootsUnion.unit_id == OrgUnit.id)
        .where(OrgUnit.parent_id == manager.id, OrgUnit.type == UnitType.grassroots.value,
               GrassrootsUnion.dissolved_on.is_(None), GrassrootsUnion.founded_on < end,
               OrgUnit.id.not_in(reported))
        .order_by(OrgUnit.name)))


def not_reported_in_scope(user: User, month: date, limit: int) -> tuple[int, list[OrgUnit]]:
    """How many live unions in the user's scope have not reported `month`, and the first few
    (the overdue digest)."""
    reported = sa.select(MembershipReport.unit_id).where(MembershipReport.month == month,
                                                         MembershipReport.current)
    condition = sa.and_(OrgUnit.path.startswith(user.unit.path, autoescape=True),
                        OrgUnit.type == UnitType.grassroots.value,
                        GrassrootsUnion.dissolved_on.is_(None),
                        GrassrootsUnion.founded_on < next_month(month),
                        OrgUnit.id.not_in(reported))
    base = sa.select(OrgUnit).join(GrassrootsUnion, GrassrootsUnion.unit_id == OrgUnit.id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(
        base.where(condition).subquery()))
    return count or 0, list(db.session.scalars(base.where(condition).order_by(OrgUnit.name)
                                               .limit(limit)))
