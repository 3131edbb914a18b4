"""Hand-built grassroots unions for the membership tests (issue 14)."""
from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa

from casework.extensions import db
from casework.models import OrgUnit
from casework.models.membership import GrassrootsUnion
from casework.services.founded_units import add_existing_union
from casework.services.membership import report_month
from casework.services.units import create_unit

_numbers = itertools.count(1)


def union(manager: str = "LDLD-79", founders: int = 100, founded_on: date = date(2025, 1, 10),
          name: str | None = None) -> GrassrootsUnion:
    """A grassroots union under `manager` (a unit code), as if founded long ago (no case)."""
    n = next(_numbers)
    unit = create_unit(code=f"T-CDCS-{n}", name=name or f"Công đoàn cơ sở thử {n}",
                       type_="grassroots", parent_code=manager)
    made = add_existing_union(unit, founded_on, founders)
    db.session.commit()
    return made


def report(made: GrassrootsUnion, month: str, vietnamese: int = 0, foreign: int = 0,
           left: int = 0, closing: int | None = None, actor=None):
    """Report `month` ('2025-03'); the closing figure is computed when not given."""
    from casework.services.membership import opening_of, parse_month
    day = parse_month(month)
    if closing is None:
        closing = opening_of(made, day) + vietnamese + foreign - left
    result = report_month(actor, made, day, admitted_vietnamese=vietnamese,
                          admitted_foreign=foreign, left=left, closing=closing)
    db.session.commit()
    return result


def unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
