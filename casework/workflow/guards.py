"""Guards: each raises GuardFailed with the reason, or returns quietly."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from casework.extensions import db
from casework.models import Step
from casework.models.step import OUTREACH_STEP_KINDS
from casework.services import _
from casework.services.attachments import documents_present
from casework.services.settings import get_setting
from casework.workflow.data import GuardFailed
from casework.workflow.definition import DOCUMENT_LABELS, DOCUMENTS
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
        raise GuardFailed(_("No organiser is assigned to this case"), field="organiser")


def outreach_step_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind.in_(OUTREACH_STEP_KINDS)))
    if not count:
        raise GuardFailed(_("Log at least one outreach step (contact with the employer, a worker "
                            "meeting or propaganda) first"))


def survey_report_logged(attempt: Attempt) -> None:
    count = db.session.scalar(
        sa.select(sa.func.count(Step.id))
        .where(Step.case_id == attempt.case.id, Step.kind == "survey_report"))
    if not count:
        raise GuardFailed(_("Log a step of kind survey report first"))


def enough_applications(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    have = attempt.case.applications_vietnamese
    if have < needed:
        raise GuardFailed(_("%(have)d valid applications from Vietnamese workers; at least "
                            "%(needed)d are needed (foreign workers are not counted among the "
                            "founders)", have=have, needed=needed))


def attendance_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["attendance"] < needed:
        raise GuardFailed(_("Attendance must be at least %(needed)d", needed=needed),
                          field="attendance")


def dossier_complete(attempt: Attempt) -> None:
    # ticked on the form, or with an uploaded file
    present = set(attempt.data.get("documents", [])) | documents_present(attempt.case.id)
    missing = [d for d in DOCUMENTS if d not in present]
    if missing:
        # people read each missing document's label; API clients get the codes beside it
        named = "; ".join(_(DOCUMENT_LABELS[d]) for d in missing)
        raise GuardFailed(_("The dossier is incomplete; missing: %(missing)s", missing=named),
                          field="documents", details={"missing": missing})


def announced_after_decision(attempt: Attempt) -> None:
    decided = attempt.case.details.get("decision", {}).get("decision_date")
    if decided and attempt.data["announced_on"] < date.fromisoformat(decided):
        raise GuardFailed(_("The announcement cannot be before the decision date (%(date)s)",
                            date=decided), field="announced_on")


def founding_members_quorum(attempt: Attempt) -> None:
    needed = get_setting("min_founders")
    if attempt.data["founding_members"] < needed:
        raise GuardFailed(_("Founding members must be at least %(needed)d", needed=needed),
                          field="founding_members")
