"""Leadership visits: lists, planning and recording, follow-ups, province coverage."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, \
    url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework import authz
from casework.extensions import db
from casework.forms.visits import (AssignProvinceForm, EditVisitForm, FollowUpForm, LinkCaseForm,
                                   PlanVisitForm, RecordVisitForm, UnassignProvinceForm,
                                   VersionedActionForm, choices)
from casework.errors import DomainError, Invalid
from casework.models.visit import VISIT_STATUSES
from casework.schemas.base import load
from casework.schemas.visits import FollowUpInput, VisitInput, VisitPatch
from casework.services import visit_coverage, visit_lists, visits as service
from casework.routing import page_number
from casework.services.settings import get_setting
from casework.transaction import commit
from casework import clock

bp = Blueprint("visits", __name__, url_prefix="/visits")


@bp.before_request
@login_required
def _logged_in():
    return None


def _show_error(form, exc: DomainError) -> int:
    """Put a refusal next to its field, or above the form when it concerns no single field;
    the status to answer with: a refusal of the person (403, 404) keeps its own, the rest 422."""
    db.session.rollback()
    field = getattr(form, (exc.field or "").split("[")[0].split(".")[0], None) \
        if exc.field else None
    if field is not None and field.name not in ("csrf_token", "submit", "version"):
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status if exc.status in (403, 404) else 422


def _visit_or_404(visit_id: int):
    try:
        return service.get_visit(current_user, visit_id)
    except DomainError as exc:
        abort(404, exc.message)


def _require_write(province=None):
    reason = authz.why_not_write_visits(current_user, province)
    if reason is not None:
        abort(403, reason)


def _province_choices(provinces) -> list[tuple[str, str]]:
    return choices((p.code, f"{p.name} ({p.code})") for p in provinces)


# --- lists ------------------------------------------------------------------------------------

@bp.get("/")
def index():
    try:
        filters = visit_lists.VisitFilters.from_args(request.args)
    except Invalid:
        filters = visit_lists.VisitFilters()
    page = page_number() or 1
    result = db.paginate(visit_lists.visit_list_query(current_user, filters), page=page,
                         per_page=current_app.config.get("CASES_PER_PAGE", 25), error_out=False)
    provinces = visit_coverage.visible_provinces(current_user)
    return render_template("visits/index.html", visits=result.items, pagination=result,
                           filters=filters, provinces=provinces,
                           leaders=visit_coverage.eligible_leaders(current_user),
                           statuses=VISIT_STATUSES,
                           can_plan=authz.can_write_visits(current_user))


@bp.get("/follow-ups/overdue")
def overdue():
    return render_template("visits/overdue.html",
                           follow_ups=visit_lists.overdue_follow_ups(current_user))


# --- planning ---------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    _require_write()
    form = PlanVisitForm()
    form.leader.choices = choices((u.email, f"{u.name} — {u.unit.code}")
                                  for u in visit_coverage.eligible_leaders(current_user))
    form.province.choices = _province_choices(visit_coverage.writable_provinces(current_user))
    if request.method == "GET":
        if current_user.role == "leader":
            form.leader.data = current_user.email
        if request.args.get("province"):
            form.province.data = request.args["province"]
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            visit = service.create_visit(current_user, **load(VisitInput, {
                "leader": form.leader.data, "province": form.province.data,
                "host_unit": form.host_unit.data, "host_note": form.host_note.data or "",
                "planned_date": form.planned_date.data, "purpose": form.purpose.data}))
            commit()
        except DomainError as exc:
            status = _show_error(form, exc)
        else:
            flash(_("The visit is planned."), "success")
            return redirect(url_for("visits.show", visit_id=visit.id))
    return render_template("visits/form.html", form=form, visit=None), status


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
def edit(visit_id: int):
    visit = _visit_or_404(visit_id)
    _require_write(visit.province)
    form = EditVisitForm(obj=None if request.method == "POST" else visit)
    if request.method == "GET":
        form.host_unit.data = visit.host_unit.code
        form.version.data = str(visit.version)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            service.update_visit(visit, current_user, load(VisitPatch, {
                "host_unit": form.host_unit.data, "host_note": form.host_note.data or "",
                "planned_date": form.planned_date.data, "purpose": form.purpose.data},
                partial=True), version=form.version.data)
            commit()
        except DomainError as exc:
            status = _show_error(form, exc)
        else:
            flash(_("The visit is saved."), "success")
            return redirect(url_for("visits.show", visit_id=visit_id))
    return render_template("visits/form.html", form=form, visit=visit), status


# --- one visit --------------------------------------------------------------------------------

def _render_visit(visit, status: int = 200, **forms):
    version = str(visit.version)
    record_form = forms.get("record_form") or RecordVisitForm(
        formdata=None, version=version, status="done", outcome=visit.outcome)
    follow_up_form = forms.get("follow_up_form") or FollowUpForm(formdata=None, version=version)
    link_form = forms.get("link_form") or LinkCaseForm(formdata=None, version=version)
    return render_template(
        "visits/show.html", visit=visit,
        can_write=authz.can_write_visits(current_user, visit.province),
        record_form=record_form, follow_up_form=follow_up_form, link_form=link_form,
        action_form=VersionedActionForm(formdata=None, version=version),
        cases=[c for c in visit.cases if authz.case_in_scope(current_user, c)],
        today=clock.today()), status


@bp.get("/<int:visit_id>")
def show(visit_id: int):
    return _render_visit(_visit_or_404(visit_id))


def _post_on_visit(visit_id: int, form_class, form_name: str, change, done_message: str):
    """The common shape of a change posted from the visit page."""
    visit = _visit_or_404(visit_id)
    _require_write(visit.province)
    form = form_class()
    status = 422
    if form.validate_on_submit():
        try:
            change(visit, form)
            commit()
        except DomainError as exc:
            status = _show_error(form, exc)
            visit = _visit_or_404(visit_id)
        else:
            flash(done_message, "success")
            return redirect(url_for("visits.show", visit_id=visit_id))
    return _render_visit(visit, status, **{form_name: form})


@bp.post("/<int:visit_id>/record")
def record(visit_id: int):
    def change(visit, form):
        service.update_visit(visit, current_user, load(
            VisitPatch, {"status": form.status.data, "outcome": form.outcome.data or ""},
            partial=True), version=form.version.data)
    return _post_on_visit(visit_id, RecordVisitForm, "record_form", change,
                          _("The visit is recorded."))


@bp.post("/<int:visit_id>/follow-ups")
def add_follow_up(visit_id: int):
    def change(visit, form):
        values = load(FollowUpInput, {"action": form.action.data, "owner": form.owner.data,
                                      "due_date": form.due_date.data})
        service.add_follow_up(visit, current_user, action=values["action"],
                              owner=values["owner"], due_date=values["due_date"],
                              version=form.version.data)
    return _post_on_visit(visit_id, FollowUpForm, "follow_up_form", change,
                          _("The follow-up is added."))


@bp.post("/<int:visit_id>/follow-ups/<int:follow_up_id>/done")
def follow_up_done(visit_id: int, follow_up_id: int):
    done = request.form.get("done", "1") == "1"

    def change(visit, form):
        service.set_follow_up_done(visit, current_user, follow_up_id, done,
                                   version=form.version.data)
    return _post_on_visit(visit_id, VersionedActionForm, "action_form", change,
                          _("The follow-up is updated."))


@bp.post("/<int:visit_id>/cases")
def link_case(visit_id: int):
    def change(visit, form):
        service.link_case(visit, current_user, form.case.data, version=form.version.data)
    return _post_on_visit(visit_id, LinkCaseForm, "link_form", change, _("The case is linked."))


@bp.post("/<int:visit_id>/cases/<int:case_id>/unlink")
def unlink_case(visit_id: int, case_id: int):
    def change(visit, form):
        service.unlink_case(visit, current_user, case_id, version=form.version.data)
    return _post_on_visit(visit_id, VersionedActionForm, "action_form", change,
                          _("The case is no longer linked."))


# --- coverage ---------------------------------------------------------------------------------

def _render_coverage(assign_form=None, status: int = 200):
    months = int(get_setting("visit_gap_months"))
    rows = visit_coverage.coverage(current_user, months)
    can_assign = authz.can_assign_provinces(current_user)
    if assign_form is None and can_assign:
        assign_form = AssignProvinceForm(formdata=None)
    if assign_form is not None:
        assign_form.leader.choices = choices((u.email, u.name)
                                             for u in visit_coverage.assignable_leaders())
        assign_form.province.choices = _province_choices(r.province for r in rows)
    return render_template("visits/coverage.html", rows=rows, months=months,
                           gaps=[r for r in rows if r.gap],
                           cutoff=visit_coverage.gap_cutoff(months),
                           can_assign=can_assign, assign_form=assign_form,
                           unassign_form=UnassignProvinceForm(formdata=None)), status


@bp.get("/coverage")
def coverage():
    return _render_coverage()


@bp.post("/coverage/assign")
def assign():
    reason = authz.why_not_assign_provinces(current_user)
    if reason:
        abort(403, reason)
    form = AssignProvinceForm()
    form.leader.choices, form.province.choices = [], []
    status = 422
    if form.validate_on_submit():
        try:
            visit_coverage.assign_province(current_user, leader=form.leader.data,
                                           province=form.province.data)
            commit()
        except DomainError as exc:
            status = _show_error(form, exc)
        else:
            flash(_("The province is assigned."), "success")
            return redirect(url_for("visits.coverage"))
    return _render_coverage(form, status)


@bp.post("/coverage/<province_code>/unassign")
def unassign(province_code: str):
    reason = authz.why_not_assign_provinces(current_user)
    if reason:
        abort(403, reason)
    form = UnassignProvinceForm()
    if not form.validate_on_submit():
        abort(400, _("The form has expired; reload the page and try again."))
    try:
        visit_coverage.unassign_province(current_user, province_code)
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("The province has no leader assigned now."), "success")
    return redirect(url_for("visits.coverage"))
