"""Appending to a case's history."""
from casework.extensions import db
from casework.models import AuditEntry, Case, User


def record(case: Case, actor: User, action: str, *, trigger: str | None = None,
           from_state: str | None = None, to_state: str | None = None, comment: str = "",
           data: dict | None = None) -> AuditEntry:
    entry = AuditEntry(case_id=case.id, action=action, trigger=trigger, from_state=from_state,
                       to_state=to_state, actor_id=actor.id, actor_name=actor.name,
                       actor_role=actor.role, actor_unit=actor.unit.code, comment=comment or "",
                       data=data or {})
    db.session.add(entry)
    return entry
