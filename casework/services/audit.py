"""Appending to a case's history."""
from __future__ import annotations

from casework.extensions import db
from casework.models import AuditEntry, Case, User

# the actor_role of what no user did: a command run on the server (`import enterprises` without
# --user). Its entries have no actor_id (nobody can sign in as the system) and name the command.
SYSTEM_ROLE = "system"


def actor_fields(actor: User | None, system_name: str = SYSTEM_ROLE) -> dict:
    """Who acted, as the history keeps it: the user as they were then, or the system."""
    if actor is None:
        return {"actor_id": None, "actor_name": system_name, "actor_role": SYSTEM_ROLE,
                "actor_unit": ""}
    return {"actor_id": actor.id, "actor_name": actor.name, "actor_role": actor.role,
            "actor_unit": actor.unit.code}


def record(case: Case, actor: User, action: str, *, trigger: str | None = None,
           from_state: str | None = None, to_state: str | None = None, comment: str = "",
           data: dict | None = None) -> AuditEntry:
    entry = AuditEntry(case_id=case.id, action=action, trigger=trigger, from_state=from_state,
                       to_state=to_state, comment=comment or "", data=data or {},
                       **actor_fields(actor))
    db.session.add(entry)
    return entry
