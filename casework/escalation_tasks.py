"""The daily escalation job (casework.services.escalation), queued by the scheduler as the
overdue digest is; safe to run twice a day: a case is escalated once for each reason."""
from __future__ import annotations

from casework.extensions import db
from casework.jobs import task
from casework.services.escalation import escalate


@task("escalate_overdue")
def escalate_overdue() -> int:
    made = escalate()
    db.session.commit()
    return len(made)
