"""Bulk import of target enterprises: the upload page with the column documentation and the
templates, the result of an import and its rejected rows.

Thin, like every view: the service reads, validates and writes (committing batch by batch); the
view checks the upload (size, type) and keeps the result where the importer can read it again:
`<IMPORTS_DIR>/<token>.json` (the counts) and `<token>.rejected.csv` (every rejected row), for
KEEP_DAYS days. The upload itself is deleted once imported.
"""
from __future__ import annotations

import io
import json
import math
import re
import secrets
import time
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from casework import authz, clock
from casework.extensions import csrf, db
from casework.forms.cases import choices
from casework.forms.imports import COLUMN_HELP, REASON_LABELS, ImportForm
from casework.services import DomainError
from casework.services.imports import (COLUMNS, RejectedRowsCsv, import_enterprises,
                                       open_source, read_rejected)
from casework.views.cases import add_error, unit_choice_label, units_in_scope

bp = Blueprint("imports", __name__, url_prefix="/imports")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024     # IMPORT_MAX_BYTES in the app's config overrides it
FORM_OVERHEAD = 64 * 1024               # the multipart envelope and the other fields
KEEP_DAYS = 7
REJECTED_PER_PAGE = 50
TOKEN = re.compile(r"[A-Za-z0-9_-]{12,64}")


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES))


def _directory() -> Path:
    path = Path(current_app.config.get("IMPORTS_DIR")
                or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _render(form: ImportForm, *, errors: list[str] | None = None, status: int = 200):
    form.unit.choices = choices((u.code, unit_choice_label(u))
                                for u in units_in_scope(current_user))
    return render_template("imports/index.html", form=form, errors=errors or [],
                           columns=COLUMNS, column_help=COLUMN_HELP,
                           max_mb=_megabytes(_max_bytes())), status


def _too_large(form: ImportForm):
    return _render(form, errors=[_("The file is larger than %(size)s MB. Split the list into "
                                   "several files and import them one after the other.",
                                   size=_megabytes(_max_bytes()))], status=413)


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

    directory = _directory()
    _forget_old(directory)
    token = secrets.token_urlsafe(18)
    upload = directory / f"{token}.upload"
    original = secure_filename(form.file.data.filename or "") or "upload"
    form.file.data.save(upload)
    try:
        if upload.stat().st_size > _max_bytes():
            return _too_large(form)
        try:
            source = open_source(upload)
        except DomainError as exc:
            add_error(form.file, exc.message)
            return _render(form, status=422)
        rejected_path = directory / f"{token}.rejected.csv"
        with source:
            sink = RejectedRowsCsv(rejected_path)
            try:
                report = import_enterprises(source, current_user, form.unit.data,
                                            rejected=sink, start_row=form.start_row.data,
                                            file_label=original)
            except DomainError as exc:        # not allowed to import into that unit
                db.session.rollback()
                sink.close()
                rejected_path.unlink(missing_ok=True)
                add_error(form.unit, exc.message)
                return _render(form, status=exc.status)
            finally:
                sink.close()
    finally:
        upload.unlink(missing_ok=True)

    summary = {**report.as_dict(), "user_id": current_user.id, "file": original,
               "at": clock.now().isoformat()}
    (directory / f"{token}.json").write_text(json.dumps(summary), encoding="utf-8")
    if report.failed:
        flash(_("The import stopped: rows up to %(row)d are saved. Fix the problem and import "
                "the same file again starting at row %(resume)d.",
                row=report.committed_up_to, resume=report.resume_row), "error")
    else:
        flash(_("Import finished: %(created)d case(s) created.", created=report.created),
              "success")
    return redirect(url_for(".result", token=token))


def _summary(token: str) -> tuple[dict, Path]:
    """The result of one of the current user's imports; anyone else's does not exist."""
    if not TOKEN.fullmatch(token):
        abort(404)
    directory = _directory()
    try:
        summary = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)
    if summary.get("user_id") != current_user.id:
        abort(404)
    return summary, directory / f"{token}.rejected.csv"


@bp.get("/<token>")
@login_required
def result(token: str):
    summary, rejected_path = _summary(token)
    total = summary["skipped"] + summary["rejected"]
    pages = max(math.ceil(total / REJECTED_PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = read_rejected(rejected_path, offset=(page - 1) * REJECTED_PER_PAGE,
                         limit=REJECTED_PER_PAGE) if total and rejected_path.exists() else []
    return render_template("imports/result.html", summary=summary, token=token, rows=rows,
                           page=page, pages=pages, total=total, reason_labels=REASON_LABELS,
                           per_page=REJECTED_PER_PAGE)


@bp.get("/<token>/rejected.csv")
@login_required
def rejected_csv(token: str):
    summary, rejected_path = _summary(token)
    if not rejected_path.exists():
        abort(404)
    stem = Path(summary.get("file") or "import").stem
    return send_file(rejected_path, mimetype="text/csv", as_attachment=True,
                     download_name=f"{stem}.rejected.csv")


# --- the templates ------------------------------------------------------------------------------

@bp.get("/template.csv")
@login_required
def template_csv():
    text = io.StringIO()
    text.write(",".join(f'"{c.header}"' for c in COLUMNS) + "\r\n")
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
    sheet.append([c.header for c in COLUMNS])
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
    notes.append([_("Column"), _("Key"), _("What it accepts"), _("Example")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, column.key, str(COLUMN_HELP[column.key]), column.example])
    for letter, width in (("A", 34), ("B", 16), ("C", 90), ("D", 28)):
        notes.column_dimensions[letter].width = width
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(
        data, as_attachment=True, download_name="casework-enterprises-template.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

