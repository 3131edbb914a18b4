"""Who covers which province: the standing members of the Presidium each assigned provinces,
the last and next visit of every province, and the provinces no visit reached since the cutoff
(setting visit_gap_months); the provinces and leaders a user may plan visits for."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import joinedload

from casework import authz, clock
from casework.errors import Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import OrgUnit, Province, ProvinceAssignment, User, Visit
from casework.services.settings import get_setting
from casework.services.visit_input import find_province
from casework.text import search_key


@dataclass
class ProvinceCoverage:
    province: Province
    leader: User | None
    last_done: date | None
    next_planned: date | None
    gap: bool          # no visit done since the cutoff


def gap_cutoff(months: int | None = None, today: date | None = None) -> date:
    months = get_setting("visit_gap_months") if months is None else months
    return (today or clock.today()) - relativedelta(months=int(months))


def coverage(user: User, months: int | None = None,
             today: date | None = None) -> list[ProvinceCoverage]:
    """Every province in the user's scope, its assigned leader and its last and next visits
    (four queries, whatever the number of provinces)."""
    today = today or clock.today()
    cutoff = gap_cutoff(months, today)
    provinces = visible_provinces(user)
    leaders = {a.province_id: a.leader for a in db.session.scalars(
        sa.select(ProvinceAssignment).options(joinedload(ProvinceAssignment.leader)))}
    last_done = dict(db.session.execute(
        sa.select(Visit.province_id, sa.func.max(Visit.planned_date))
        .where(Visit.status == "done").group_by(Visit.province_id)).all())
    next_planned = dict(db.session.execute(
        sa.select(Visit.province_id, sa.func.min(Visit.planned_date))
        .where(Visit.status == "planned", Visit.planned_date >= today)
        .group_by(Visit.province_id)).all())
    rows = []
    for province in provinces:
        last = last_done.get(province.id)
        rows.append(ProvinceCoverage(province, leaders.get(province.id), last,
                                     next_planned.get(province.id),
                                     gap=last is None or last < cutoff))
    return rows


def provinces_without_visit(user: User, months: int | None = None,
                            today: date | None = None) -> list[ProvinceCoverage]:
    return [row for row in coverage(user, months, today) if row.gap]


def assign_province(actor: User, *, leader, province) -> ProvinceAssignment:
    """Give a province to a standing member (a leader at the VGCL node); it moves from whoever
    covered it before."""
    authz.require_assign_provinces(actor)
    where = find_province(province)
    user = db.session.scalar(sa.select(User).where(User.email == leader.strip().lower())) \
        if isinstance(leader, str) and leader.strip() else None
    if user is None or not user.active:
        raise Invalid(_("No active user with the email %(email)s", email=repr(str(leader)[:100])),
                      field="leader")
    if user.role != "leader" or not authz.national(user):
        raise Invalid(_("%(name)s is not a leader of the VGCL; only standing members of the "
                        "Presidium are assigned provinces", name=user.name), field="leader")
    assignment = db.session.scalar(
        sa.select(ProvinceAssignment).where(ProvinceAssignment.province_id == where.id))
    if assignment is None:
        assignment = ProvinceAssignment(province=where, leader=user, assigned_by_id=actor.id)
        db.session.add(assignment)
    else:
        assignment.leader = user
        assignment.assigned_by_id = actor.id
        assignment.created_at = clock.now()
    db.session.flush()
    return assignment


def unassign_province(actor: User, province) -> None:
    authz.require_assign_provinces(actor)
    where = find_province(province)
    assignment = db.session.scalar(
        sa.select(ProvinceAssignment).where(ProvinceAssignment.province_id == where.id))
    if assignment is None:
        raise NotFound(_("No leader covers %(province)s.", province=where.name))
    db.session.delete(assignment)
    db.session.flush()


def assignable_leaders() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(User.unit)
        .where(User.role == "leader", User.active.is_(True), OrgUnit.is_root)
        .order_by(User.name)))


def eligible_leaders(actor: User) -> list[User]:
    """The leaders `actor` may plan a visit for: VGCL leaders, and leaders in the actor's
    subtree (a provincial leader: those of their province)."""
    return list(db.session.scalars(
        sa.select(User).join(User.unit)
        .where(User.role == "leader", User.active.is_(True),
               sa.or_(OrgUnit.is_root, OrgUnit.path.startswith(actor.unit.path)))
        .order_by(User.name)))


def _by_name(provinces) -> list[Province]:
    """Alphabetical as people read it ("Đà Nẵng" among the D's), whatever the DB collation."""
    return sorted(provinces, key=lambda p: search_key(p.name))


def visible_provinces(user: User) -> list[Province]:
    return _by_name(db.session.scalars(
        sa.select(Province).where(authz.visit_province_scope(user))))


def writable_provinces(actor: User) -> list[Province]:
    if authz.why_not_write_visits(actor) is not None:
        return []
    query = sa.select(Province)
    if actor.role == "leader" and not authz.national(actor):
        query = query.where(Province.id == authz.unit_province_id(actor.unit))
    return _by_name(db.session.scalars(query))
