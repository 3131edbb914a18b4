"""Case pages: the list, a new case, the case itself, its triggers, steps, reassignment, edits.

Thin: parse a form, call a service, commit once, render. Refusals come back as DomainError and are
shown next to the field they name, with everything the user typed kept.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import format_date, format_datetime, gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge

from casework import authz
from casework.extensions import csrf, db
from casework.forms import own_errors, submitted_forms_summary
from casework.routing import page_number
from casework.forms.attachments import AttachmentForm
from casework.forms.admin import UNIT_TYPE_LABELS
from casework.forms.cases import (APPROVAL_STATUS_LABELS, AUDIT_ACTION_LABELS, DOCUMENT_LABELS,
                                  OWNERSHIP_LABELS, ROLE_LABELS, SECTOR_LABELS,
                                  STEP_KIND_LABELS, CaseForm, EditCaseForm, ReassignForm,
                                  StepForm, choices)
from casework.forms.transitions import (WithdrawForm, decision_form, explain_dates,
                                        submit_label, trigger_data, trigger_form_class)
from casework.models import ApprovalRequest, Case, OrgUnit, Province, UnitType, User
from casework.errors import DomainError
from casework.schemas.limits import ENTERPRISES_PER_CASE
from casework.i18n import kilobytes, megabytes
from casework.services.attachments import (attachments_of, documents_present, open_attachment,
                                           store_attachment)
from casework.services.cases import create_case, edit_case, reassign
from casework.services.history import approvals_of, history_of, steps_of
from casework.workflow.definition import PERSONAL_FIELDS
from casework.services.visits import visits_of_case
from casework.services.queries import CaseFilters, case_count, case_list_query
from casework.services.steps import log_step
from casework.services.approvals import route
from casework.services.transitions import (approval_pending, find_trigger,
                                           offered_triggers, request_transition)
from casework.text import search_key
from casework.transaction import commit
from casework.views import home_url
from casework.workflow.definition import (DOCUMENTS, FLOW_LABELS, FLOWS, KIND_LABELS, KINDS,
                                          STATE_LABELS, Trigger, flow_for)
from casework import clock

bp = Blueprint("cases", __name__)

FIELD_LABELS = {f.name: f.label for flow in FLOWS for t in flow.triggers for f in t.fields}


# --- labels and formatting for templates -------------------------------------------------------

def _label(table: dict, value) -> str:
    label = table.get(value)
    return str(label) if label is not None else (value or "")


@bp.app_template_filter("state_label")
def state_label(state: str | None, kind: str | None = None) -> str:
    """The state's label in the case's own flow ('founded' differs between flows)."""
    labels = dict(flow_for(kind).states) if kind in KINDS else STATE_LABELS
    return _(labels[state]) if state in labels else (state or "")


@bp.app_template_filter("kind_label")
def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


@bp.app_template_filter("flow_label")
def flow_label(name: str) -> str:
    return _(FLOW_LABELS[name]) if name in FLOW_LABELS else name


@bp.app_template_filter("trigger_label")
def trigger_label(name: str | None, kind: str | None = None) -> str:
    if not name:
        return ""
    flows = [flow_for(kind)] if kind in KINDS else list(FLOWS)
    for flow in flows:
        trigger = flow.trigger(name)
        if trigger is not None:
            return _(trigger.label)
    return name


@bp.app_template_filter("trigger_target")
def trigger_target(name: str, kind: str) -> str:
    """The label of the state a trigger leads to."""
    trigger = flow_for(kind).trigger(name) if kind in KINDS else None
    if trigger is None:
        return ""
    if trigger.dest is None:
        return _("the state it left")
    return state_label(trigger.dest, kind)


@bp.app_template_filter("field_label")
def field_label(name: str) -> str:
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ")


@bp.app_template_filter("field_value")
def field_value(value, name: str = "") -> str:
    if name == "documents" and isinstance(value, list):
        return "; ".join(_label(DOCUMENT_LABELS, d) for d in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(date.fromisoformat(value), "dd/MM/yyyy")
        except ValueError:
            pass
    return "" if value is None else str(value)


@bp.app_template_filter("step_kind_label")
def step_kind_label(kind: str) -> str:
    return _label(STEP_KIND_LABELS, kind)


@bp.app_template_filter("ownership_label")
def ownership_label(value: str) -> str:
    return _label(OWNERSHIP_LABELS, value)


@bp.app_template_filter("sector_label")
def sector_label(value: str | None) -> str:
    return _label(SECTOR_LABELS, value)


@bp.app_template_filter("role_label")
def role_label(value: str) -> str:
    return _label(ROLE_LABELS, value)


@bp.app_template_filter("unit_type_label")
def unit_type_label(value: str) -> str:
    return _label(UNIT_TYPE_LABELS, value)


@bp.app_template_filter("action_label")
def action_label(value: str) -> str:
    return _label(AUDIT_ACTION_LABELS, value)


@bp.app_template_filter("approval_status_label")
def approval_status_label(value: str) -> str:
    return _label(APPROVAL_STATUS_LABELS, value)


bp.add_app_template_filter(own_errors, "own_errors")
bp.add_app_template_filter(kilobytes, "kilobytes")
bp.add_app_template_global(submitted_forms_summary, "form_error_summary")


@bp.app_template_filter("day")
def day(value) -> str:
    return format_date(value, "dd/MM/yyyy") if value else ""


@bp.app_template_filter("moment")
def moment(value) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


STATE_COLOURS = {"founded": "success", "recognised": "success", "established": "success",
                 "closed": "secondary", "on_hold": "warning", "dossier_submitted": "info",
                 "scheme_drafted": "info"}


@bp.app_template_filter("state_badge")
def state_badge(state: str, kind: str | None = None) -> Markup:
    colour = STATE_COLOURS.get(state, "primary")
    text = "text-dark" if colour in ("warning", "info") else ""
    return Markup('<span class="badge rounded-pill text-bg-{} {}">{}</span>').format(
        colour, text, state_label(state, kind))


@bp.app_context_processor
def navigation() -> dict:
    context = {"today": clock.today()}
    if current_user.is_authenticated:
        user = current_user
        context["can_create_case"] = user.role in authz.CASE_WORKERS
        decides = user.role == "supervisor" or (user.role == "leader"
                                                 and authz.national(user))
        context["shows_approvals"] = decides or user.role == "organiser"
        context["pending_to_decide"] = db.session.scalar(
            sa.select(sa.func.count(ApprovalRequest.id)).where(
                ApprovalRequest.status == "pending", authz.approval_filter(user))) \
            if decides else 0
    return context


# --- helpers shared by the HTML views ----------------------------------------------------------

def add_error(field, message: str) -> None:
    field.errors = list(field.errors or []) + [message]


def attach_error(form, exc: DomainError, *, renames: dict | None = None) -> bool:
    """Put the refusal next to the field it names; False when no such field is on the form."""
    name = (renames or {}).get(exc.field, exc.field)
    if not name:
        return False
    target = form
    try:
        for part in name.split("."):
            if part.isdigit():
                target = target.entries[int(part)].form
            else:
                target = target[part]
    except (KeyError, IndexError, AttributeError, TypeError):
        return False
    if not hasattr(target, "errors") or hasattr(target, "_fields"):
        return False
    if getattr(target, "type", "") in ("HiddenField", "CSRFTokenField"):
        return False  # shown nowhere: the caller shows the refusal above the form instead
    add_error(target, exc.message)
    return True


def refuse(form, exc: DomainError, *, renames: dict | None = None) -> str | None:
    """Put the refusal next to the field it names (None), or else on the form, in the page's
    error summary, and return it for the caller to show by the form too."""
    if attach_error(form, exc, renames=renames):
        return None
    form.form_errors.append(exc.message)
    return exc.message


def _visible_case(case_id: int) -> Case:
    return authz.require_case_visible(current_user, db.session.get(Case, case_id))


UNIT_TYPE_ORDER = {t.value: i for i, t in enumerate(UnitType)}


def sort_units(units) -> list[OrgUnit]:
    """Units as every picker lists them: by type (the tree's levels in order), then province,
    then name (Vietnamese names compared without their marks)."""
    return sorted(units, key=lambda u: (UNIT_TYPE_ORDER.get(u.type, len(UNIT_TYPE_ORDER)),
                                        search_key(u.province.name) if u.province else "",
                                        search_key(u.name), u.code))


def units_in_scope(user: User) -> list[OrgUnit]:
    """The units of the user's subtree, in picker order."""
    return sort_units(db.session.scalars(
        sa.select(OrgUnit).options(joinedload(OrgUnit.province))
        .where(OrgUnit.path.startswith(user.unit.path))))


def province_choices(blank: str | None = None) -> list:
    provinces = db.session.scalars(sa.select(Province).order_by(Province.name))
    options = [("", blank)] if blank is not None else []
    return choices(options + [(p.code, f"{p.name} ({p.code})") for p in provinces])


def unit_choice_label(unit: OrgUnit, depth_of=None) -> str:
    return f"{unit.code} — {unit.name}"


# --- the list ------------------------------------------------------------------------------------

ORGANISER_MENU_MAX = 60
SEARCH_COUNT_MAX = 1000

@bp.get("/")
@login_required
def home():
    """`/`: a leader's home is the pipeline, everyone else's the case list."""
    if current_user.role == "leader":
        return redirect(home_url(current_user))
    return index()


@bp.get("/cases")
@login_required
def index():
    filters = CaseFilters.from_args(request.args)
    page = page_number() or 1
    # a search counts up to SEARCH_COUNT_MAX ("more than 1,000 found"): a common text matches
    # tens of thousands of cases, and counting them all costs more than the page
    at_most = SEARCH_COUNT_MAX if filters.q else None
    pagination = db.paginate(case_list_query(current_user, filters), page=page,
                             per_page=current_app.config["CASES_PER_PAGE"], error_out=False,
                             count=False)
    pagination.total = case_count(current_user, filters, at_most=at_most)
    # the filter's choices: the units in picker order (a national leader's ~300, one query);
    # the organisers as plain rows (name, email): ~1,800, too many to load as objects
    units = units_in_scope(current_user)
    # a menu of organisers while it stays short; beyond that (a province has hundreds) the
    # filter is an email typed in, and the page stays light
    organisers = db.session.execute(
        sa.select(User.name, User.email).where(User.role.in_(authz.CASE_WORKERS),
                                               User.unit_id.in_(authz.scope_unit_ids(current_user)))
        .order_by(User.name).limit(ORGANISER_MENU_MAX + 1)).all()
    if len(organisers) > ORGANISER_MENU_MAX:
        organisers = None
    states = [(name, STATE_LABELS[name])
              for name in dict.fromkeys(n for flow in FLOWS for n in flow.state_names)]
    return render_template(
        "cases/list.html", pagination=pagination, cases=pagination.items, filters=filters,
        more_than=at_most if at_most is not None and pagination.total > at_most else None,
        filter_args=filters.as_args(), states=states, kinds=KINDS, units=units,
        provinces=province_choices(), organisers=organisers,
        unit_choice_label=unit_choice_label)


# --- a new case ----------------------------------------------------------------------------------

def _case_form_choices(form: CaseForm) -> None:
    form.unit.choices = choices((u.code, unit_choice_label(u))
                                for u in units_in_scope(current_user))
    provinces = province_choices(blank=_("Choose a province"))
    for entry in form.enterprises.entries:
        entry.form.province.choices = provinces


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    reason = authz.why_not(current_user, "case.create")
    if reason:
        abort(403, _("Only organisers and supervisors create cases."))
    form = CaseForm()
    if request.method == "GET":
        form.unit.data = current_user.unit.code
    if request.method == "POST":
        if form.add_enterprise.data:
            if len(form.enterprises.entries) < ENTERPRISES_PER_CASE:
                form.enterprises.append_entry()
            _case_form_choices(form)
            return render_template("cases/new.html", form=form)
        if form.remove_enterprise.data:
            if len(form.enterprises.entries) > 1:
                form.enterprises.pop_entry()
            _case_form_choices(form)
            return render_template("cases/new.html", form=form)
    _case_form_choices(form)
    if form.validate_on_submit():
        rows = [(i, entry.form) for i, entry in enumerate(form.enterprises.entries)
                if not entry.form.is_blank()]
        enterprises = [{"name": sub.name.data or "", "tax_code": sub.tax_code.data or "",
                        "province": sub.province.data or "", "workforce": sub.workforce.data,
                        "ownership": sub.ownership.data, "sector": sub.sector.data or None}
                       for _i, sub in rows]
        try:
            case = create_case(current_user, kind=form.kind.data, unit=form.unit.data,
                               organiser=(form.organiser.data or "").strip() or None,
                               target_members=form.target_members.data,
                               enterprises=enterprises)
            commit()
        except DomainError as exc:
            db.session.rollback()
            renames = {}
            if exc.field and exc.field.startswith("enterprises."):
                _prefix, position, rest = exc.field.split(".", 2)
                if position.isdigit() and int(position) < len(rows):
                    renames[exc.field] = f"enterprises.{rows[int(position)][0]}.{rest}"
            refuse(form, exc, renames=renames)
            return render_template("cases/new.html", form=form), \
                exc.status if exc.status in (403, 409) else 422
        flash(_("Case %(ref)s created.", ref=case.ref), "success")
        return redirect(url_for(".detail", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form), status


# --- the case ------------------------------------------------------------------------------------

def render_case(case: Case, *, step_form: StepForm | None = None, step_error: str | None = None,
                status: int = 200, attachment_form: AttachmentForm | None = None,
                attachment_error: str | None = None):
    user = current_user
    approvals = approvals_of(case.id)
    pending = next((a for a in approvals if a.status == "pending"), None)
    can_decide_pending = pending is not None and authz.can(user, "approval.decide", pending)
    can_log = case.is_active and authz.can(user, "case.log_step", case)
    offered = offered_triggers(case, user)  # each with the reason it cannot pass yet, or None
    if step_form is None and can_log:
        step_form = StepForm(formdata=None)
    if attachment_form is None and can_log:
        attachment_form = AttachmentForm(formdata=None)
    return render_template(
        "cases/detail.html", case=case, offered=offered, triggers=[t for t, _r in offered],
        pending=pending, can_decide_pending=can_decide_pending,
        decision_form=decision_form(pending) if can_decide_pending else None,
        withdraw_form=WithdrawForm(formdata=None)
        if pending is not None and pending.requester_id == user.id else None,
        approvals=approvals, steps=steps_of(case.id), history=history_of(case.id),
        visits=visits_of_case(case.id),
        personal=authz.can(user, "case.personal_details", case),
        PERSONAL_FIELDS=PERSONAL_FIELDS,
        step_form=step_form if can_log else None, step_error=step_error,
        can_reassign=case.is_active and authz.can(user, "case.reassign", case),
        can_edit=case.is_active and authz.can(user, "case.edit", case),
        attachments=attachments_of(case.id), attachment_error=attachment_error,
        dossier_documents=[(d, DOCUMENT_LABELS[d]) for d in DOCUMENTS],
        attachment_form=attachment_form if can_log else None,
        max_attachment_mb=megabytes(current_app.config["MAX_ATTACHMENT_BYTES"]),
        submit_label=submit_label), status


@bp.get("/cases/<int:case_id>")
@login_required
def detail(case_id: int):
    return render_case(_visible_case(case_id))


@bp.post("/cases/<int:case_id>/steps")
@login_required
def add_step(case_id: int):
    case = _visible_case(case_id)
    form = StepForm()
    if not form.validate_on_submit():
        return render_case(case, step_form=form, status=422)
    try:
        log_step(case, current_user, kind=form.kind.data, date_=form.date.data,
                 note=form.note.data or "",
                 applications_vietnamese=form.applications_vietnamese.data or 0,
                 applications_foreign=form.applications_foreign.data or 0)
        commit()
    except DomainError as exc:
        db.session.rollback()
        error = refuse(form, exc)
        return render_case(case, step_form=form, step_error=error, status=exc.status)
    flash(_("Step logged."), "success")
    return redirect(url_for(".detail", case_id=case.id, _anchor="steps"))


# --- dossier attachments ------------------------------------------------------------------------

UPLOAD_OVERHEAD = 64 * 1024      # the multipart envelope and the other fields


@bp.post("/cases/<int:case_id>/attachments")
@csrf.exempt        # checked below, once the size of the upload is known to be acceptable
@login_required
def upload_attachment(case_id: int):
    case = _visible_case(case_id)
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    too_large = _("The file is larger than the limit of %(limit)s MB",
                  limit=megabytes(limit))
    if request.content_length is not None and request.content_length > limit + UPLOAD_OVERHEAD:
        return render_case(case, attachment_error=too_large, status=413)
    request.max_content_length = limit + UPLOAD_OVERHEAD     # a body without a length, too
    try:
        csrf.protect()
        form = AttachmentForm()
        valid = form.validate()
    except RequestEntityTooLarge:
        return render_case(case, attachment_error=too_large, status=413)
    if not valid:
        return render_case(case, attachment_form=form, status=422)
    try:
        attachment = store_attachment(case, current_user, form.document.data, form.file.data)
        commit()
    except DomainError as exc:
        db.session.rollback()
        error = refuse(form, exc)
        return render_case(case, attachment_form=form, attachment_error=error,
                           status=exc.status)
    flash(_("File “%(name)s” uploaded.", name=attachment.original_name), "success")
    return redirect(url_for(".detail", case_id=case.id, _anchor="attachments"))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(case_id: int, attachment_id: int):
    try:
        attachment, path = open_attachment(current_user, db.session.get(Case, case_id),
                                           attachment_id)
    except DomainError:
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, conditional=True,
                         etag=attachment.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response   # no-store, as every answer to a signed-in user (casework.security)


# --- firing a trigger ----------------------------------------------------------------------------

def _refusal(case: Case, trigger: Trigger) -> str | None:
    reason = authz.why_not(current_user, "case.fire", case, trigger=trigger)
    if reason:
        return reason
    offered = dict(offered_triggers(case, current_user))
    if trigger not in offered:
        if trigger.needs_approval and case.approval_pending:
            return approval_pending().message
        return _("“%(action)s” is not possible while the case is in the state “%(state)s”.",
                 action=_(trigger.label), state=state_label(case.state, case.kind))
    return offered[trigger]  # a guard that cannot pass yet, or None


def _render_trigger(case, trigger, form, *, error=None, stale=False, status=200):
    uploaded = documents_present(case.id) if "documents" in form else set()
    explain_dates(form, case, trigger.request_fields)
    return render_template("cases/trigger.html", case=case, trigger=trigger, form=form,
                           error=error, stale=stale, submit_text=submit_label(trigger),
                           uploaded=[d for d in DOCUMENTS if d in uploaded]), status


@bp.route("/cases/<int:case_id>/transitions/<trigger>", methods=["GET", "POST"])
@login_required
def fire(case_id: int, trigger: str):
    case = _visible_case(case_id)
    try:
        spec = find_trigger(case, trigger)
    except DomainError:
        abort(404)
    form = trigger_form_class(spec)()
    if request.method == "GET":
        refusal = _refusal(case, spec)
        if refusal:
            return render_template("errors/error.html", status=403,
                                   title=_("Not possible now"), message=refusal,
                                   back=url_for(".detail", case_id=case.id)), 403
        form.version.data = str(case.version)
        if "documents" in form:    # checklist items with an uploaded file are present already
            uploaded = documents_present(case.id)
            form.documents.data = [d for d in DOCUMENTS if d in uploaded]
        return _render_trigger(case, spec, form)
    if not form.validate_on_submit():
        return _render_trigger(case, spec, form, status=422)
    try:
        outcome, result = request_transition(
            case, current_user, trigger=spec.name, version=form.version.data,
            data=trigger_data(form, spec), comment=form.comment.data or "")
        commit()
    except DomainError as exc:
        db.session.rollback()
        error, stale = refuse(form, exc), exc.code == "stale_version"
        return _render_trigger(case, spec, form, error=None if stale else error, stale=stale,
                               status=exc.status)
    if outcome == "approval":
        where = route(result)
        flash(where.message(result), "warning" if where.escalated or where.nobody else "info")
    else:
        flash(_("Done: %(action)s. The case is now “%(state)s”.", action=_(spec.label),
                state=state_label(case.state, case.kind)), "success")
    return redirect(url_for(".detail", case_id=case.id))


# --- reassigning and editing ---------------------------------------------------------------------

def _organiser_choices(case: Case) -> list:
    ancestor_ids = [int(part) for part in case.unit.path.strip("/").split("/") if part]
    people = db.session.scalars(
        sa.select(User).where(User.active, User.role.in_(authz.CASE_WORKERS),
                              User.unit_id.in_(ancestor_ids)).order_by(User.name))
    return choices((u.email, f"{u.name} — {role_label(u.role)}, {u.unit.code} ({u.email})")
                   for u in people)


@bp.route("/cases/<int:case_id>/reassign", methods=["GET", "POST"])
@login_required
def reassign_case(case_id: int):
    case = _visible_case(case_id)
    reason = authz.why_not(current_user, "case.reassign", case)
    if reason:
        abort(403, _("Only a supervisor reassigns cases."))
    form = ReassignForm()
    form.organiser.choices = _organiser_choices(case)
    if request.method == "GET":
        form.version.data = str(case.version)
        form.organiser.data = case.organiser.email if case.organiser else None
        return render_template("cases/reassign.html", case=case, form=form, error=None,
                               stale=False)
    if form.validate_on_submit():
        try:
            reassign(case, current_user, organiser=form.organiser.data,
                     version=form.version.data, comment=form.comment.data or "")
            commit()
        except DomainError as exc:
            db.session.rollback()
            error, stale = refuse(form, exc), exc.code == "stale_version"
            return render_template("cases/reassign.html", case=case, form=form,
                                   error=None if stale else error, stale=stale), exc.status
        flash(_("Case reassigned to %(name)s.", name=case.organiser.name), "success")
        return redirect(url_for(".detail", case_id=case.id))
    return render_template("cases/reassign.html", case=case, form=form, error=None,
                           stale=False), 422


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = _visible_case(case_id)
    if not authz.can(current_user, "case.edit", case):
        abort(403, _("Only organisers and supervisors work on cases."))
    form = EditCaseForm()
    if request.method == "GET":
        form.version.data = str(case.version)
        form.target_members.data = case.target_members
        return render_template("cases/edit.html", case=case, form=form, error=None, stale=False)
    if form.validate_on_submit():
        try:
            edit_case(case, current_user, version=form.version.data,
                      target_members=form.target_members.data)
            commit()
        except DomainError as exc:
            db.session.rollback()
            error, stale = refuse(form, exc), exc.code == "stale_version"
            return render_template("cases/edit.html", case=case, form=form,
                                   error=None if stale else error, stale=stale), exc.status
        flash(_("Case saved."), "success")
        return redirect(url_for(".detail", case_id=case.id))
    return render_template("cases/edit.html", case=case, form=form, error=None, stale=False), 422
