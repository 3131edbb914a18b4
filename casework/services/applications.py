"""The register of a case: adding an application, deciding it, reading the register.

Counting stays in one place (docs/applications.md): the case's application counts are the sum
of its steps. Verifying an application logs an `applications_collected` step carrying +1 (in
the count the application belongs to: Vietnamese, or foreign on a contract of 12 months or
longer); rejecting or withdrawing a verified one logs the −1 that corrects it. The step names
the application (`steps.application_id`) and the application remembers what it added
(`counted_as`), so a reversal takes back exactly what the verification gave, once.

Services take typed values (casework/schemas/applications.py loads them); they keep the domain
rules: scope, the case's state, the status machine, the duplicate rule, the optimistic version.
"""
from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from casework import authz, clock
from casework.errors import Conflict, Invalid, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import AuditEntry, Case, CaseApplication, User
from casework.models.application import NEXT_STATUSES
from casework.workflow.definition import N_
from casework.services.audit import actor_fields, record
from casework.services.steps import log_step
from casework.text import search_key
from casework.workflow.definition import TERMINAL_STATES

# the audit's name for who added an online application (no user did)
ONLINE_FORM = "application link"
# what no longer counts (and is no one's duplicate)
SETTLED = ("rejected", "withdrawn")
STATUS_LABELS = {"received": N_("received"), "verified": N_("verified"),
                 "rejected": N_("rejected"), "withdrawn": N_("withdrawn")}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def require_register(actor: User, case: Case) -> None:
    """Names, phones, anything personal: organisers and supervisors whose scope holds the case
    (the caller has answered 404 outside it); leaders and administrators see counts only."""
    authz.require(actor, "case.personal_details", case)


def new_reference() -> str:
    """`HS-` and 8 random characters: says nothing about how many applied, or when."""
    return "HS-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _audit(case: Case, actor: User | None, action: str, data: dict, *,
           system_name: str = ONLINE_FORM) -> AuditEntry:
    """An entry of the case's history; `data` holds ids and statuses, never a name (the
    history is append-only and outlives an erasure)."""
    if actor is not None:
        return record(case, actor, action, data=data)
    entry = AuditEntry(case_id=case.id, action=action, data=data,
                       **actor_fields(None, system_name))
    db.session.add(entry)
    return entry


def _refuse_finished(case: Case) -> None:
    if case.state in TERMINAL_STATES:
        raise Conflict(_("The register of a finished case cannot change"),
                       code="invalid_transition")


# --- the duplicate rule ------------------------------------------------------------------------

def possible_duplicate(case_id: int, *, phone: str | None, name_key: str,
                       birth_date: date | None, exclude: int | None = None):
    """An application of the case that may be the same person: the same phone, or the same name
    and date of birth; rejected and withdrawn ones do not count, nor erased ones."""
    same = []
    if phone:
        same.append(CaseApplication.phone == phone)
    if name_key and birth_date:
        same.append(sa.and_(CaseApplication.name_key == name_key,
                            CaseApplication.birth_date == birth_date))
    if not same:
        return None
    query = (sa.select(CaseApplication)
             .where(CaseApplication.case_id == case_id, sa.or_(*same),
                    CaseApplication.status.not_in(SETTLED),
                    CaseApplication.erased_at.is_(None))
             .order_by(CaseApplication.id).limit(1))
    if exclude is not None:
        query = query.where(CaseApplication.id != exclude)
    return db.session.scalar(query)


def also_in_open_cases(case: Case, phones: list[str]) -> dict[str, list[str]]:
    """phone -> the refs of other open cases at which the same phone applied (people change
    jobs). Only the register shows it, so only the organisers of each case see it."""
    if not phones:
        return {}
    rows = db.session.execute(
        sa.select(CaseApplication.phone, Case.ref).join(Case, Case.id == CaseApplication.case_id)
        .where(CaseApplication.phone.in_(set(phones)), CaseApplication.case_id != case.id,
               Case.state.not_in(TERMINAL_STATES), CaseApplication.erased_at.is_(None))
        .distinct())
    found: dict[str, list[str]] = {}
    for phone, ref in rows:
        found.setdefault(phone, []).append(ref or "")
    return {phone: sorted(refs) for phone, refs in found.items()}


# --- adding ------------------------------------------------------------------------------------

def add_application(case: Case, actor: User | None, values: dict, *,
                    consent_at=None) -> CaseApplication:
    """A new application, status `received` (values: loaded by ApplicationInput). `actor` None:
    the worker through the application link (the caller has checked the link)."""
    if actor is not None:
        require_register(actor, case)
    _refuse_finished(case)
    key = search_key(values["full_name"])
    application = CaseApplication(
        case_id=case.id, reference=new_reference(), full_name=values["full_name"],
        name_key=key, birth_date=values.get("birth_date"),
        birth_year=values.get("birth_year") or (values["birth_date"].year
                                                if values.get("birth_date") else None),
        gender=values.get("gender"), nationality=values.get("nationality") or "VN",
        contract_12_months=values.get("contract_12_months"), job=values.get("job") or "",
        phone=values.get("phone"), applied_on=values.get("applied_on") or clock.today(),
        channel=values.get("channel") or "paper", status="received",
        consent_at=consent_at, created_by_id=actor.id if actor else None)
    twin = possible_duplicate(case.id, phone=application.phone, name_key=key,
                              birth_date=application.birth_date)
    if twin is not None:
        application.duplicate_of_id, application.duplicate_state = twin.id, "flagged"
    db.session.add(application)
    db.session.flush()
    _audit(case, actor, "application_added",
           {"application": application.id, "channel": application.channel,
            "duplicate": application.duplicate_state})
    return application


# --- deciding ----------------------------------------------------------------------------------

def _count_of(application: CaseApplication) -> str:
    """The count a verified application joins: founders are Vietnamese; a foreign worker is a
    member only on a labour contract of 12 months or longer (Trade Union Law 2024)."""
    if not application.is_foreign:
        return "vietnamese"
    if application.contract_12_months:
        return "foreign"
    raise Invalid(_("A foreign worker can be a member only on a labour contract of 12 months "
                    "or longer"), field="contract_12_months")


def _log_count(case: Case, actor: User, application: CaseApplication, sign: int,
               count: str) -> None:
    # the note names the application by its reference, not the worker (leaders read steps)
    note = (_("Application %(reference)s verified", reference=application.reference)
            if sign > 0 else
            _("Application %(reference)s no longer counted (%(status)s)",
              reference=application.reference, status=application.status))
    step = log_step(case, actor, kind="applications_collected", date_=clock.today(),
                    note=note, applications_vietnamese=sign if count == "vietnamese" else 0,
                    applications_foreign=sign if count == "foreign" else 0)
    step.application_id = application.id


def change_status(application: CaseApplication, actor: User, *, status: str, version: int,
                  reason: str = "", not_duplicate: bool = False) -> CaseApplication:
    """received → verified | rejected (a reason) | withdrawn; verified → rejected | withdrawn;
    rejected → verified. Counted through steps, audited, compared against `version`."""
    case = application.case
    require_register(actor, case)
    _refuse_finished(case)
    if version != application.version:
        raise stale()
    if status not in NEXT_STATUSES[application.status]:
        raise Conflict(_("An application that is %(now)s cannot become %(next)s",
                         now=_(status_label(application.status)), next=_(status_label(status))),
                       code="invalid_transition", field="status")
    if status == "rejected" and not reason:
        raise Invalid(_("A reason is required to reject an application"), field="reason")
    before = application.status
    if status == "verified":
        if application.duplicate_state == "flagged":
            if not not_duplicate:
                raise Conflict(_("This may be the same person as application %(other)s: decide "
                                 "that they are different people before verifying",
                                 other=_duplicate_reference(application)),
                               code="possible_duplicate", field="not_duplicate")
            application.duplicate_state = "distinct"
        count = _count_of(application)
        application.counted_as = count
    else:
        count = application.counted_as
        application.counted_as = None
    application.status = status
    application.reason = reason if status == "rejected" else ""
    try:  # the compare-and-bump first: a lost race logs no step
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise stale()
    if status == "verified":
        _log_count(case, actor, application, +1, count)
    elif before == "verified":
        _log_count(case, actor, application, -1, count)
    _audit(case, actor, "application_status",
           {"application": application.id, "from": before, "to": status,
            "duplicate": application.duplicate_state})
    db.session.flush()
    return application


def stale() -> Conflict:
    return Conflict(_("Someone else changed this application in the meantime; reload it and "
                      "try again."), code="stale_version", field="version")


def _duplicate_reference(application: CaseApplication) -> str:
    other = db.session.get(CaseApplication, application.duplicate_of_id) \
        if application.duplicate_of_id else None
    return other.reference if other else "?"


def status_label(status: str) -> str:
    """A status in the reader's words (a message id, for `_`)."""
    return STATUS_LABELS.get(status, status)


# --- reading -----------------------------------------------------------------------------------

def find_application(case: Case, application_id: int) -> CaseApplication:
    """An application of `case`; one of another case is as missing as one that never was."""
    application = db.session.get(CaseApplication, application_id)
    if application is None or application.case_id != case.id:
        raise NotFound(_("No such application."))
    return application


def register_of(case: Case, actor: User, *, status: str | None = None, audit: bool = True,
                limit: int | None = None, offset: int = 0) -> list[CaseApplication]:
    """The register (or a page of it), newest first; reading it is recorded in the case's
    history."""
    require_register(actor, case)
    query = (sa.select(CaseApplication).where(CaseApplication.case_id == case.id)
             .order_by(CaseApplication.id.desc()))
    if status:
        query = query.where(CaseApplication.status == status)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    applications = list(db.session.scalars(query))
    if audit:
        note_viewed(case, actor, status=status, rows=len(applications), offset=offset)
    return applications


def note_viewed(case: Case, actor: User, *, status: str | None, rows: int,
                offset: int = 0) -> None:
    """Who read the register, which part of it (the history: never a name)."""
    require_register(actor, case)
    _audit(case, actor, "register_viewed", {"status": status, "rows": rows, "offset": offset})


def status_counts(case_id: int) -> dict[str, int]:
    """How many applications of the case are in each status: what leaders and administrators
    see of a register."""
    rows = db.session.execute(
        sa.select(CaseApplication.status, sa.func.count())
        .where(CaseApplication.case_id == case_id).group_by(CaseApplication.status))
    counts = {status: 0 for status in NEXT_STATUSES}
    counts.update(dict(rows.all()))
    return counts


def verified_of(case: Case) -> list[CaseApplication]:
    return list(db.session.scalars(
        sa.select(CaseApplication)
        .where(CaseApplication.case_id == case.id, CaseApplication.status == "verified")
        .order_by(CaseApplication.applied_on, CaseApplication.id)))
