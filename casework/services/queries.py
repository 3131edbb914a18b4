"""The case list: one select() builder for the page, the API and exports."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework import authz
from casework.models import Case, CaseEnterprise, OrgUnit, Province, User
from casework.text import search_key
from casework.workflow.definition import ALL_STATES, KINDS

FILTERS = ("state", "kind", "province", "unit", "organiser", "q")


@dataclass
class CaseFilters:
    state: str | None = None
    kind: str | None = None
    province: str | None = None   # province code
    unit: str | None = None       # unit code: that unit's subtree
    organiser: str | None = None  # email, or "me"
    q: str | None = None          # enterprise name, tax code or ref; diacritics ignored

    @classmethod
    def from_args(cls, args) -> "CaseFilters":
        values = {}
        for name in FILTERS:
            value = args.get(name)
            if isinstance(value, str) and value.strip():
                values[name] = value.strip()[:200]
        return cls(**values)

    def as_args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def case_list_query(user: User, filters: CaseFilters):
    """Cases in the user's scope matching `filters`, newest activity first."""
    query = (sa.select(Case)
             .where(Case.unit_id.in_(authz.scope_unit_ids(user)))
             .options(joinedload(Case.unit), joinedload(Case.province),
                      joinedload(Case.organiser),
                      selectinload(Case.links).joinedload(CaseEnterprise.enterprise)))
    if filters.state:
        query = query.where(Case.state == filters.state if filters.state in ALL_STATES
                            else sa.false())
    if filters.kind:
        query = query.where(Case.kind == filters.kind if filters.kind in KINDS else sa.false())
    if filters.province:
        query = query.where(Case.province_id.in_(
            sa.select(Province.id).where(Province.code == filters.province.zfill(2))))
    if filters.unit:
        unit_path = (sa.select(OrgUnit.path).where(OrgUnit.code == filters.unit)
                     .scalar_subquery())
        query = query.where(Case.unit_id.in_(
            sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit_path))))
    if filters.organiser:
        if filters.organiser == "me":
            query = query.where(Case.organiser_id == user.id)
        else:
            query = query.where(Case.organiser_id.in_(
                sa.select(User.id).where(User.email == filters.organiser.lower())))
    if filters.q:
        key = search_key(filters.q)
        if key:
            query = query.where(Case.search_text.contains(key, autoescape=True))
    return query.order_by(Case.updated_at.desc(), Case.id.desc())
