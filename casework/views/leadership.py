"""Leadership pages: the pipeline, time in state and conversion, targets, and exports.

Who sees what: every signed-in role sees the dashboards of its own scope (its unit's subtree) —
leaders, supervisors and admins to steer, organisers read-only to see where their unit stands.
Only an admin or a leader of the VGCL node sets targets (403 with the reason otherwise).
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, flash, g, redirect,
                   render_template, request, stream_with_context, url_for)
from babel.numbers import get_group_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework.extensions import db
from casework.charts import BANDS, province_map
from casework.forms.targets import TargetForm
from casework.models import OrgUnit, Target
from casework.models.enterprise import SECTORS, Ownership
from casework.errors import DomainError
from casework.schemas.limits import YEARS
from casework.services import exports
from casework.services.pipeline import DIMENSIONS, funnel, pipeline
from casework.services.pipeline_filters import PipelineFilters, parse_period
from casework.services.pipeline_timings import timings
from casework.services.pipeline_members import member_columns
from casework.services.queries import CaseFilters, case_count
from casework.services.settings import get_setting
from casework.svg import ellipsize
from casework.services.targets import (FIGURES, set_target, target_progress,
                                       why_not_edit_targets)
from casework.transaction import commit
from casework.views.pickers import unit_choice_label, units_in_scope
from casework.views.jobs import start_job
from casework.workflow.definition import FLOWS, KINDS
from casework import clock
from casework.text import number_in

bp = Blueprint("leadership", __name__, url_prefix="/leadership")

URL_SAFE = "!$'()*,/:;?@"      # what werkzeug leaves unquoted in a query string it builds


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in user."""


def _units_in_scope() -> list[OrgUnit]:
    return units_in_scope(current_user)


def _filter_choices() -> dict:
    this_year = clock.today().year
    return {"dimensions": DIMENSIONS, "kinds": KINDS, "flows": FLOWS, "sectors": SECTORS,
            "ownerships": [o.value for o in Ownership], "units": _units_in_scope(),
            "years": list(range(this_year + 2, this_year - 6, -1))}


@bp.get("/")
def index():
    return redirect(url_for("leadership.pipeline_page"))


@bp.get("/pipeline")
def pipeline_page():
    """The pipeline: compact by default (the six numbers a leader reads, and the share of the
    target), the cases per state with `view=detail`; by province, the map beside it."""
    filters = PipelineFilters.from_args(request.args)
    detail = request.args.get("view") == "detail"
    result = pipeline(current_user, filters)
    progress, share_of = None, {}
    members = member_columns(current_user, result)   # by province: admitted and net growth
    if filters.by == "province":
        progress = target_progress(current_user, filters.year, units="provinces")
        share_of = {p.province_code: p for p in progress.rows if p.province_code}
    elif filters.by == "unit":
        share_of = {p.unit_code: p for p in
                    target_progress(current_user, filters.year, unit=filters.unit).rows}
    return render_template("leadership/pipeline.html", result=result, filters=filters,
                           funnel=funnel(result), progress=progress, detail=detail,
                           share_of=share_of, members=members,
                           province_map=province_map(progress) if progress else None,
                           stuck_days=get_setting("stuck_after_days"), **_filter_choices())


@bp.get("/timings")
def timings_page():
    filters = PipelineFilters.from_args(request.args)
    chosen_year = request.args.get("year") or None     # none: the period is from/to alone
    start, end = parse_period(request.args.get("from"), request.args.get("to"), chosen_year)
    result = timings(current_user, filters, start, end)
    return render_template("leadership/timings.html", result=result, filters=filters,
                           chosen_year=filters.year if chosen_year else None,
                           **_filter_choices())


@bp.get("/targets")
def targets_page():
    filters = PipelineFilters.from_args(request.args)
    unit = request.args.get("unit") or None
    table = target_progress(current_user, filters.year, unit=unit)
    return render_template("leadership/targets.html", table=table, filters=filters,
                           can_edit=why_not_edit_targets(current_user) is None,
                           **_filter_choices())


@bp.route("/targets/edit", methods=["GET", "POST"])
def edit_target():
    reason = why_not_edit_targets(current_user)
    if reason:
        abort(403, description=_(reason))
    form = TargetForm()
    form.unit.choices = [(u.code, unit_choice_label(u)) for u in _units_in_scope()]
    # a unit outside the user's subtree is refused by set_target, with its reason and 403
    form.unit.validate_choice = False
    status = 200
    if request.method == "GET":
        unit_code = request.args.get("unit") or current_user.unit.code
        if unit_code not in {code for code, _label in form.unit.choices}:
            unit_code = current_user.unit.code  # never show the target of a unit out of scope
        # a year out of the form's range would overflow the column: this year instead
        year = number_in(request.args.get("year"), *YEARS) or clock.today().year
        form.unit.data, form.year.data = unit_code, year
        existing = db.session.scalar(
            sa.select(Target).join(OrgUnit, OrgUnit.id == Target.unit_id)
            .where(OrgUnit.code == unit_code, Target.year == year))
        if existing is not None:
            for name in FIGURES:
                getattr(form, name).data = getattr(existing, name)
            form.note.data = existing.note
    elif form.validate_on_submit():
        try:
            target = set_target(current_user, unit=form.unit.data, year=form.year.data,
                                note=form.note.data or "",
                                **{name: getattr(form, name).data for name in FIGURES})
            commit()
        except DomainError as exc:
            db.session.rollback()
            status = exc.status
            field = getattr(form, exc.field, None) if exc.field else None
            if field is not None:
                field.errors = list(field.errors) + [_(exc.message)]
            else:
                flash(_(exc.message), "error")
        else:
            flash(_("Target saved for %(unit)s, %(year)s.", unit=target.unit.code,
                    year=target.year), "success")
            return redirect(url_for("leadership.targets_page", year=target.year))
    return render_template("leadership/target_form.html", form=form), status


# --- exports -------------------------------------------------------------------------------------

def _download(stem: str, fmt: str, headers: list[str], rows, title: str) -> Response:
    name = exports.export_name(stem, fmt)
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_stream(headers, rows)),
                        mimetype=exports.CSV_MIME, headers=disposition)
    if fmt == "xlsx":
        return Response(exports.xlsx_bytes(headers, rows, title),
                        mimetype=exports.XLSX_MIME, headers=disposition)
    abort(404)


def _format(fmt: str) -> str:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return fmt


@bp.get("/exports/cases.<fmt>")
def export_cases(fmt: str):
    """The case list with the same filters as /cases?...: sent at once when it is short, else
    written by a background job (the national list is 200,000 rows) and downloaded from the
    job's page."""
    _format(fmt)
    filters = CaseFilters.from_args(request.args)
    count = case_count(current_user, filters)
    if count > current_app.config["EXPORT_IN_REQUEST_MAX_ROWS"]:
        job = start_job("export", "export_cases", total=count, params={
            "format": fmt, "filters": filters.as_args(), "lang": str(get_locale())})
        return redirect(url_for("jobs.show", token=job.token))
    headers = [_(h) for h in exports.CASE_COLUMNS]
    rows = exports.case_rows(current_user, filters, label=_)
    return _download("cases", fmt, headers, rows, _("Cases"))


@bp.get("/exports/pipeline.<fmt>")
def export_pipeline(fmt: str):
    _format(fmt)
    result = pipeline(current_user, PipelineFilters.from_args(request.args))
    headers, rows = exports.pipeline_table(result, label=_,
                                           members=member_columns(current_user, result))
    return _download("pipeline", fmt, headers, rows, _("Pipeline"))


@bp.get("/exports/targets.<fmt>")
def export_targets(fmt: str):
    _format(fmt)
    filters = PipelineFilters.from_args(request.args)
    table = target_progress(current_user, filters.year, unit=request.args.get("unit") or None)
    headers, rows = exports.target_table(table, label=_)
    return _download("targets", fmt, headers, rows, _("Targets"))


@bp.app_template_global("leadership_case_link")
def case_link(result, row, column) -> str:
    """The case-list URL of the cases behind one number of the pipeline table: what
    url_for("cases.index", **args) gives, with the route built once per page, not per cell
    (a national table has some 700 numbers)."""
    base = g.get("casework_case_list_url")
    if base is None:
        base = g.casework_case_list_url = url_for("cases.index")
    query = "&".join(f"{_quoted(k)}={_quoted(str(v))}"
                     for k, v in result.link_args(row, column).items() if v is not None)
    return f"{base}?{query}" if query else base


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """As urlencode() quotes a key or a value (the same few recur in every cell)."""
    return quote_plus(text, safe=URL_SAFE)


def _group_symbol() -> str:
    """The thousands separator of the request's language, looked up once per request."""
    symbol = g.get("casework_group_symbol")
    if symbol is None:
        symbol = g.casework_group_symbol = get_group_symbol(str(get_locale()))
    return symbol


@bp.app_template_filter("svg_fit")
def svg_fit(text, width: float, size: float) -> str:
    """A label cut with an ellipsis to its room in a server-drawn SVG (casework/svg.py)."""
    return ellipsize(str(text), width, size)


@bp.app_template_global("province_bands")
def province_bands():
    return BANDS


@bp.app_template_filter("percent")
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.app_template_filter("thousands")
def thousands(value) -> str:
    if value is None:
        return "—"
    # 1.000.000 in Vietnamese, 1,000,000 in English (format_decimal's result, faster)
    return f"{int(round(value)):,}".replace(",", _group_symbol())
