"""One authorization rule for views, API and services.

A user acts within the subtree of their unit; a case outside it does not exist for them (404).
`why_not` gives the reason for a refusal, `can` the yes/no, `require` raises. Leadership visits
follow rules of their own, by province (their section: `visit_scope`, `why_not_write_visits`,
`why_not_assign_provinces`).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework.extensions import db
from casework.models import (UNIT_LEVELS, ApprovalRequest, Case, OrgUnit, Province, UnitType, User,
                             Visit)
from casework.errors import Forbidden, NotFound
from casework.i18n import _
from casework.workflow.definition import (FLOWS, ORGANISERS, ROOT, SUPERVISORS, N_, Approver,
                                          Trigger, approvers, flow_for)

CASE_READERS = ("organiser", "supervisor", "leader", "admin")
CASE_WORKERS = ("organiser", "supervisor")
# a role as a word inside a sentence ("X is a leader, not an organiser"); translated where used
ROLE_NAMES = {"organiser": N_("organiser"), "supervisor": N_("supervisor"),
              "leader": N_("leader"), "admin": N_("admin")}


def role_name(role: str) -> str:
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role


def national(user: User) -> bool:
    """A user of the tree's root (the VGCL): reads and acts in every province. Being the root
    is what counts, not a unit type an administrator could set."""
    return user.unit.is_root


def assignable_unit_types(user: User) -> list[str]:
    """The types an administrator may give a unit: strictly below their own unit's level."""
    own = UNIT_LEVELS[user.unit.type]
    return [t.value for t in UnitType if UNIT_LEVELS[t.value] > own]


def unit_in_scope(user: User, unit: OrgUnit) -> bool:
    return unit.path.startswith(user.unit.path)


def scope_unit_ids(user: User):
    """A subquery of the ids of every unit in the user's subtree."""
    return sa.select(OrgUnit.id).where(OrgUnit.path.startswith(user.unit.path))


def case_in_scope(user: User, case: Case) -> bool:
    return user.role in CASE_READERS and unit_in_scope(user, case.unit)


# --- leadership visits ------------------------------------------------------------------------
# read: a visit is in a user's scope when the federation of its province or its host unit is in
#   the user's subtree, or the user is the visit's leader (a user at the VGCL node sees them
#   all); outside it the visit does not exist for the user (404).
# write (plan, record, follow up, link cases): a leader at the VGCL node anywhere, a provincial
#   leader in the province of their unit, an administrator in their unit's province (anywhere at
#   the VGCL node); organisers and supervisors only read.
# province assignments (who covers which province): administrators and leaders at the VGCL node.

def unit_province_id(unit: OrgUnit) -> int | None:
    """The province a unit belongs to: its own, or that of its nearest ancestor that has one."""
    if unit.province_id is not None:
        return unit.province_id
    ancestor_ids = [int(part) for part in (unit.path or "").strip("/").split("/") if part]
    if not ancestor_ids:
        return None
    return db.session.scalar(
        sa.select(OrgUnit.province_id)
        .where(OrgUnit.id.in_(ancestor_ids), OrgUnit.province_id.is_not(None))
        .order_by(sa.func.length(OrgUnit.path).desc()).limit(1))


def _federated_province_ids(user: User):
    """Provinces whose federation is in the user's subtree (a subquery)."""
    return sa.select(OrgUnit.province_id).where(
        OrgUnit.type == "provincial_federation", OrgUnit.province_id.is_not(None),
        OrgUnit.path.startswith(user.unit.path))


def visit_scope(user: User):
    """A WHERE clause for the visits `user` may read."""
    if national(user):
        return sa.true()
    return sa.or_(Visit.province_id.in_(_federated_province_ids(user)),
                  Visit.host_unit_id.in_(scope_unit_ids(user)),
                  Visit.leader_id == user.id)


def visit_in_scope(user: User, visit: Visit) -> bool:
    if national(user) or visit.leader_id == user.id or unit_in_scope(user, visit.host_unit):
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(
        OrgUnit.type == "provincial_federation", OrgUnit.province_id == visit.province_id,
        OrgUnit.path.startswith(user.unit.path)))))


def visit_province_scope(user: User):
    """A WHERE clause for the provinces whose visit coverage `user` may see."""
    if national(user):
        return sa.true()
    return Province.id.in_(_federated_province_ids(user))


def why_not_write_visits(user: User, province: Province | None = None) -> str | None:
    """None when `user` may plan or record visits (in `province`, when given)."""
    if user.role not in ("leader", "admin"):
        return _("Only leaders plan and record leadership visits; organisers and supervisors "
                 "may read them.")
    if national(user):
        return None
    own = unit_province_id(user.unit)
    if user.role == "admin":  # an administrator of a province manages that province's visits
        if province is not None and province.id != own:
            return _("An administrator manages visits only in their own unit's province.")
        return None
    if own is None:
        return _("Only a leader of the VGCL or of a provincial federation plans visits.")
    if province is not None and province.id != own:
        own_name = db.session.get(Province, own).name
        return _("A provincial leader plans visits only in their own province (%(province)s).",
                 province=own_name)
    return None


def can_write_visits(user: User, province: Province | None = None) -> bool:
    return why_not_write_visits(user, province) is None


def require_write_visits(user: User, province: Province | None = None) -> None:
    reason = why_not_write_visits(user, province)
    if reason is not None:
        raise Forbidden(reason)


def why_not_assign_provinces(user: User) -> str | None:
    if user.role == "admin" or (user.role == "leader" and national(user)):
        return None
    return _("Only an administrator or a leader of the VGCL assigns provinces.")


def can_assign_provinces(user: User) -> bool:
    return why_not_assign_provinces(user) is None


def require_assign_provinces(user: User) -> None:
    reason = why_not_assign_provinces(user)
    if reason is not None:
        raise Forbidden(reason)


def why_not(user: User, action: str, obj=None, trigger: Trigger | None = None) -> str | None:
    """None when `user` may do `action` on `obj`; otherwise the reason, in the user's words."""
    if action == "case.view":
        return None if case_in_scope(user, obj) else _("This case is outside your unit.")
    if action == "case.create":
        if user.role not in CASE_WORKERS:
            return _("Only organisers and supervisors create cases.")
        if obj is not None and not unit_in_scope(user, obj):
            return _("That unit is outside your own unit's subtree.")
        return None
    if action in ("case.log_step", "case.edit"):
        if user.role not in CASE_WORKERS:
            return _("Only organisers and supervisors work on cases.")
        return None if case_in_scope(user, obj) else _("This case is outside your unit.")
    if action == "case.personal_details":
        # the workers' names, notes and committee: for the people organising, not for readers
        if user.role not in CASE_WORKERS:
            return _("Names of workers are shown only to organisers and supervisors.")
        return None if case_in_scope(user, obj) else _("This case is outside your unit.")
    if action == "case.reassign":
        if user.role != "supervisor":
            return _("Only a supervisor reassigns cases.")
        return None if case_in_scope(user, obj) else _("This case is outside your unit.")
    if action == "case.fire":
        if user.role not in trigger.roles:
            return _only_roles_may(trigger)
        return None if case_in_scope(user, obj) else _("This case is outside your unit.")
    if action == "approval.decide":
        return why_not_decide(user, obj)
    if action == "approval.withdraw":
        # only the requester: a request nobody else can decide must never block the case
        return None if obj.requester_id == user.id else \
            _("Only the person who made a request may withdraw it.")
    if action == "admin":
        return None if user.role == "admin" else _("Only an administrator may do this.")
    if action == "unit.give_type":  # obj: the type
        if user.role != "admin":
            return _("Only an administrator may do this.")
        return None if obj in assignable_unit_types(user) else _(
            "An administrator of %(unit)s gives a unit only a type below their own unit's.",
            unit=user.unit.code)
    raise ValueError(action)


def _only_roles_may(trigger: Trigger) -> str:
    action = _(trigger.label)
    if trigger.roles == SUPERVISORS:
        return _("Only a supervisor may “%(action)s”.", action=action)
    if trigger.roles == ORGANISERS:
        return _("Only an organiser or a supervisor may “%(action)s”.", action=action)
    return _("Only these roles may “%(action)s”: %(roles)s.", action=action,
             roles=", ".join(role_name(r) for r in trigger.roles))


def can(user: User, action: str, obj=None, trigger: Trigger | None = None) -> bool:
    return why_not(user, action, obj, trigger) is None


def require(user: User, action: str, obj=None, trigger: Trigger | None = None) -> None:
    reason = why_not(user, action, obj, trigger)
    if reason is not None:
        raise Forbidden(reason)


def require_case_visible(user: User, case: Case | None) -> Case:
    """A case outside the user's scope is reported as missing, not forbidden."""
    if case is None or not case_in_scope(user, case):
        raise NotFound(_("No such case."))
    return case


# --- approvals: who may decide ------------------------------------------------------------------
# One rule, read from the trigger's Approver (workflow.definition): a user of its role, at its
# level of the tree (the case in their subtree; for ROOT, at the VGCL itself), never the one who
# asked. `why_not_decide` says it of one user and one request, with the reason; `_decides` says
# the same as SQL, and is the one query of who may decide: the inbox and the navigation's count
# read it one way (the requests a user may decide), the notifications the other (the people
# who may decide a request). tests/test_approvers.py holds the two to each other.

def approver_of(approval: ApprovalRequest) -> Approver | None:
    trigger = flow_for(approval.case.kind).trigger(approval.trigger)
    return trigger.approval if trigger is not None else None


def _is_approver(user: User, approver: Approver) -> bool:
    return user.role == approver.role and (approver.level != ROOT or national(user))


def decides_approvals(user: User) -> bool:
    """Whether some approval is for this user to decide (the inbox's count, its heading)."""
    return any(_is_approver(user, approver) for approver in approvers())


def why_not_decide(user: User, approval: ApprovalRequest) -> str | None:
    """None when `user` may decide `approval`; otherwise the reason, in the user's words."""
    approver = approver_of(approval)
    if approver is None:   # its trigger no longer needs approval: only a withdrawal ends it
        return _("No one decides this request: its action no longer needs approval.")
    if not _is_approver(user, approver):
        return _(approver.only_they_decide)
    if not case_in_scope(user, approval.case):
        return _("This case is outside your unit.")
    if approval.requester_id == user.id:
        return _("You cannot decide your own request.")
    return None


_DeciderUnit = aliased(OrgUnit, name="decider_unit")
_CaseUnit = aliased(OrgUnit, name="case_unit")


def _requests_for(approver: Approver):
    """The requests `approver` decides: those of the triggers that name it, flow by flow."""
    return sa.or_(*(
        sa.and_(Case.kind.in_(flow.kinds), ApprovalRequest.trigger.in_(names))
        for flow in FLOWS
        if (names := [t.name for t in flow.triggers if t.approval == approver])))


def _decides():
    """True on the rows (User, their unit, ApprovalRequest, its case, the case's unit) where the
    user may decide the request: why_not_decide as SQL."""
    return sa.and_(
        _DeciderUnit.id == User.unit_id, Case.id == ApprovalRequest.case_id,
        _CaseUnit.id == Case.unit_id,
        User.id != ApprovalRequest.requester_id,
        # the case in the user's subtree: their unit's path is a prefix of the case unit's
        _CaseUnit.path.startswith(_DeciderUnit.path),
        sa.or_(*(sa.and_(User.role == approver.role, _requests_for(approver),
                         _DeciderUnit.is_root if approver.level == ROOT else sa.true())
                 for approver in approvers())))


def approval_filter(user: User):
    """A WHERE clause on ApprovalRequest: the requests this user may decide (the inbox)."""
    if not decides_approvals(user):
        return sa.false()
    return sa.exists().where(User.id == user.id, _decides()).correlate(ApprovalRequest)


def deciders_query(approval: ApprovalRequest):
    """The active users who may decide `approval`, by id (the notifications, the route)."""
    return (sa.select(User)
            .where(User.active.is_(True), ApprovalRequest.id == approval.id, _decides())
            .order_by(User.id))
