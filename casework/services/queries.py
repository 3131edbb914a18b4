"""The case list: one select() builder for the page, the API and exports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework import authz, search_index
from casework.extensions import db
from casework.models import Case, CaseEnterprise, Enterprise, Escalation, OrgUnit, Province, Step, User
from casework.schemas.limits import FILTER_LENGTH, NO_STEP_DAYS, YEARS
from casework.schemas.cases import FILTERS  # noqa: F401  (the filters a case list takes)
from casework.services.settings import get_setting
from casework.text import search_key, whole_number
from casework.workflow.definition import ALL_STATES, FLOWS, KINDS, TERMINAL_STATES
from casework import clock

NO_SECTOR = "_none"   # the sector filter's value for cases whose enterprise has no sector


@dataclass
class CaseFilters:
    state: str | None = None
    kind: str | None = None
    province: str | None = None   # province code
    unit: str | None = None       # unit code: that unit's subtree
    organiser: str | None = None  # email, or "me"
    q: str | None = None          # enterprise name, tax code or ref; diacritics ignored
    flow: str | None = None       # flow name: any kind of that flow
    sector: str | None = None     # sector of the case's (first) enterprise; NO_SECTOR: none
    ownership: str | None = None  # ownership of the case's (first) enterprise
    year: str | None = None       # the year the case was founded (founded_on)
    overdue: str | None = None    # "1": dossier submitted, recognition deadline passed
    stuck: str | None = None      # "1": active, longer than stuck_after_days in its state
    open: str | None = None       # "1": not founded and not closed
    managed_by: str | None = None  # unit code: cases managed by exactly that unit
    no_step_days: str | None = None  # N: open cases with no step logged in the last N days
    escalated: str | None = None  # "1": escalated to the unit above (services/escalation.py)

    @classmethod
    def from_args(cls, args) -> "CaseFilters":
        values = {}
        for name in FILTERS:
            value = args.get(name)
            if isinstance(value, str) and value.strip():
                values[name] = value.strip()[:FILTER_LENGTH]
        return cls(**values)

    def as_args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def case_list_query(user: User, filters: CaseFilters):
    """Cases in the user's scope matching `filters`, newest activity first."""
    query = (sa.select(Case)
             .where(scope_condition(user))
             .options(joinedload(Case.unit), joinedload(Case.province),
                      joinedload(Case.organiser),
                      selectinload(Case.links).joinedload(CaseEnterprise.enterprise)))
    query = apply_case_filters(query, user, filters)
    return query.order_by(Case.updated_at.desc(), Case.id.desc())


def case_count(user: User, filters: CaseFilters, *, at_most: int | None = None) -> int:
    """How many cases `case_list_query` gives; with `at_most`, counting stops past it (a search
    for a common text matches tens of thousands: "more than 1,000" says enough)."""
    matching = apply_case_filters(sa.select(Case.id).where(scope_condition(user)), user, filters)
    if at_most is not None:
        matching = matching.limit(at_most + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching.subquery())) or 0


def scope_condition(user: User, unit_column=Case.unit_id):
    """The cases (or, given its `unit_column`, the case tallies) in the user's scope: those
    managed in their unit's subtree. At the root (the VGCL) that is every case, and no
    condition at all lets the database use the indexes of the other filters (a list of every
    unit would have it check each row against ~300 ids)."""
    if user.unit.parent_id is None:
        return sa.true()
    return unit_column.in_(authz.scope_unit_ids(user))


def units_under(code: str):
    """A subquery of the ids of the unit of `code` and of every unit in its subtree."""
    unit_path = sa.select(OrgUnit.path).where(OrgUnit.code == code).scalar_subquery()
    return sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit_path))


def search_condition(key: str):
    """Cases whose search text contains `key` (already normalised by `search_key`).

    The pattern is a bound parameter, never SQL text: PostgreSQL plans each statement with its
    values (casework.extensions.plan_each_statement), so a rare text uses the trigram index.
    On SQLite the subquery scans the narrow search-text index rather than the table — or, where
    it exists, asks the FTS5 trigram index (casework.search_index) first: a rare text is found
    there, a common one by the scan."""
    escaped = key.replace("/", "//").replace("%", "/%").replace("_", "/_")
    contains = Case.search_text.like(f"%{escaped}%", escape="/")
    found = search_index.candidates(db.session, key)
    if found is not None:           # SQLite's trigram index named the few cases that match
        return sa.and_(Case.id.in_(found), contains) if found else sa.false()
    if db.session.get_bind().dialect.name == "sqlite":
        return contains             # a common text: checked row by row in the list's order
    return Case.id.in_(sa.select(Case.id).where(contains))


def apply_case_filters(query, user: User, filters: CaseFilters):
    """Add the WHERE clauses of `filters` (not the scope) to a query over Case.

    Shared by the case list and the leadership pipeline, so a dashboard number and the list
    it links to count the same cases."""
    if filters.state:
        query = query.where(Case.state == filters.state if filters.state in ALL_STATES
                            else sa.false())
    if filters.kind:
        query = query.where(Case.kind == filters.kind if filters.kind in KINDS else sa.false())
    if filters.province:
        query = query.where(Case.province_id.in_(
            sa.select(Province.id).where(Province.code == filters.province.zfill(2))))
    if filters.unit:
        query = query.where(Case.unit_id.in_(units_under(filters.unit)))
    if filters.organiser:
        if filters.organiser == "me":
            query = query.where(Case.organiser_id == user.id)
        else:
            query = query.where(Case.organiser_id.in_(
                sa.select(User.id).where(User.email == filters.organiser.lower())))
    if filters.q:
        key = search_key(filters.q)
        if key:
            query = query.where(search_condition(key))
    if filters.flow:
        flow = next((f for f in FLOWS if f.name == filters.flow), None)
        query = query.where(Case.kind.in_(flow.kinds) if flow else sa.false())
    if filters.sector:
        query = query.where(Case.id.in_(
            primary_enterprise_ids(Enterprise.sector.is_(None) if filters.sector == NO_SECTOR
                                   else Enterprise.sector == filters.sector)))
    if filters.ownership:
        query = query.where(Case.id.in_(
            primary_enterprise_ids(Enterprise.ownership == filters.ownership)))
    if filters.year:
        year = whole_number(filters.year)
        year = year if year is not None and YEARS.least <= year <= YEARS.most else None
        query = query.where(sa.and_(Case.founded_on >= date(year, 1, 1),
                                    Case.founded_on < date(year + 1, 1, 1))
                            if year else sa.false())
    if filters.overdue == "1":
        query = query.where(overdue_condition())
    if filters.stuck == "1":
        query = query.where(stuck_condition())
    if filters.open == "1":
        query = query.where(Case.state.not_in(TERMINAL_STATES))
    if filters.managed_by:
        query = query.where(Case.unit_id.in_(
            sa.select(OrgUnit.id).where(OrgUnit.code == filters.managed_by)))
    if filters.no_step_days:
        days = whole_number(filters.no_step_days)
        query = query.where(no_step_condition(days)
                            if days is not None and NO_STEP_DAYS.least <= days <= NO_STEP_DAYS.most
                            else sa.false())
    if filters.escalated == "1":
        query = query.where(Case.id.in_(escalated_case_ids()))
    return query


def primary_enterprise_ids(condition):
    """Ids of the cases whose first enterprise (the one that gives the province) matches."""
    return (sa.select(CaseEnterprise.case_id)
            .join(Enterprise, Enterprise.id == CaseEnterprise.enterprise_id)
            .where(CaseEnterprise.position == 0, condition))


# the states whose deadline a case can miss: the committee's to file the dossier after the
# congress, the superior union's to decide on a submitted dossier
DEADLINE_STATES = ("congress_held", "dossier_submitted")


def overdue_condition(today: date | None = None):
    """A deadline passed: the dossier not filed in time after the founding congress, or not
    decided in time after it was submitted."""
    return sa.and_(Case.state.in_(DEADLINE_STATES), Case.deadline.is_not(None),
                   Case.deadline < (today or clock.today()))


def stuck_cutoff(now: datetime | None = None) -> datetime:
    days = int(get_setting("stuck_after_days"))
    return (now or clock.now()) - timedelta(days=days)


def stuck_condition(now: datetime | None = None):
    """An active case (not founded, closed or on hold) longer than stuck_after_days in its
    current state."""
    return sa.and_(Case.state.not_in(TERMINAL_STATES + ("on_hold",)),
                   Case.state_changed_at < stuck_cutoff(now))


def no_step_condition(days: int, today: date | None = None):
    """An open case (not founded or closed) with no step dated within the last `days` days,
    and itself older than that (a case opened yesterday is not forgotten)."""
    today = today or clock.today()
    cutoff = today - timedelta(days=days)
    recent = sa.select(Step.id).where(Step.case_id == Case.id, Step.date > cutoff)
    opened_before = datetime.combine(cutoff, datetime.min.time(), tzinfo=clock.VIETNAM)
    return sa.and_(Case.state.not_in(TERMINAL_STATES), ~recent.exists(),
                   Case.created_at < opened_before)


def escalated_case_ids():
    """A subquery of the ids of the cases escalated now (the case list's `escalated` filter;
    casework/services/escalation.py escalates them)."""
    return sa.select(Escalation.case_id).where(Escalation.ended_at.is_(None))
