"""Deciding approval requests: approving fires the transition in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from casework import authz
from casework import clock
from casework.extensions import db
from casework.models import ApprovalRequest, Case, OrgUnit, User
from casework.errors import Conflict, Invalid, NotFound
from casework.i18n import _
from casework.services.audit import record
from casework.services.cases import flush_or_conflict
from casework.schemas.base import load
from casework.schemas.transitions import load_trigger_data, trigger_data_schema
from casework.services.decision_numbers import number_decision
from casework.services.guards import Attempt
from casework.services.notifications import notify_approval_decided
from casework.services.transitions import apply_transition
from casework.text import nfc
from casework.workflow.definition import N_, flow_for

ALREADY_DECIDED = {"approved": N_("This request was already approved"),
                   "rejected": N_("This request was already rejected"),
                   "superseded": N_("This request was already superseded"),
                   "withdrawn": N_("This request was already withdrawn")}


def get_visible_approval(user: User, approval_id) -> ApprovalRequest:
    approval = db.session.get(ApprovalRequest, approval_id) if isinstance(approval_id, int) else None
    if approval is None or not authz.case_in_scope(user, approval.case):
        # the VGCL leader deciding schemes sees every case anyway
        raise NotFound(_("No such approval request."))
    return approval


def _lock_pending(approval: ApprovalRequest) -> None:
    """Lock the case row before the request's row, in the order a transition takes them (case,
    then its pending requests), so a decision racing a transition cannot deadlock; then refuse
    a request that is no longer pending."""
    db.session.execute(sa.select(Case.id).where(Case.id == approval.case_id).with_for_update())
    db.session.refresh(approval)
    db.session.refresh(approval.case)
    if approval.status != "pending":
        message = ALREADY_DECIDED.get(approval.status)
        raise Conflict(_(message) if message else _("This request was already %(status)s",
                                                     status=approval.status),
                       code="already_decided")


def decide(approval: ApprovalRequest, actor: User, *, decision: str, comment: str | None = None,
           data: dict | None = None) -> ApprovalRequest:
    """Approve or reject (`decision`, as casework.schemas.approvals loads it). `data` carries
    what the approver enters on approving (the decision's number, date and signer:
    Trigger.decision_fields); it completes the request's data."""
    authz.require(actor, "approval.decide", approval)
    _lock_pending(approval)
    case = approval.case
    if case.state != approval.from_state:
        raise Conflict(_("The case has moved since the request was made"), code="case_moved")
    comment = nfc(comment)
    if decision == "reject" and not comment:
        raise Invalid(_("A comment is required to reject"), field="comment")
    trigger = flow_for(case.kind).trigger(approval.trigger)
    entered = {f.name: data[f.name] for f in trigger.decision_fields
               if data and f.name in data and data[f.name] not in (None, "")}
    if decision == "approve":
        raw = number_decision(case, trigger, actor, {**(approval.data or {}), **entered})
        cleaned = load_trigger_data(trigger, raw, approval.comment)
    else:  # a rejection keeps none of it, but what it sends is of the type the API says
        later = [f.name for f in trigger.decision_fields]
        if later:
            load(trigger_data_schema(trigger, requesting=True)(only=later), entered)

    approval.status = "approved" if decision == "approve" else "rejected"
    approval.decided_by = actor     # the relationship: the notification below names them
    approval.decided_at = clock.now()
    approval.decision_comment = comment
    flush_or_conflict(_("Someone else decided this request in the meantime."),
                      code="already_decided")
    record(case, actor, "approval_decided", trigger=approval.trigger, from_state=case.state,
           comment=comment, data={"approval_id": approval.id, "decision": decision,
                                  "requester": approval.requester.email})
    if decision == "approve":
        attempt = Attempt(case=case, trigger=trigger, data=cleaned, actor=actor,
                          comment=comment or approval.comment)
        apply_transition(attempt, audit_data={"approval_id": approval.id,
                                              "requested_by": approval.requester.email})
    db.session.flush()
    notify_approval_decided(approval)
    return approval


def withdraw(approval: ApprovalRequest, actor: User, *, comment: str | None = None
             ) -> ApprovalRequest:
    """The requester takes back a pending request (audited); the case is free for another."""
    authz.require(actor, "approval.withdraw", approval)
    _lock_pending(approval)
    comment = nfc(comment)
    approval.status = "withdrawn"
    approval.decided_at = clock.now()
    approval.decision_comment = comment
    flush_or_conflict(_("Someone else decided this request in the meantime."),
                      code="already_decided")
    case = approval.case
    record(case, actor, "approval_withdrawn", trigger=approval.trigger, from_state=case.state,
           comment=comment, data={"approval_id": approval.id})
    db.session.flush()
    return approval


@dataclass(frozen=True)
class Route:
    """Who decides a request: the unit of the nearest people who may, and whether it went above
    the case's own unit because no one there but the requester may decide it."""
    unit: OrgUnit
    escalated: bool
    nobody: bool = False    # no one but the requester may decide it now

    def message(self, approval: ApprovalRequest) -> str:
        spec = flow_for(approval.case.kind).trigger(approval.trigger)
        action = _(spec.label)
        if self.nobody:
            return _("Approval requested: %(action)s. No one but you may decide it now: there "
                     "is no other active approver for this case in its unit or the units "
                     "above. Ask an administrator to name one, or withdraw the request.",
                     action=action)
        if self.escalated:
            return _("Approval requested: %(action)s. No one in %(unit)s but you may decide "
                     "it, so it goes to the supervisors of %(above)s.", action=action,
                     unit=approval.requester.unit.name, above=self.unit.name)
        return _(spec.approval.will_decide, action=action)


def route(approval: ApprovalRequest) -> Route:
    """Where `approval` goes. With no one but the requester to decide it anywhere above, it
    stays at the case's unit for whoever is named there, and the requester may withdraw it."""
    units = [u.unit for u in db.session.scalars(authz.deciders_query(approval)).unique()]
    if not units:
        return Route(unit=approval.case.unit, escalated=False, nobody=True)
    nearest = max(units, key=lambda unit: len(unit.path))
    # an approver's own request, with no one else of their role at their unit: it went up
    requester = approval.requester
    escalated = requester.role == authz.approver_of(approval).role \
        and nearest.id != requester.unit.id \
        and requester.unit.path.startswith(nearest.path)
    return Route(unit=nearest, escalated=escalated)
