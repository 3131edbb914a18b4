"""Firing a trigger on a case: directly, or by requesting an approval."""
from __future__ import annotations


import sqlalchemy as sa

from casework import authz
from casework import clock
from casework import metrics
from casework.extensions import db
from casework.models import ApprovalRequest, Case, User
from casework.errors import Conflict, Invalid
from casework.i18n import _
from casework.services.audit import record
from casework.services import machine
from casework.services.cases import check_version, flush_or_conflict
from casework.services.decision_numbers import number_decision
from casework.services.guards import Attempt
from casework.services.notifications import notify_approval_requested
from casework.text import nfc
from casework.schemas.transitions import load_trigger_data
from casework.workflow.data import to_json
from casework.workflow.definition import TERMINAL_STATES, Trigger, flow_for

def find_trigger(case: Case, name) -> Trigger:
    trigger = flow_for(case.kind).trigger(name) if isinstance(name, str) else None
    if trigger is None:
        raise Invalid(_("Unknown trigger %(name)s for a %(kind)s case", name=repr(str(name)[:40]),
                        kind=case.kind), field="trigger", code="unknown_trigger", status=400)
    return trigger


def _not_possible(trigger: Trigger, kind: str, state: str) -> Conflict:
    return Conflict(_("“%(action)s” is not possible while the case is in the state “%(state)s”.",
                      action=_(trigger.label), state=_(flow_for(kind).state_label(state))),
                    code="invalid_transition")


def allowed_triggers(case: Case, user: User) -> list[Trigger]:
    """What this user may fire on this case now (by state and role; guards run on firing).
    While a request waits for approval, no trigger that needs one is offered."""
    if case.state == "on_hold" and not case.resume_state:
        return []
    allowed = [t for t in machine.triggers_from_state(case)
               if authz.can(user, "case.fire", case, trigger=t)]
    if any(t.needs_approval for t in allowed) and case.approval_pending:
        allowed = [t for t in allowed if not t.needs_approval]
    return allowed


def approval_pending() -> Conflict:
    return Conflict(_("An approval is already pending on this case"), code="approval_pending")


def offered_triggers(case: Case, user: User) -> list[tuple[Trigger, str | None]]:
    """The triggers this user may fire now, each with the reason it cannot pass yet (its guards
    that read only the case: an organiser, an outreach step, enough applications, a date that
    has come), or None. The page offers the blocked ones disabled, with the reason."""
    offered = []
    for trigger in allowed_triggers(case, user):
        attempt = Attempt(case=case, trigger=trigger, data={}, actor=user)
        with db.session.no_autoflush:
            offered.append((trigger, machine.blocked_reason(attempt)))
    return offered


def request_transition(case: Case, actor: User, *, trigger: str, version: int,
                       data: dict | None = None, comment: str | None = None):
    """Fire `trigger`, or for one that needs approval, file the request. `comment` is text
    (loaded by the API's schema, or a form's field); `data` is loaded through the trigger's
    own schema (casework.schemas.transitions), whoever sends it.

    Returns ("moved", case) or ("approval", ApprovalRequest). Raises DomainError subclasses.
    """
    spec = find_trigger(case, trigger)
    authz.require(actor, "case.fire", case, trigger=spec)
    check_version(case, version)
    if case.state not in spec.sources:
        raise _not_possible(spec, case.kind, case.state)
    comment = nfc(comment)
    if not spec.needs_approval:  # a decision taken now is numbered now (a request is not)
        data = number_decision(case, spec, actor, {} if data is None else data)
    # a request leaves out what its approver enters (the decision that does not exist yet)
    cleaned = load_trigger_data(spec, data, comment, requesting=spec.needs_approval)
    attempt = Attempt(case=case, trigger=spec, data=cleaned, actor=actor, comment=comment)
    if spec.needs_approval:
        return "approval", _file_approval(attempt)
    apply_transition(attempt)
    return "moved", case


def _file_approval(attempt: Attempt) -> ApprovalRequest:
    machine.check(attempt)  # refuse now what could never be approved
    case = attempt.case
    pending = db.session.scalar(sa.select(ApprovalRequest.id).where(
        ApprovalRequest.case_id == case.id, ApprovalRequest.status == "pending"))
    if pending:
        raise approval_pending()
    approval = ApprovalRequest(case=case, case_id=case.id, trigger=attempt.trigger.name,
                               data=to_json(attempt.data), comment=attempt.comment,
                               from_state=case.state, requester_id=attempt.actor.id,
                               requester=attempt.actor)
    db.session.add(approval)
    case.updated_at = clock.now()  # bumps the version: one request wins a race
    flush_or_conflict()
    record(case, attempt.actor, "approval_requested", trigger=attempt.trigger.name,
           from_state=case.state, comment=attempt.comment,
           data={"approval_id": approval.id, **to_json(attempt.data)})
    db.session.flush()
    notify_approval_requested(approval)
    return approval


def apply_transition(attempt: Attempt, *, audit_data: dict | None = None) -> None:
    """Move the case through the machine, then write what follows from the move."""
    case = attempt.case
    before = case.state
    links = list(case.links)  # loaded before the case changes: no lazy load flushes it early
    # guards and effects query the database; an autoflush there would write the changed case
    # outside flush_or_conflict and turn a lost race into a 500 instead of a 409
    with db.session.no_autoflush:
        try:
            machine.fire(attempt)
        except machine.InvalidTransition:
            raise _not_possible(attempt.trigger, case.kind, before)
        case.state_changed_at = clock.now()
        if case.state in TERMINAL_STATES:
            for link in links:
                link.active = False
    flush_or_conflict()
    _supersede_pending(case)
    record(case, attempt.actor, "transition", trigger=attempt.trigger.name, from_state=before,
           to_state=case.state, comment=attempt.comment,
           data={**to_json(attempt.data), **(audit_data or {})})
    db.session.flush()
    metrics.transition_applied(case.kind, attempt.trigger.name)  # counted once committed


def _supersede_pending(case: Case) -> None:
    """A pending request made for the state the case just left can no longer be decided."""
    db.session.execute(
        sa.update(ApprovalRequest)
        .where(ApprovalRequest.case_id == case.id, ApprovalRequest.status == "pending")
        .values(status="superseded", version=ApprovalRequest.version + 1)
        .execution_options(synchronize_session=False))
