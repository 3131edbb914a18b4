"""An administrator's page of the document templates: which one each document uses, the
unit's earlier versions, and the upload that replaces one."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from casework import authz
from casework.documents.render import DOCX_TYPE
from casework.documents.types import BY_NAME, DOCUMENT_TYPES
from casework.errors import DomainError
from casework.extensions import db
from casework.forms.document_templates import DocumentTemplateForm
from casework.i18n import _
from casework.models import DocumentTemplate
from casework.schemas.limits import TEMPLATE_BYTES
from casework.services.document_templates import template_for, upload_template, versions_of
from casework.transaction import commit

bp = Blueprint("document_templates", __name__, url_prefix="/admin/document-templates")


@bp.before_request
@login_required
def require_admin():
    if not authz.can(current_user, "admin"):
        abort(403, _("Only an administrator may do this."))


def _page(form=None, error=None, status=200):
    unit = current_user.unit
    rows = [{"type": t, "in_use": template_for(unit, t.name), "versions": versions_of(unit, t.name)}
            for t in DOCUMENT_TYPES]
    return render_template("admin/document_templates.html", rows=rows, unit=unit,
                           form=form or DocumentTemplateForm(formdata=None), error=error), status


@bp.get("")
def index():
    return _page()


@bp.post("")
def upload():
    form = DocumentTemplateForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    content = form.file.data.stream.read(TEMPLATE_BYTES + 1)
    try:
        row = upload_template(current_user, current_user.unit, form.type.data,
                              form.file.data.filename, content)
        commit()
    except DomainError as exc:
        db.session.rollback()
        return _page(form, error=exc.message, status=exc.status)
    flash(_("Template uploaded: “%(document)s”, version %(version)d. Documents of the cases "
            "of %(unit)s and the units below it are written from it now.",
            document=_(BY_NAME[row.type].label), version=row.version,
            unit=current_user.unit.name), "success")
    return redirect(url_for(".index"))


@bp.get("/<type_name>.docx")
def current(type_name: str):
    """The template in use for the administrator's unit (to start a replacement from)."""
    if type_name not in BY_NAME:
        abort(404)
    content = template_for(current_user.unit, type_name).content
    return send_file(io.BytesIO(content), mimetype=DOCX_TYPE, as_attachment=True,
                     download_name=f"{type_name}.docx", max_age=0)


@bp.get("/versions/<int:template_id>")
def version(template_id: int):
    row = db.session.get(DocumentTemplate, template_id)
    if row is None or not authz.unit_in_scope(current_user, row.unit):
        abort(404)
    return send_file(io.BytesIO(row.content), mimetype=DOCX_TYPE, as_attachment=True,
                     download_name=f"{row.type}-v{row.version}.docx", max_age=0)
