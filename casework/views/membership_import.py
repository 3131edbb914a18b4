"""The membership import's pages (issue 14): the upload with its columns and templates, and the
row report of what was read. The import is done in the request, in batches (a federation's
month for a province is a few thousand rows)."""
from __future__ import annotations

import io

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from casework.errors import DomainError
from casework.forms.membership import MembershipImportForm
from casework.services.imports import imports_directory
from casework.services.membership import REPORTERS
from casework.services.membership_import import (COLUMNS, TEMPLATE_HEADER, import_membership,
                                                 open_membership_file)
from casework.spreadsheet import CsvWriter, xlsx_row
from casework.views.form_errors import add_error
from casework.views.jobs import new_token
from casework.views.membership import bp

EXAMPLE = ("T-CDCS-1", "2026-01", 12, 0, 3, 1209)


def _require_reporter() -> None:
    if current_user.role not in REPORTERS and current_user.unit.type != "grassroots":
        abort(403, _("Only organisers and supervisors (or the union's own users) report "
                     "membership."))


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    _require_reporter()
    form = MembershipImportForm()
    result, status = None, 200
    if form.validate_on_submit():
        # openpyxl reads a workbook by its extension; a CSV is read by its content whatever its name
        upload = imports_directory() / f"{new_token()}-membership.xlsx"
        form.file.data.save(upload)
        try:
            with open_membership_file(upload) as source:
                result = import_membership(source, current_user)
        except DomainError as exc:
            add_error(form.file, exc.message)
            status = exc.status
        finally:
            upload.unlink(missing_ok=True)
    elif form.is_submitted():
        status = 422
    return render_template("membership/import.html", form=form, result=result,
                           columns=COLUMNS), status


@bp.get("/import/template.<fmt>")
def import_template(fmt: str):
    if fmt == "csv":
        out = io.StringIO()
        writer = CsvWriter(out)
        writer.writerow(TEMPLATE_HEADER)
        writer.writerow(EXAMPLE)
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=membership-template.csv"})
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("membership")
        sheet.append(xlsx_row(sheet, TEMPLATE_HEADER))
        sheet.append(xlsx_row(sheet, EXAMPLE))
        out = io.BytesIO()
        book.save(out)
        return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument"
                        ".spreadsheetml.sheet", headers={
                            "Content-Disposition": "attachment; filename=membership-template.xlsx"})
    abort(404)


