"""Lists of leadership visits: the visits in a reader's scope by leader, province, status or
upcoming; the follow-ups past their due date; the visits at which a case was discussed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework import authz, clock
from casework.errors import Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import Case, Province, User, Visit, VisitCase, VisitFollowUp
from casework.models.visit import VISIT_STATUSES

# ?upcoming= : what a checkbox or a client may send for yes and no
UPCOMING = {"1": True, "true": True, "yes": True, "on": True,
            "0": False, "false": False, "no": False, "off": False}


@dataclass
class VisitFilters:
    leader: str | None = None     # email
    province: str | None = None   # province code
    status: str | None = None
    upcoming: bool = False

    @classmethod
    def from_args(cls, args) -> "VisitFilters":
        def arg(name):
            value = args.get(name)
            return value.strip()[:200] if isinstance(value, str) and value.strip() else None
        upcoming = arg("upcoming")
        if upcoming is not None and upcoming not in UPCOMING:
            raise Invalid(_("upcoming must be one of %(choices)s", choices=", ".join(UPCOMING)),
                          field="upcoming")
        filters = cls(leader=arg("leader"), province=arg("province"), status=arg("status"),
                      upcoming=UPCOMING.get(upcoming, False))
        if filters.status and filters.status not in VISIT_STATUSES:
            raise Invalid(_("Status must be one of %(choices)s",
                            choices=", ".join(VISIT_STATUSES)), field="status")
        return filters

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
