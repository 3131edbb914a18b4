"""Guards: each raises GuardFailed with the reason, or returns quietly."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from casework.extensions import db
from casework.models import Step
from casework.models.step import OUTREACH_STEP_KINDS
from casework.services.settings import get_setting
from casework.workflow.data import GuardFailed
from casework.workflow.definition import DOCUMENTS
from casework import clock


@dataclass
class Attempt:
    """One attempt to fire a trigger on a case: what guards and effects read."""
    case: object
    trigger: object
    data: dict
    actor: object
    comment: str = ""
    today: date = field(default_factory=clock.today)


def organiser_assigned(attempt: Attempt) -> None:
    if attempt.case.organiser_id is None:
        raise GuardFailed("No organiser is assigned to this case", field="organiser")


def outreach_step_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind.in_(OUTREACH_STEP_KINDS)))
    if not count:
        raise GuardFailed("Log at least one outreach step (contact with the employer, a worker "
                          "meeting or propaganda) first")


def survey_report_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind == "survey_report"))
    if not count:
        raise GuardFailed("Log a step of kind survey report first")


def enough_applications(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    have = attempt.case.applications_vietnamese
    if have < needed:
        raise GuardFailed(f"{have} valid applications from Vietnamese workers; at least {needed} "
                          "are needed (foreign workers are not counted among the founders)")


def attendance_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["attendance"] < needed:
        raise GuardFailed(f"Attendance must be at least {needed}", field="attendance")


def dossier_complete(attempt: Attempt) -> None:
    missing = [d for d in DOCUMENTS if d not in attempt.data.get("documents", [])]
    if missing:
        raise GuardFailed("The dossier is incomplete; missing: " + ", ".join(missing),
                          field="documents")


def announced_after_decision(attempt: Attempt) -> None:
    decided = attempt.case.details.get("decision", {}).get("decision_date")
    if decided and attempt.data["announced_on"] < date.fromisoformat(decided):
        raise GuardFailed(f"The announcement cannot be before the decision date ({decided})",
                          field="announced_on")


def founding_members_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["founding_members"] < needed:
        raise GuardFailed(f"Founding members must be at least {needed}", field="founding_members")
