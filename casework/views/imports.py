"""Bulk import of target enterprises: the upload page with the column documentation and the
templates, the result of an import and its rejected rows.

The view checks the upload (size, readable, the unit allowed), keeps it as
`<IMPORTS_DIR>/<token>.upload`, and queues a job (casework.tasks.import_enterprises), so it
returns at once; the result page shows the job's progress until it is done, then its counts
(kept on the job) and `<token>.rejected.csv` (every rejected row, kept KEEP_DAYS days). The
upload is deleted once imported.
"""
from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

from flask import (Blueprint, abort, current_app, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from casework import authz
from casework.extensions import csrf
from casework.forms.cases import choices
from casework.forms.imports import COLUMN_HELP, REASON_LABELS, ImportForm
from casework.routing import page_number
from casework.errors import DomainError
from casework.i18n import megabytes
from casework.services.imports import (COLUMNS, check_importer, imports_directory, open_source,
                                       read_rejected)
from casework.schemas.limits import REJECTED_ROWS_PER_PAGE
from casework.spreadsheet import CsvWriter, xlsx_row
from casework.views.jobs import new_token, own_job, start_job
from casework.views.form_errors import add_error
from casework.views.pickers import unit_choice_label, units_in_scope

bp = Blueprint("imports", __name__, url_prefix="/imports")

FORM_OVERHEAD = 64 * 1024               # the multipart envelope and the other fields
KEEP_DAYS = 7


def _max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


def _forget_old(directory: Path) -> None:
    cutoff = time.time() - KEEP_DAYS * 86400
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _require_importer() -> None:
    reason = authz.why_not(current_user, "case.create")
    if reason:
        abort(403, _("Only organisers and supervisors import enterprises."))


def _render(form: ImportForm, *, errors: list[str] | None = None, status: int = 200):
    form.unit.choices = choices((u.code, unit_choice_label(u))
                                for u in units_in_scope(current_user))
    return render_template("imports/index.html", form=form, errors=errors or [],
                           columns=COLUMNS, column_help=COLUMN_HELP,
                           max_mb=megabytes(_max_bytes())), status


def _too_large(form: ImportForm):
    return _render(form, errors=[_("The file is larger than %(size)s MB. Split the list into "
                                   "several files and import them one after the other.",
                                   size=megabytes(_max_bytes()))], status=413)


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt        # checked below, once the upload is known not to be too large
def index():
    too_large = False
    if request.method == "POST":
        limit = _max_bytes()
        too_large = request.content_length is not None \
            and request.content_length > limit + FORM_OVERHEAD
        if not too_large:
            request.max_content_length = limit + FORM_OVERHEAD   # a body without a length too
            try:
                csrf.protect()      # before any other check, as on every other page
            except RequestEntityTooLarge:
                too_large = True
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    _require_importer()
    if request.method == "GET":
        form = ImportForm(formdata=None)
        form.unit.data = current_user.unit.code
        return _render(form)
    if too_large:
        return _too_large(ImportForm(formdata=None))
    form = ImportForm()
    if not form.validate():
        return _render(form, status=422)

    directory = imports_directory()
    _forget_old(directory)
    token = new_token()
    upload = directory / f"{token}.upload"
    original = secure_filename(form.file.data.filename or "") or "upload"
    form.file.data.save(upload)
    queued = False
    try:
        if upload.stat().st_size > _max_bytes():
            return _too_large(form)
        try:
            open_source(upload).close()          # a file we cannot read is refused now
        except DomainError as exc:
            add_error(form.file, exc.message)
            return _render(form, status=422)
        try:
            check_importer(current_user, form.unit.data)
        except DomainError as exc:
            add_error(form.unit, exc.message)
            return _render(form, status=exc.status)
        start_job("import", "import_enterprises", token=token, params={
            "unit": form.unit.data, "start_row": form.start_row.data, "file": original,
            "lang": str(get_locale())})
        queued = True
    finally:
        if not queued:
            upload.unlink(missing_ok=True)
    return redirect(url_for(".result", token=token))


@bp.get("/<token>")
@login_required
def result(token: str):
    job = own_job(token, "import")
    if job.status != "done":
        return render_template("imports/progress.html", job=job)
    summary = job.result
    rejected_path = imports_directory() / f"{token}.rejected.csv"
    total = summary["skipped"] + summary["rejected"]
    pages = max(math.ceil(total / REJECTED_ROWS_PER_PAGE), 1)
    page = min(page_number() or 1, pages)
    rows = read_rejected(rejected_path, offset=(page - 1) * REJECTED_ROWS_PER_PAGE,
                         limit=REJECTED_ROWS_PER_PAGE) if total and rejected_path.exists() else []
    return render_template("imports/result.html", summary=summary, token=token, rows=rows,
                           page=page, pages=pages, total=total, reason_labels=REASON_LABELS,
                           per_page=REJECTED_ROWS_PER_PAGE)


@bp.get("/<token>/rejected.csv")
@login_required
def rejected_csv(token: str):
    job = own_job(token, "import")
    rejected_path = imports_directory() / f"{token}.rejected.csv"
    if job.status != "done" or not rejected_path.exists():
        abort(404)
    stem = Path((job.result or {}).get("file") or "import").stem
    return send_file(rejected_path, mimetype="text/csv", as_attachment=True,
                     download_name=f"{stem}.rejected.csv")


# --- the templates ------------------------------------------------------------------------------

@bp.get("/template.csv")
@login_required
def template_csv():
    text = io.StringIO()
    CsvWriter(text, quoting=csv.QUOTE_ALL).writerow([c.header for c in COLUMNS])
    data = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    return send_file(data, mimetype="text/csv", as_attachment=True,
                     download_name="casework-enterprises-template.csv")


@bp.get("/template.xlsx")
@login_required
def template_xlsx():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Doanh nghiệp"
    sheet.append(xlsx_row(sheet, [c.header for c in COLUMNS]))
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(len(column.header) + 2, 14)
        if column.key == "tax_code":    # typed as text, so Excel keeps the leading zero
            for row in range(2, 5002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Hướng dẫn")
    notes.append(xlsx_row(notes, [_("Column"), _("Key"), _("What it accepts"), _("Example")]))
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(xlsx_row(notes, [column.header, column.key, str(COLUMN_HELP[column.key]),
                                      column.example]))
    for letter, width in (("A", 34), ("B", 16), ("C", 90), ("D", 28)):
        notes.column_dimensions[letter].width = width
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(
        data, as_attachment=True, download_name="casework-enterprises-template.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

