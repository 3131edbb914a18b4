"""What leaves the register as a file (its export, the member list, one person's data) and one
person's erasure: organisers and supervisors in scope, every one audited."""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.errors import DomainError
from casework.extensions import db
from casework.forms.applications import ConfirmForm, ImportForm
from casework.services.application_files import (MEMBER_LIST_NAME, confirm_member_list,
                                                 erase_person, member_list_xlsx, person_data,
                                                 register_xlsx)
from casework.services.application_import import import_register, template_xlsx
from casework.services.applications import find_application
from casework.transaction import commit
from casework.views.register import _case, _register_case, bp, render_register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str):
    response = send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True,
                         download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cases/<int:case_id>/register.xlsx")
@login_required
def export(case_id: int):
    case = _register_case(case_id)
    content = register_xlsx(case, current_user)
    commit()  # the export is in the history
    return _xlsx(content, f"so-dang-ky-{case.ref or case.id}.xlsx")


@bp.get("/cases/<int:case_id>/register/members.xlsx")
@login_required
def member_list(case_id: int):
    case = _register_case(case_id)
    content = member_list_xlsx(case, current_user)
    commit()
    return _xlsx(content, MEMBER_LIST_NAME)


@bp.post("/cases/<int:case_id>/register/members/confirm")
@login_required
def confirm_members(case_id: int):
    case = _register_case(case_id)
    if not ConfirmForm().validate_on_submit():
        return render_register(case, status=422)
    try:
        confirm_member_list(case, current_user)
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for(".page", case_id=case.id))
    flash(_("The member list is confirmed and kept in the dossier."), "success")
    return redirect(url_for(".page", case_id=case.id))


@bp.get("/cases/<int:case_id>/register/<int:application_id>/data.json")
@login_required
def person_export(case_id: int, application_id: int):
    case = _register_case(case_id)
    data = person_data(find_application(case, application_id), current_user)
    commit()
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    response = send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                         download_name=f"{data['reference']}.json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cases/<int:case_id>/register/<int:application_id>/erase")
@login_required
def erase(case_id: int, application_id: int):
    case = _register_case(case_id)
    application = find_application(case, application_id)
    if not ConfirmForm().validate_on_submit():
        return render_register(case, status=422)
    erase_person(application, current_user)
    reference = application.reference
    commit()
    flash(_("The personal data of application %(reference)s is erased; the counts stay.",
            reference=reference), "success")
    return redirect(url_for(".page", case_id=case.id))


@bp.get("/cases/<int:case_id>/register/template.xlsx")
@login_required
def import_template(case_id: int):
    _case(case_id)
    return _xlsx(template_xlsx(), "mau-so-dang-ky.xlsx")


@bp.post("/cases/<int:case_id>/register/import")
@login_required
def import_file(case_id: int):
    case = _register_case(case_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return render_register(case, status=422)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload"), "danger")
        return redirect(url_for(".page", case_id=case.id, _anchor="import"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register"
        upload.save(path)
        try:
            report = import_register(case, current_user, path)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(".page", case_id=case.id, _anchor="import"))
    return render_template("cases/register_import.html", case=case, report=report)
