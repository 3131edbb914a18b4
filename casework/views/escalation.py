"""What the pages show of escalations: a badge on the case, a count above the pipeline."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from casework.services.escalation import live_for_case
from casework.services.queries import CaseFilters, case_count

bp = Blueprint("escalation", __name__)


@bp.app_context_processor
def escalation_context() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"case_escalations": live_for_case,
            "escalated_count": lambda: case_count(current_user, CaseFilters(escalated="1"))}
