"""Membership pages (issue 14): a union's page (its months, their revisions, the month to
enter, the union's management), a province's grid for one month, the unions that have not
reported, and the 2028 trajectory."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework import authz, clock
from casework.errors import DomainError
from casework.extensions import db
from casework.forms.membership import DissolveForm, RenameForm, ReportForm, TransferForm
from casework.models import OrgUnit, UnitType
from casework.models.membership import GrassrootsUnion, MembershipReport
from casework.replica import dashboard_session
from casework.schemas.base import load
from casework.schemas.limits import YEARS
from casework.schemas.membership import MembershipMonthInput
from casework.services.founded_units import (dissolve_union, rename_union, transfer_union,
                                             union_history, visible_union, why_not_manage)
from casework.services.membership import (FIGURES, REPORTERS, last_closed_month, month_key,
                                          months_of, not_reported, opening_of, parse_month,
                                          report_month, revisions_of, why_not_report)
from casework.services.trajectory import trajectory
from casework.text import number_in
from casework.views.trajectory_chart import chart
from casework.transaction import commit
from casework.views.form_errors import add_error

bp = Blueprint("membership", __name__, url_prefix="/membership")


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in user who reads cases (every role does)."""
    if current_user.role not in authz.CASE_READERS:
        abort(403)


def _year() -> int:
    return number_in(request.args.get("year"), *YEARS) or clock.today().year


def _month_arg(default: date) -> date:
    try:
        return parse_month(request.args.get("month") or month_key(default))
    except DomainError:
        return default


def _union(code: str) -> GrassrootsUnion:
    try:
        return visible_union(current_user, code)
    except DomainError:
        abort(404)


def _refused(form, exc: DomainError) -> None:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        add_error(field, exc.message)
    else:
        flash(exc.message, "error")


@bp.get("/units/<code>")
def unit_page(code: str):
    return _render_unit(_union(code))


def _render_unit(union: GrassrootsUnion, status: int = 200, **forms):
    year = _year()
    months = months_of(union, year)
    revisions = {r.month: revisions_of(union, r.month) for r in months if r.revision > 1}
    report_form = forms.get("report") or ReportForm(formdata=None)
    if not report_form.month.data:
        due = max(last_closed_month(), union.founded_on.replace(day=1))
        report_form.month.data = month_key(due)
    # a month whose opening is not the previous month's closing: corrected since
    stale = {r.month for prev, r in zip(months, months[1:]) if r.opening != prev.closing}
    return render_template(
        "membership/unit.html", union=union, unit=union.unit, year=year, months=months,
        revisions=revisions, stale=stale, history=union_history(union),
        report_form=report_form, can_report=why_not_report(current_user, union) is None,
        can_manage=why_not_manage(current_user, union) is None,
        rename_form=forms.get("rename") or RenameForm(formdata=None, name=union.unit.name),
        transfer_form=forms.get("transfer") or TransferForm(formdata=None),
        dissolve_form=forms.get("dissolve") or DissolveForm(formdata=None),
        opening=opening_of(union, parse_month(report_form.month.data))
        if _well_formed(report_form.month.data) else None), status


def _well_formed(month: str | None) -> bool:
    try:
        parse_month(month)
        return True
    except DomainError:
        return False


@bp.post("/units/<code>/report")
def report(code: str):
    union = _union(code)
    form = ReportForm()
    if not form.validate_on_submit():
        return _render_unit(union, 422, report=form)
    try:
        month = parse_month(form.month.data.strip())
        result = report_month(current_user, union, month,
                              **{name: getattr(form, name).data for name in FIGURES})
        commit()
    except DomainError as exc:
        _refused(form, exc)
        return _render_unit(union, exc.status, report=form)
    if result.unchanged:
        flash(_("%(month)s: the same figures as reported; nothing changed.",
                month=month_key(month)), "info")
    else:
        flash(_("%(month)s saved (revision %(revision)d).", month=month_key(month),
                revision=result.report.revision), "success")
    return redirect(url_for("membership.unit_page", code=code, year=month.year))


def _manage(code: str, form_class, key: str, action):
    union = _union(code)
    form = form_class()
    if not form.validate_on_submit():
        return _render_unit(union, 422, **{key: form})
    try:
        action(union, form)
        commit()
    except DomainError as exc:
        _refused(form, exc)
        return _render_unit(union, exc.status, **{key: form})
    flash(_("Saved."), "success")
    return redirect(url_for("membership.unit_page", code=union.unit.code))


@bp.post("/units/<code>/rename")
def rename(code: str):
    return _manage(code, RenameForm, "rename",
                   lambda union, form: rename_union(current_user, union, form.name.data))


@bp.post("/units/<code>/transfer")
def transfer(code: str):
    return _manage(code, TransferForm, "transfer", lambda union, form: transfer_union(
        current_user, union, form.parent.data.strip(), form.on.data, form.comment.data or ""))


@bp.post("/units/<code>/dissolve")
def dissolve(code: str):
    return _manage(code, DissolveForm, "dissolve", lambda union, form: dissolve_union(
        current_user, union, form.on.data, form.reason.data))


# --- a province's (or any managing unit's) grid for one month -----------------------------------

def _grid_root() -> OrgUnit:
    code = (request.values.get("unit") or "").strip()[:40]
    chosen = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) if code else None
    if chosen is not None and authz.unit_in_scope(current_user, chosen):
        return chosen
    return current_user.unit


def _grid_rows(root: OrgUnit, month: date):
    """The live unions of the subtree with the month's current report (or None), by name."""
    current = sa.orm.aliased(MembershipReport)
    return db.session.execute(
        sa.select(OrgUnit, GrassrootsUnion, current)
        .join(GrassrootsUnion, GrassrootsUnion.unit_id == OrgUnit.id)
        .outerjoin(current, sa.and_(current.unit_id == OrgUnit.id, current.month == month,
                                    current.current))
        .where(OrgUnit.path.startswith(root.path, autoescape=True),
               OrgUnit.type == UnitType.grassroots.value,
               GrassrootsUnion.dissolved_on.is_(None))
        .order_by(OrgUnit.name).limit(GRID_ROWS)).all()


GRID_ROWS = 500   # a province's page shows the first 500 unions; the import takes any number


@bp.route("/grid", methods=["GET", "POST"])
def grid():
    root = _grid_root()
    month = _month_arg(last_closed_month())
    errors: dict[str, str] = {}
    saved = 0
    if request.method == "POST":
        if current_user.role not in REPORTERS:     # leaders and admins read
            abort(403)
        from flask_wtf.csrf import validate_csrf
        try:
            validate_csrf(request.form.get("csrf_token"))
        except Exception:
            abort(400)
        for unit, union, _report in _grid_rows(root, month):
            raw = {name: request.form.get(f"{unit.id}-{name}", "") for name in FIGURES}
            if not any(v.strip() for v in raw.values()):
                continue
            try:
                report_month(current_user, union, month, source="page",
                             **load(MembershipMonthInput, raw))
                saved += 1
            except DomainError as exc:
                db.session.rollback()
                errors[unit.code] = exc.message
        if saved:
            commit()
        if not errors:
            flash(_("%(count)d unions saved for %(month)s.", count=saved,
                    month=month_key(month)), "success")
            return redirect(url_for("membership.grid", unit=root.code, month=month_key(month)))
    rows = _grid_rows(root, month)
    return render_template("membership/grid.html", root=root, month=month, rows=rows,
                           errors=errors, form_values=request.form,
                           figures=FIGURES, limit=GRID_ROWS), 422 if errors else 200


# --- the unions that have not reported -----------------------------------------------------------

@bp.get("/missing")
def missing():
    """Per managing unit in the user's scope, its live unions without a report for the month
    (by default the last closed one)."""
    month = _month_arg(last_closed_month())
    managers = db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.path.startswith(current_user.unit.path,
                                                         autoescape=True),
                                 OrgUnit.type != UnitType.grassroots.value)
        .where(OrgUnit.id.in_(sa.select(OrgUnit.parent_id).where(
            OrgUnit.type == UnitType.grassroots.value)))
        .order_by(OrgUnit.path)).all()
    groups = [(m, units) for m in managers if (units := not_reported(m, month))]
    return render_template("membership/missing.html", month=month, groups=groups)


# --- the 2028 trajectory --------------------------------------------------------------------------

@bp.get("/trajectory")
def trajectory_page():
    reads = dashboard_session()
    root = reads.scalar(sa.select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    own = current_user.unit
    shown = [own if not own.is_root else root]
    province_units = reads.scalars(
        sa.select(OrgUnit).where(OrgUnit.type == "provincial_federation",
                                 OrgUnit.path.startswith(own.path, autoescape=True))
        .order_by(OrgUnit.name)).all()
    code = (request.args.get("unit") or "").strip()[:40]
    chosen = next((u for u in province_units if u.code == code), None)
    if chosen is not None and chosen.id != shown[0].id:
        shown.append(chosen)
    charts = [(t, chart(t)) for t in (trajectory(reads, u, root) for u in shown)]
    return render_template("membership/trajectory.html", charts=charts,
                           provinces=province_units, chosen=chosen)

