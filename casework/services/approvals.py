"""Deciding approval requests: approving fires the transition in the same transaction."""
from __future__ import annotations

import sqlalchemy as sa

from casework import authz
from casework import clock
from casework.extensions import db
from casework.models import ApprovalRequest, Case, User
from casework.services import Conflict, Invalid, NotFound, _
from casework.services.audit import record
from casework.services.cases import flush_or_conflict
from casework.services.transitions import apply_transition, clean_comment
from casework.workflow.data import parse_trigger_data
from casework.workflow.definition import N_, flow_for
from casework.workflow.guards import Attempt

ALREADY_DECIDED = {"approved": N_("This request was already approved"),
                   "rejected": N_("This request was already rejected"),
                   "superseded": N_("This request was already superseded")}


def get_visible_approval(user: User, approval_id) -> ApprovalRequest:
    approval = db.session.get(ApprovalRequest, approval_id) if isinstance(approval_id, int) else None
    if approval is None or not authz.case_in_scope(user, approval.case):
        # the VGCL leader deciding schemes sees every case anyway
        raise NotFound(_("No such approval request."))
    return approval


def decide(approval: ApprovalRequest, actor: User, *, decision, comment=None) -> ApprovalRequest:
    if decision not in ("approve", "reject"):
        raise Invalid(_("Decision must be 'approve' or 'reject'"), field="decision")
    authz.require(actor, "approval.decide", approval)
    # lock the case row before the request's row, in the order a transition takes them
    # (case, then its pending requests), so a decision racing a transition cannot deadlock
    db.session.execute(sa.select(Case.id).where(Case.id == approval.case_id).with_for_update())
    db.session.refresh(approval)
    db.session.refresh(approval.case)
    if approval.status != "pending":
        message = ALREADY_DECIDED.get(approval.status)
        raise Conflict(_(message) if message else _("This request was already %(status)s",
                                                     status=approval.status),
                       code="already_decided")
    case = approval.case
    if case.state != approval.from_state:
        raise Conflict(_("The case has moved since the request was made"), code="case_moved")
    comment = clean_comment(comment)
    if decision == "reject" and not comment:
        raise Invalid(_("A comment is required to reject"), field="comment")

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
        trigger = flow_for(case.kind).trigger(approval.trigger)
        data = parse_trigger_data(trigger, approval.data, approval.comment)
        attempt = Attempt(case=case, trigger=trigger, data=data, actor=actor,
                          comment=comment or approval.comment)
        apply_transition(attempt, audit_data={"approval_id": approval.id,
                                              "requested_by": approval.requester.email})
    db.session.flush()
    from casework.services.notifications import notify_approval_decided; notify_approval_decided(approval)  # noqa: I001
    return approval
