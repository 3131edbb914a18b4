"""Lists of leadership visits: the visits in a reader's scope by leader, province, status or
upcoming; the follow-ups past their due date; the visits at which a case was discussed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework import authz, clock
from casework.extensions import db
from casework.models import Case, Province, User, Visit, VisitCase, VisitFollowUp
from casework.schemas.base import load
from casework.schemas.visits import UPCOMING, VisitQuery



@dataclass
class VisitFilters:
    leader: str | None = None     # email
    province: str | None = None   # province code
    status: str | None = None
    upcoming: bool = False

    @classmethod
    def from_args(cls, args) -> "VisitFilters":
        """From a query string, through casework.schemas.visits.VisitQuery."""
        values = load(VisitQuery, args)
        return cls(leader=values.get("leader"), province=values.get("province"),
                   status=values.get("status"), upcoming=UPCOMING.get(values.get("upcoming"),
                                                                      False))

    def as_args(self) -> dict:
        args = {k: v for k, v in vars(self).items() if v and k != "upcoming"}
        if self.upcoming:
            args["upcoming"] = "1"
        return args


def _visit_load_options():
    return (joinedload(Visit.leader), joinedload(Visit.province), joinedload(Visit.host_unit),
            selectinload(Visit.follow_ups).joinedload(VisitFollowUp.owner_user),
            selectinload(Visit.case_links).joinedload(VisitCase.case).joinedload(Case.unit))


def visit_list_query(user: User, filters: VisitFilters, today: date | None = None):
    """Visits in the user's scope matching `filters`; upcoming ones soonest first."""
    today = today or clock.today()
    query = sa.select(Visit).where(authz.visit_scope(user)).options(*_visit_load_options())
    if filters.leader:
        query = query.where(Visit.leader_id.in_(
            sa.select(User.id).where(User.email == filters.leader.lower())))
    if filters.province:
        query = query.where(Visit.province_id.in_(
            sa.select(Province.id).where(Province.code == filters.province.zfill(2))))
    if filters.status:
        query = query.where(Visit.status == filters.status)
    if filters.upcoming:
        return (query.where(Visit.status == "planned", Visit.planned_date >= today)
                .order_by(Visit.planned_date, Visit.id))
    return query.order_by(Visit.planned_date.desc(), Visit.id.desc())


def overdue_follow_ups(user: User, today: date | None = None) -> list[VisitFollowUp]:
    """Follow-ups past their due date and not done, of visits in scope (not cancelled ones)."""
    today = today or clock.today()
    query = (sa.select(VisitFollowUp).join(VisitFollowUp.visit)
             .where(authz.visit_scope(user), VisitFollowUp.done.is_(False),
                    VisitFollowUp.due_date < today, Visit.status != "cancelled")
             .options(joinedload(VisitFollowUp.owner_user),
                      joinedload(VisitFollowUp.visit).joinedload(Visit.leader),
                      joinedload(VisitFollowUp.visit).joinedload(Visit.province))
             .order_by(VisitFollowUp.due_date, VisitFollowUp.id))
    return list(db.session.scalars(query))


def visits_of_case(case_id: int) -> list[Visit]:
    """The visits at which a case was discussed, newest first (for the case page, which has
    already checked the case is in the reader's scope)."""
    return list(db.session.scalars(
        sa.select(Visit).join(VisitCase, VisitCase.visit_id == Visit.id)
        .where(VisitCase.case_id == case_id)
        .options(joinedload(Visit.leader), joinedload(Visit.province),
                 joinedload(Visit.host_unit))
        .order_by(Visit.planned_date.desc(), Visit.id.desc())))
