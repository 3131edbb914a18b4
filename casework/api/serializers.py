"""JSON shapes of cases, steps, history entries and approvals."""
from __future__ import annotations

from datetime import datetime, timezone

from casework import authz
from casework.models import ApprovalRequest, AuditEntry, Case, Step, User
from casework.services.founded_units import founded_unit_json
from casework.services.transitions import allowed_triggers, offered_triggers
from casework.workflow.definition import PERSONAL_FIELDS


def iso(value):
    """ISO 8601; SQLite hands back naive datetimes, which are stored in UTC."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def enterprise_json(enterprise) -> dict:
    return {"name": enterprise.name, "tax_code": enterprise.tax_code,
            "province": enterprise.province.code, "workforce": enterprise.workforce,
            "ownership": enterprise.ownership, "sector": enterprise.sector}


def case_json(case: Case, user: User) -> dict:
    return {
        "id": case.id, "ref": case.ref, "kind": case.kind, "state": case.state,
        "version": case.version, "unit": case.unit.code, "province": case.province.code,
        "organiser": case.organiser.email if case.organiser else None,
        "enterprises": [enterprise_json(e) for e in case.enterprises],
        "target_members": case.target_members,
        "applications": {"vietnamese": case.applications_vietnamese,
                         "foreign": case.applications_foreign,
                         # the register's applications not yet decided (counted once verified)
                         "received": case.applications_received},
        "deadline": iso(case.deadline),
        "allowed_triggers": [t.name for t in allowed_triggers(case, user)],
        "resume_state": case.resume_state,
        "founded_members": case.founded_members,
        "founded_unit": founded_unit_json(case),
        "details": {key: _without_personal(values, user, case)
                    for key, values in (case.details or {}).items()},
        "created_at": iso(case.created_at), "updated_at": iso(case.updated_at),
    }


def blocked_triggers(case: Case, user: User) -> dict[str, str]:
    """The allowed triggers whose guards cannot pass yet, with the reason (one case's page: the
    guards query, so a list of cases leaves this out)."""
    return {t.name: reason for t, reason in offered_triggers(case, user) if reason}


def _shows_personal(user: User | None, case: Case) -> bool:
    return user is not None and authz.can(user, "case.personal_details", case)


def _without_personal(values, user: User | None, case: Case):
    """Trigger data with the workers' names left out for readers who do not work the case."""
    if not isinstance(values, dict) or _shows_personal(user, case):
        return values
    return {k: v for k, v in values.items() if k not in PERSONAL_FIELDS}


def step_json(step: Step, user: User | None = None, case: Case | None = None) -> dict:
    """A step; its note (which may name workers) only for those who work the case."""
    note = step.note if case is None or _shows_personal(user, case) else None
    return {"id": step.id, "kind": step.kind, "date": iso(step.date), "note": note,
            "applications_vietnamese": step.applications_vietnamese,
            "applications_foreign": step.applications_foreign,
            "author": step.author.email, "created_at": iso(step.created_at)}


def audit_json(entry: AuditEntry, user: User | None = None, case: Case | None = None) -> dict:
    data = entry.data if case is None else _without_personal(entry.data, user, case)
    return {"id": entry.id, "action": entry.action, "trigger": entry.trigger,
            "from": entry.from_state, "to": entry.to_state, "actor": entry.actor_name,
            "actor_role": entry.actor_role, "actor_unit": entry.actor_unit,
            "comment": entry.comment, "data": data, "at": iso(entry.created_at)}


def approval_json(approval: ApprovalRequest, user: User | None = None) -> dict:
    body = {"id": approval.id, "case_id": approval.case_id, "case_ref": approval.case.ref,
            "trigger": approval.trigger,
            "data": _without_personal(approval.data, user, approval.case),
            "comment": approval.comment,
            "from_state": approval.from_state, "status": approval.status,
            "requester": approval.requester.email, "requested_at": iso(approval.requested_at),
            "decided_by": approval.decided_by.email if approval.decided_by else None,
            "decided_at": iso(approval.decided_at),
            "decision_comment": approval.decision_comment}
    if user is not None:
        body["can_decide"] = (approval.status == "pending"
                              and authz.can(user, "approval.decide", approval))
    return body
