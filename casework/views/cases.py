"""Case pages: the list, the case itself, its steps, its dossier's files and its triggers; the
case record's own forms (a new case, reassigning, editing) are casework.views.case_forms'.

Thin: parse a form, call a service, commit once, render. Refusals come back as DomainError and are
shown next to the field they name, with everything the user typed kept.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from casework import authz
from casework.extensions import csrf, db
from casework.routing import page_number
from casework.forms.attachments import AttachmentForm
from casework.forms.cases import StepForm
from casework.forms.transitions import (WithdrawForm, decision_form, explain_dates,
                                        offer_decision_number,
                                        submit_label, trigger_data, trigger_form_class)
from casework.models import Case, User
from casework.errors import DomainError
from casework.i18n import megabytes
from casework.schemas.base import load
from casework.schemas.steps import StepInput
from casework.services.attachments import (attachments_of, documents_present, open_attachment,
                                           store_attachment)
from casework.services.history import approvals_of, history_of, steps_of
from casework.workflow.definition import PERSONAL_FIELDS
from casework.services.visit_lists import visits_of_case
from casework.services.queries import CaseFilters, case_count, case_list_query
from casework.services.steps import log_step
from casework.services.approvals import route
from casework.services.transitions import (approval_pending, find_trigger,
                                           offered_triggers, request_transition)
from casework.transaction import commit
from casework.views import case_forms, home_url
from casework.views.filters import state_label
from casework.views.form_errors import refuse
from casework.views.pickers import province_choices, unit_choice_label, units_in_scope
from casework.workflow.definition import (ALL_STATES, DOCUMENT_LABELS, DOCUMENTS, KINDS,
                                          STATE_LABELS, Trigger)

bp = Blueprint("cases", __name__)


def _visible_case(case_id: int) -> Case:
    return authz.require_case_visible(current_user, db.session.get(Case, case_id))


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
    states = [(name, STATE_LABELS[name]) for name in ALL_STATES]
    return render_template(
        "cases/list.html", pagination=pagination, cases=pagination.items, filters=filters,
        more_than=at_most if at_most is not None and pagination.total > at_most else None,
        filter_args=filters.as_args(), states=states, kinds=KINDS, units=units,
        provinces=province_choices(), organisers=organisers,
        unit_choice_label=unit_choice_label)


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
        dossier_documents=[(d, _(DOCUMENT_LABELS[d])) for d in DOCUMENTS],
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
        step = load(StepInput, {"kind": form.kind.data, "date": form.date.data,
                                "note": form.note.data or "",
                                "applications_vietnamese": form.applications_vietnamese.data,
                                "applications_foreign": form.applications_foreign.data})
        log_step(case, current_user, date_=step.pop("date"), **step)
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
        offer_decision_number(form, current_user)
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


# --- the case record's own forms (casework.views.case_forms), under this blueprint's names -------

bp.add_url_rule("/cases/new", "new", case_forms.new, methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/reassign", "reassign_case", case_forms.reassign_case,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/edit", "edit", case_forms.edit, methods=["GET", "POST"])
