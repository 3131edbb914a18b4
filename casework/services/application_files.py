"""What leaves the register: its export, the member list of the dossier, one person's data on
their request; and what is erased (one person's, or every application of a case closed as not
feasible after the setting `erase_not_feasible_after_days`).

Every cell goes through casework/spreadsheet.py (text a spreadsheet would run as a formula is
neutralised). Every export and erasure is in the case's history, which never holds the data.
"""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from casework import clock
from casework.extensions import db
from casework.i18n import _
from casework.models import AuditEntry, Case, CaseApplication, User
from casework.models.application import GENDER_LABELS
from casework.models.user import utcnow
from casework.services.applications import (_audit, register_of, require_register, status_label,
                                            verified_of)
from casework.services.attachments import store_attachment
from casework.services.settings import get_setting
from casework.spreadsheet import xlsx_row

MEMBER_LIST_NAME = "danh-sach-doan-vien.xlsx"
ERASURE_JOB = "flask applications erase"  # the history's name for the scheduled erasure


def _workbook(title: str, header: list[str], rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _gender(value) -> str:
    return str(GENDER_LABELS[value]) if value in GENDER_LABELS else ""


def register_xlsx(case: Case, actor: User) -> bytes:
    """The whole register as XLSX (organisers and supervisors in scope; audited)."""
    applications = register_of(case, actor, audit=False)
    _audit(case, actor, "register_exported", {"rows": len(applications)})
    header = [_("Reference"), _("Full name"), _("Date of birth"), _("Year of birth"),
              _("Gender"), _("Nationality"), _("Contract of 12 months or longer"),
              _("Job or department"), _("Phone"), _("Applied on"), _("Channel"), _("Status"),
              _("Reason")]
    rows = ([a.reference, a.full_name, a.birth_date, a.birth_year, _gender(a.gender),
             a.nationality, "" if a.contract_12_months is None else
             (_("Yes") if a.contract_12_months else _("No")), a.job, a.phone or "",
             a.applied_on, a.channel, _(status_label(a.status)), a.reason]
            for a in reversed(applications))
    return _workbook(_("Register"), header, rows)


def member_list_xlsx(case: Case, actor: User) -> bytes:
    """The dossier's member list: the verified applications, in the order they applied."""
    require_register(actor, case)
    members = verified_of(case)
    _audit(case, actor, "register_exported", {"rows": len(members), "member_list": True})
    header = [_("No."), _("Full name"), _("Date of birth"), _("Gender"), _("Nationality"),
              _("Job or department"), _("Applied on"), _("Founder")]
    rows = ([n, a.full_name, a.birth_date or a.birth_year or "", _gender(a.gender),
             a.nationality, a.job, a.applied_on,
             _("Yes") if a.counted_as == "vietnamese" else _("No (member)")]
            for n, a in enumerate(members, 1))
    return _workbook(_("Member list"), header, rows)


def confirm_member_list(case: Case, actor: User):
    """The organiser confirms the member list produced from the register: it is kept as the
    dossier's `member_list` document, so `submit_dossier` finds it present."""
    content = member_list_xlsx(case, actor)
    return store_attachment(case, actor, "member_list",
                            FileStorage(stream=io.BytesIO(content), filename=MEMBER_LIST_NAME))


def person_data(application: CaseApplication, actor: User) -> dict:
    """Everything the register holds about one person (their request to see it; audited)."""
    require_register(actor, application.case)
    _audit(application.case, actor, "register_exported",
           {"rows": 1, "application": application.id})
    return {"reference": application.reference, "full_name": application.full_name,
            "birth_date": application.birth_date.isoformat() if application.birth_date
            else None, "birth_year": application.birth_year, "gender": application.gender,
            "nationality": application.nationality,
            "contract_12_months": application.contract_12_months, "job": application.job,
            "phone": application.phone, "applied_on": application.applied_on.isoformat(),
            "channel": application.channel, "status": application.status,
            "reason": application.reason,
            "consent_at": application.consent_at.isoformat() if application.consent_at
            else None}


def _erase(application: CaseApplication) -> None:
    """The person's data goes; what the counts need (status, what it counted as, nationality
    and contract) stays, so the case's counts and steps are untouched."""
    application.full_name, application.name_key, application.job = "", "", ""
    application.birth_date = application.birth_year = application.gender = None
    application.phone, application.reason = None, ""
    application.attachment_id = None
    application.erased_at = utcnow()


def erase_person(application: CaseApplication, actor: User) -> None:
    """At the worker's request (an organiser or supervisor in scope; audited)."""
    require_register(actor, application.case)
    if application.erased_at is None:
        _erase(application)
        _audit(application.case, actor, "application_erased",
               {"application": application.id, "why": "request"})
    db.session.flush()


def erase_closed_not_feasible(today: date | None = None) -> int:
    """Erase the applications of every case closed as not feasible at least the setting's days
    ago (the day it entered `closed`); returns how many were erased. Idempotent; does not
    commit."""
    today = today or clock.today()
    days = int(get_setting("erase_not_feasible_after_days"))
    cutoff = _midnight(today - timedelta(days=days))
    closed_at = (sa.select(AuditEntry.case_id, sa.func.max(AuditEntry.created_at).label("at"))
                 .where(AuditEntry.action == "transition", AuditEntry.to_state == "closed")
                 .group_by(AuditEntry.case_id).subquery())
    case_ids = list(db.session.scalars(
        sa.select(Case.id).join(closed_at, closed_at.c.case_id == Case.id)
        .where(Case.state == "closed", closed_at.c.at < cutoff)
        .where(sa.exists().where(CaseApplication.case_id == Case.id,
                                 CaseApplication.erased_at.is_(None)))))
    erased = 0
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        applications = list(db.session.scalars(
            sa.select(CaseApplication).where(CaseApplication.case_id == case_id,
                                             CaseApplication.erased_at.is_(None))))
        for application in applications:
            _erase(application)
        erased += len(applications)
        _audit(case, None, "application_erased",
               {"rows": len(applications), "why": "closed_not_feasible", "after_days": days},
               system_name=ERASURE_JOB)
    db.session.flush()
    return erased


def _midnight(day: date) -> datetime:
    """The start of Vietnam's `day`, in UTC."""
    return datetime.combine(day, time(), tzinfo=clock.VIETNAM).astimezone(timezone.utc)
