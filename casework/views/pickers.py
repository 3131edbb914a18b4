"""The choices of the pickers every page shares: units in the tree's order, provinces."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.extensions import db
from casework.forms.cases import choices
from casework.models import OrgUnit, Province, UnitType, User
from casework.text import search_key

UNIT_TYPE_ORDER = {t.value: i for i, t in enumerate(UnitType)}


def sort_units(units) -> list[OrgUnit]:
    """Units as every picker lists them: by type (the tree's levels in order), then province,
    then name (Vietnamese names compared without their marks)."""
    return sorted(units, key=lambda u: (UNIT_TYPE_ORDER.get(u.type, len(UNIT_TYPE_ORDER)),
                                        search_key(u.province.name) if u.province else "",
                                        search_key(u.name), u.code))


def units_in_scope(user: User) -> list[OrgUnit]:
    """The units of the user's subtree, in picker order."""
    return sort_units(db.session.scalars(
        sa.select(OrgUnit).options(joinedload(OrgUnit.province))
        .where(OrgUnit.path.startswith(user.unit.path))))


def province_choices(blank: str | None = None) -> list:
    provinces = db.session.scalars(sa.select(Province).order_by(Province.name))
    options = [("", blank)] if blank is not None else []
    return choices(options + [(p.code, f"{p.name} ({p.code})") for p in provinces])


def unit_choice_label(unit: OrgUnit, depth_of=None) -> str:
    return f"{unit.code} — {unit.name}"
