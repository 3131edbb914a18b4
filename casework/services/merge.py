"""Two cases of one enterprise: a supervisor merges them (the steps and attachments of the
merged case move to the kept one, with its applications; the merged case is closed, linking to
the kept one, its own history left as it was) or marks them distinct. Either decision is
recorded once for the pair (casework.models.DuplicateDecision) and audited on both cases."""
from __future__ import annotations

import sqlalchemy as sa

from casework import authz, clock
from casework.errors import Conflict, Forbidden, Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import ApprovalRequest, Attachment, Case, DuplicateDecision, Step, User
from casework.services.audit import record
from casework.services.cases import check_version, flush_or_conflict
from casework.schemas.limits import COMMENT_LENGTH
from casework.text import nfc
from casework.workflow.definition import TERMINAL_STATES


def clean_comment(comment) -> str:
    text = nfc(comment if isinstance(comment, str) else "")
    if len(text) > COMMENT_LENGTH:
        raise Invalid(_("The comment must be text of at most %(maximum)s characters",
                        maximum=COMMENT_LENGTH), field="comment")
    return text


def _require(user: User, first: Case, second: Case) -> None:
    if user.role != "supervisor":
        raise Forbidden(_("Only a supervisor merges cases or marks them distinct."))
    if first.id == second.id:
        raise Invalid(_("Choose two different cases"), field="merged")
    for case in (first, second):
        authz.require_case_visible(user, case)
    pair = (min(first.id, second.id), max(first.id, second.id))
    if db.session.scalar(sa.select(DuplicateDecision.id).where(
            DuplicateDecision.case_a_id == pair[0], DuplicateDecision.case_b_id == pair[1])):
        raise Conflict(_("These two cases were decided already"), code="already_decided")


def _decision(user: User, first: Case, second: Case, decision: str,
              kept: Case | None = None) -> DuplicateDecision:
    low, high = sorted((first, second), key=lambda c: c.id)
    row = DuplicateDecision(case_a_id=low.id, case_b_id=high.id, decision=decision,
                            kept_case_id=kept.id if kept else None, decided_by_id=user.id)
    db.session.add(row)
    return row


def mark_distinct(user: User, first: Case, second: Case, *, comment: str = "") -> None:
    _require(user, first, second)
    comment = clean_comment(comment)
    _decision(user, first, second, "distinct")
    for case, other in ((first, second), (second, first)):
        record(case, user, "edited", comment=comment,
               data={"duplicate_of": None, "distinct_from": other.ref})
    flush_or_conflict(_("Someone else decided these cases in the meantime."),
                      code="already_decided")


def merge(user: User, kept: Case, merged: Case, *, kept_version, merged_version,
          comment: str = "") -> Case:
    """Merge `merged` into `kept`; returns the kept case."""
    _require(user, kept, merged)
    check_version(kept, kept_version)
    check_version(merged, merged_version)
    if merged.state in TERMINAL_STATES or kept.state in TERMINAL_STATES:
        raise Conflict(_("A finished case cannot be merged"), code="invalid_transition")
    comment = clean_comment(comment)
    steps = db.session.execute(sa.update(Step).where(Step.case_id == merged.id)
                               .values(case_id=kept.id)).rowcount or 0
    files = db.session.execute(sa.update(Attachment).where(Attachment.case_id == merged.id)
                               .values(case_id=kept.id)).rowcount or 0
    kept.applications_vietnamese += merged.applications_vietnamese
    kept.applications_foreign += merged.applications_foreign
    before = merged.state
    merged.state, merged.resume_state = "closed", None
    merged.state_changed_at = clock.now()
    merged.details = {**(merged.details or {}),
                      "merged_into": {"case_id": kept.id, "ref": kept.ref}}
    for link in merged.links:
        link.active = False
    db.session.execute(sa.update(ApprovalRequest).where(
        ApprovalRequest.case_id == merged.id, ApprovalRequest.status == "pending")
        .values(status="superseded", version=ApprovalRequest.version + 1)
        .execution_options(synchronize_session=False))
    _decision(user, kept, merged, "merged", kept)
    flush_or_conflict()
    record(merged, user, "transition", from_state=before, to_state="closed",
           comment=comment or _("Merged into %(ref)s", ref=kept.ref),
           data={"merged_into": kept.ref, "merged_into_id": kept.id})
    record(kept, user, "edited", comment=comment,
           data={"merged_from": merged.ref, "merged_from_id": merged.id, "steps": steps,
                 "attachments": files})
    db.session.flush()
    return kept
