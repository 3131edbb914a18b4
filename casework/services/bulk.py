"""One action on many cases: each case goes through exactly the service a single action calls
(request_transition, approvals.decide, cases.reassign), with its guards, permissions, version
and audit, inside a savepoint of its own: a case refused is reported with its reason, nothing of
it is kept, and the others proceed.

Outcomes: "done"; "skipped" when the action does not apply to the case as it stands (a state the
trigger does not leave, no pending approval, the reader's own request, the organiser already
named); "failed" when it applies but is refused (a guard, a permission, a stale version).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from typing import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from casework import authz
from casework.errors import DomainError, Invalid
from casework.extensions import db
from casework.i18n import _
from casework.models import ApprovalRequest, Case, User
from casework.schemas.bulk import OUTCOMES
from casework.schemas.limits import CASES_PER_BULK
from casework.services.approvals import decide
from casework.services.cases import reassign
from casework.services.queries import CaseFilters, apply_case_filters, scope_condition
from casework.services.transitions import request_transition
from casework.text import nfc
from casework.schemas.transitions import load_trigger_data
from casework.workflow.definition import FLOWS, KINDS, flow_for

log = logging.getLogger(__name__)

SPECIAL_ACTIONS = ("reassign", "decide")
PRELOAD = 100             # cases loaded at once by run_bulk
ATTEMPTS = 2              # a case whose row was locked a moment is tried once more
DECISIONS = ("approve", "reject")
# a refusal with one of these codes means "does not apply to this case now": skipped
SKIP_CODES = {"skipped", "invalid_transition", "approval_pending", "already_decided",
              "case_moved"}


class Skipped(DomainError):
    code, status = "skipped", 409


@dataclass
class Outcome:
    case_id: int
    outcome: str
    reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def trigger_names() -> list[str]:
    return sorted({t.name for flow in FLOWS for t in flow.triggers})


def action_names() -> list[str]:
    return trigger_names() + list(SPECIAL_ACTIONS)


def resolve_cases(user: User, *, case_ids: list[int] | None = None,
                  filters: dict | None = None) -> list[int]:
    """The ids the action runs on: those given (as given, once each: one outside the reader's
    scope fails as if it did not exist), or every case in scope matching the case list's filter,
    at most CASES_PER_BULK."""
    if case_ids is not None:
        return list(dict.fromkeys(case_ids))[:CASES_PER_BULK.most]
    query = apply_case_filters(sa.select(Case.id).where(scope_condition(user)), user,
                               CaseFilters.from_args(filters or {}))
    found = list(db.session.scalars(query.order_by(Case.id).limit(CASES_PER_BULK.most + 1)))
    if len(found) > CASES_PER_BULK.most:
        raise Invalid(_("A bulk action takes at most %(maximum)s cases: narrow the filter",
                        maximum=CASES_PER_BULK.most), field="filter")
    return found


def check_action(action: str, data: dict, comment: str, case_ids: Iterable[int]) -> None:
    """The action and its data checked once for the whole request (422 before any case is
    touched): the trigger's data against each flow the cases belong to."""
    if action not in action_names():
        raise Invalid(_("Unknown action %(name)s", name=repr(action[:40])), field="action",
                      code="unknown_trigger", status=400)
    if action == "reassign":
        if not isinstance(data.get("organiser"), str) or not data["organiser"].strip():
            raise Invalid(_("data.organiser: the email of the new organiser is required"),
                          field="data.organiser")
        return
    if action == "decide":
        if data.get("decision") not in DECISIONS:
            raise Invalid(_("Decision must be 'approve' or 'reject'"), field="data.decision")
        if data["decision"] == "reject" and not nfc(comment or ""):
            raise Invalid(_("A comment is required to reject"), field="comment")
        return
    kinds = set(db.session.scalars(sa.select(Case.kind).where(Case.id.in_(list(case_ids)))
                                   .distinct())) if case_ids else set(KINDS)
    for kind in sorted(kinds):
        trigger = flow_for(kind).trigger(action)
        if trigger is None:
            continue
        try:
            load_trigger_data(trigger, data, comment, requesting=trigger.needs_approval)
        except DomainError as exc:
            field = f"data.{exc.field}" if exc.field and exc.field != "comment" else exc.field
            raise Invalid(exc.message, field=field) from None


def _apply(case: Case, user: User, action: str, data: dict, comment: str,
           version: int | None) -> None:
    version = case.version if version is None else version
    if action == "reassign":
        organiser = data["organiser"].strip().lower()
        if case.organiser is not None and case.organiser.email == organiser:
            raise Skipped(_("%(name)s already organises this case", name=case.organiser.name))
        reassign(case, user, organiser=organiser, version=version, comment=comment)
    elif action == "decide":
        pending = db.session.scalar(sa.select(ApprovalRequest).where(
            ApprovalRequest.case_id == case.id, ApprovalRequest.status == "pending"))
        if pending is None:
            raise Skipped(_("No approval is pending on this case"))
        if pending.requester_id == user.id:
            raise Skipped(_("Your own request: someone else decides it"))
        entered = {k: v for k, v in data.items() if k != "decision"}
        decide(pending, user, decision=data["decision"], comment=comment, data=entered or None)
    else:
        if flow_for(case.kind).trigger(action) is None:
            raise Skipped(_("A %(kind)s case has no such action", kind=case.kind))
        request_transition(case, user, trigger=action, version=version, data=data,
                           comment=comment)


def run_one(user: User, case_id: int, action: str, data: dict, comment: str,
            version: int | None = None) -> Outcome:
    case = db.session.get(Case, case_id)
    if case is None or not authz.case_in_scope(user, case):
        return Outcome(case_id, "failed", _("No such case."))
    for attempt in range(ATTEMPTS):
        try:
            with db.session.begin_nested():
                _apply(case, user, action, data, comment, version)
        except DomainError as exc:
            return Outcome(case_id, "skipped" if exc.code in SKIP_CODES else "failed",
                           exc.message)
        except OperationalError:  # a lock held a moment too long (SQLite busy, a deadlock)
            log.warning("bulk %s on case %s: attempt %s met a lock", action, case_id,
                        attempt + 1, exc_info=True)
            db.session.refresh(case)
            continue
        except SQLAlchemyError:     # a lost race the services did not turn into a 409
            log.warning("bulk %s on case %s failed", action, case_id, exc_info=True)
            break
        return Outcome(case_id, "done")
    return Outcome(case_id, "failed",
                   _("Someone else changed this case in the meantime. Try it again."))


def run_bulk(user: User, action: str, case_ids: list[int], data: dict, comment: str, *,
             versions: dict | None = None,
             after_each: Callable[[int, Outcome], None] | None = None) -> list[Outcome]:
    """Every case in turn; the caller commits (after_each may commit as it goes)."""
    outcomes = []
    for position, case_id in enumerate(case_ids, start=1):
        if position % PRELOAD == 1:   # the next cases in one query, not one query each
            _preload(case_ids[position - 1:position - 1 + PRELOAD])
        version = (versions or {}).get(str(case_id))
        outcome = run_one(user, case_id, action, data, comment, version)
        outcomes.append(outcome)
        if after_each is not None:
            after_each(position, outcome)
    return outcomes


def _preload(case_ids: list[int]) -> None:
    list(db.session.scalars(sa.select(Case).where(Case.id.in_(case_ids))
                            .options(joinedload(Case.unit), joinedload(Case.organiser))))


def counts(outcomes: Iterable[Outcome]) -> dict:
    tally = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes:
        tally[outcome.outcome] += 1
    return tally


def case_refs(case_ids: list[int]) -> dict[int, str]:
    refs = {}
    for start in range(0, len(case_ids), 500):
        rows = db.session.execute(sa.select(Case.id, Case.ref).where(
            Case.id.in_(case_ids[start:start + 500]))).all()
        refs.update((case_id, ref) for case_id, ref in rows)
    return refs


def start_job(user: User, *, action: str, case_ids: list[int], data: dict, comment: str,
              versions: dict | None, language: str | None):
    """Record the job, commit, and queue it on the long queue."""
    from casework import jobs
    from casework.models import Job
    from casework.transaction import commit
    job = Job(token=secrets.token_urlsafe(18), kind="bulk", user_id=user.id, total=len(case_ids),
              params={"action": action, "case_ids": case_ids, "data": data,
                      "comment": comment, "versions": versions or {}, "lang": language})
    db.session.add(job)
    commit()
    jobs.enqueue("bulk_action", job.id, queue_name="long")
    return job
