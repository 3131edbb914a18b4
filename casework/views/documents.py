"""The case page's document buttons: generate a document from the case's data (filed as a draft
attachment), and say why a PDF cannot be made when LibreOffice is missing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from casework import authz
from casework.documents.context import MissingData, build_context
from casework.errors import DomainError, Forbidden, NotFound
from casework.extensions import db
from casework.i18n import _
from casework.models import Case
from casework.services.documents import generate_document, types_for, why_not_generate
from casework.jobs import enqueue_after_commit
from casework.services.pdf import check_pdf_request, pdf_unavailable
from casework.transaction import commit

bp = Blueprint("documents", __name__)


@bp.app_template_global()
def case_documents(case: Case) -> list[dict]:
    """The document buttons of the case page for the signed-in user: each type of the case's
    flow the user may generate, with the reason it cannot be generated yet, or None."""
    buttons = []
    for doctype in types_for(case):
        if why_not_generate(current_user, case, doctype):
            continue
        try:
            build_context(case, doctype.needs)
            reason = None
        except MissingData as exc:
            reason = exc.message
        buttons.append({"type": doctype.name, "label": _(doctype.label), "reason": reason})
    return buttons


@bp.app_template_global()
def pdf_reason() -> str | None:
    return pdf_unavailable()


@bp.post("/cases/<int:case_id>/documents")
@login_required
def generate(case_id: int):
    case = db.session.get(Case, case_id)
    if case is None or not authz.case_in_scope(current_user, case):
        abort(404)
    try:
        attachment = generate_document(case, current_user, request.form.get("type"))
        commit()
    except Forbidden:
        db.session.rollback()
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="documents"))
    flash(_("Draft “%(name)s” generated and filed: print it, have it signed, then upload the "
            "signed scan.", name=attachment.original_name), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="documents"))


@bp.post("/cases/<int:case_id>/attachments/<int:attachment_id>/pdf")
@login_required
def make_pdf(case_id: int, attachment_id: int):
    """A PDF of a generated draft, made by a background job (LibreOffice, with a time limit)."""
    case = db.session.get(Case, case_id)
    if case is None or not authz.case_in_scope(current_user, case):
        abort(404)
    back = redirect(url_for("cases.detail", case_id=case.id, _anchor="documents"))
    try:
        attachment = check_pdf_request(current_user, case, attachment_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except DomainError as exc:       # not a generated draft, or no LibreOffice here: say so
        flash(exc.message, "warning")
        return back
    enqueue_after_commit("convert_to_pdf", attachment.id, current_user.id)
    commit()
    flash(_("The PDF of “%(name)s” is being made; it is filed beside it when ready (reload "
            "the page).", name=attachment.original_name), "info")
    return back
