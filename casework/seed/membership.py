"""The national data set's grassroots unions and their monthly reports (issue 14).

UNIONS existing unions (scaled) under the commune and industrial-park unions and the
provincial federations, each with MONTHS monthly reports up to the last closed month, written
with set-based Core INSERTs in batches (never ORM objects per row), ids reserved up front;
the unions' counters (members now, latest month) are written with them. Called from the
national generator (`demo seed --scale national`, casework/seed/national.py).
"""
from __future__ import annotations

import random

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import OrgUnit, UnitType
from casework.models.membership import GrassrootsUnion, MembershipReport
from casework.services import membership_tallies
from casework.services.imports import allocate_ids
from casework.services.membership import last_closed_month
from casework.services.trajectory import add_months

UNIONS = 30_000
MONTHS = 36
BATCH = 10_000
CHUNK = 1_000          # unions generated and committed together (36,000 reports)
WORDS = ("May", "Điện tử", "Giày da", "Thực phẩm", "Cơ khí", "Gỗ", "Nhựa", "Dệt", "Logistics",
         "Xây dựng", "Hóa chất", "Bao bì", "Linh kiện", "Thủy sản")


def _ids(table: sa.Table, count: int) -> list[int]:
    ids = allocate_ids(table, count)
    if ids is not None:
        return ids
    start = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def seed_membership(scale_factor: float = 1.0, seed: int = 2026) -> dict:
    """Adds the unions and their reports; returns the counts."""
    rng = random.Random(seed * 14 + 1)
    managers = db.session.execute(
        sa.select(OrgUnit.id, OrgUnit.path, OrgUnit.province_id)
        .where(OrgUnit.type.in_(("commune_union", "industrial_park_union",
                                 "provincial_federation")))
        .order_by(OrgUnit.id)).all()
    if not managers:
        return {"unions": 0, "reports": 0}
    total = max(3, round(UNIONS * scale_factor))
    last = last_closed_month()
    first = add_months(last, -(MONTHS - 1))
    now = clock.now()
    made = reports_made = 0
    while made < total:
        n = min(CHUNK, total - made)
        unit_ids = _ids(OrgUnit.__table__, n)
        units, unions, reports = [], [], []
        for unit_id in unit_ids:
            manager = managers[rng.randrange(len(managers))]
            founded_year = rng.randint(2005, first.year - 1)
            founders = rng.choice((25, 40, 60, 120, 250, 600, 1500))
            units.append({"id": unit_id, "code": f"CDCS-N-{unit_id}",
                          "name": f"Công đoàn cơ sở Công ty {rng.choice(WORDS)} {unit_id}",
                          "type": UnitType.grassroots.value, "parent_id": manager.id,
                          "province_id": manager.province_id,
                          "path": f"{manager.path}{unit_id}/"})
            members = round(founders * rng.uniform(1.0, 4.0))   # grown since its founding
            opening = members
            for i in range(MONTHS):
                admitted = round(opening * rng.uniform(0.003, 0.012))
                foreign = round(admitted * 0.03) if rng.random() < 0.2 else 0
                left = min(opening, round(opening * rng.uniform(0.002, 0.008)))
                closing = opening + admitted + foreign - left
                reports.append({"unit_id": unit_id, "month": add_months(first, i),
                                "revision": 1, "current": True, "managing_unit_id": manager.id,
                                "province_id": manager.province_id, "opening": opening,
                                "admitted_vietnamese": admitted, "admitted_foreign": foreign,
                                "left_members": left, "closing": closing, "source": "generator",
                                "reported_at": now})
                opening = closing
            unions.append({"unit_id": unit_id, "case_id": None, "chair": "", "committee": [],
                           "founded_on": first.replace(year=founded_year),
                           "founding_members": founders, "dissolution_reason": "",
                           "members_now": opening, "last_month": last})
        _insert(OrgUnit.__table__, units)
        _insert(GrassrootsUnion.__table__, unions)
        _insert(MembershipReport.__table__, reports)
        membership_tallies.add_generated(reports)   # committed with the reports
        live: dict[tuple, list[int]] = {}
        for unit_row, union_row in zip(units, unions):
            tally = live.setdefault((unit_row["parent_id"], unit_row["province_id"]), [0, 0])
            tally[0] += 1
            tally[1] += union_row["members_now"]
        for (manager_id, province_id), (count, members) in live.items():
            membership_tallies.shift_unions(manager_id, province_id, unions=count,
                                            reported=members)
        db.session.commit()
        made += n
        reports_made += len(reports)
    return {"unions": made, "reports": reports_made}
