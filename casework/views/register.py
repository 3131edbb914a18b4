"""The register page of a case: the applications, adding one, deciding one, the application
link. Organisers and supervisors in scope see and change it (every viewing audited); leaders and
administrators see the counts only; outside the scope the case does not exist (404).

Thin: the form checks the CSRF token, the schema loads the values (the API's), the service
decides; a refusal is shown next to the field it names, with everything typed kept.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework import authz
from casework.errors import DomainError
from casework.extensions import db
from casework.forms.cases import choices
from casework.forms.applications import (CHANNEL_LABELS, DECISION_LABELS, GENDER_LABELS,
                                         STATUS_LABELS, ApplicationForm, ConfirmForm,
                                         DecisionForm, ImportForm, LinkForm)
from casework.models import Case
from casework.models.application import NEXT_STATUSES
from casework.routing import page_number
from casework.schemas.limits import APPLICATION_REASON_LENGTH
from casework.schemas.applications import ApplicationInput, LinkInput, StatusChange, field_errors
from casework.services.application_links import (close_link, current_link, link_url, open_link,
                                                 qr_svg)
from casework.services.applications import (add_application, also_in_open_cases,
                                            change_status, find_application, register_of,
                                            note_viewed, require_register, status_counts)
from casework.transaction import commit

bp = Blueprint("register", __name__)
PER_PAGE = 50  # rows of the register page (the API and the exports give them all)


def _case(case_id: int) -> Case:
    return authz.require_case_visible(current_user, db.session.get(Case, case_id))


def _register_case(case_id: int) -> Case:
    """A case whose register the user works on: 404 outside the scope, 403 for a reader."""
    case = _case(case_id)
    require_register(current_user, case)
    return case


def _put_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None and field.type not in ("HiddenField", "CSRFTokenField"):
            field.errors = list(field.errors or []) + [message]
        else:
            form.form_errors.append(message)


def decision_prefix(application_id: int) -> str:
    """Each row's form has fields of its own (ids unique on the page)."""
    return f"a{application_id}"


def render_register(case: Case, *, add_form=None, decision=None, link_form=None, status=200):
    """The page; `decision`: (application id, its form) when a decision was refused."""
    if not authz.can(current_user, "case.personal_details", case):
        # leaders and administrators: the counts, nothing personal (and no audit: nothing read)
        return render_template("cases/register_counts.html", case=case,
                               counts=status_counts(case.id), labels=STATUS_LABELS), status
    status_filter = request.args.get("status")
    if status_filter not in STATUS_LABELS:
        status_filter = None
    page = page_number() or 1
    offset = (page - 1) * PER_PAGE
    counts = status_counts(case.id)
    shown = counts[status_filter] if status_filter else sum(counts.values())
    # the viewing goes into the history first: the commit then leaves the rows read after it
    # loaded (one query for the page, not one per row)
    note_viewed(case, current_user, status=status_filter, offset=offset,
                rows=max(0, min(PER_PAGE, shown - offset)))
    commit()
    applications = register_of(case, current_user, status=status_filter, limit=PER_PAGE,
                               offset=offset, audit=False)
    elsewhere = also_in_open_cases(case, [a.phone for a in applications if a.phone])
    link = current_link(case)
    # each row's decision is plain HTML (50 WTForms forms cost more than the rest of the
    # page); a refused one comes back with what was typed and the errors by field
    refused_id, refused = decision if decision else (None, None)
    return render_template(
        "cases/register.html", case=case, applications=applications, elsewhere=elsewhere,
        counts=counts, page=page, pages=max(1, -(-shown // PER_PAGE)),
        add_form=add_form or ApplicationForm(formdata=None), next_statuses=NEXT_STATUSES,
        decisions=DECISION_LABELS, refused_id=refused_id, refused=refused,
        link=link, link_url=link_url(link) if link else None,
        link_form=link_form or LinkForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        import_form=ImportForm(formdata=None), status_filter=status_filter,
        reason_length=APPLICATION_REASON_LENGTH,
        labels=STATUS_LABELS, genders=GENDER_LABELS, channels=CHANNEL_LABELS), status


@bp.get("/cases/<int:case_id>/register")
@login_required
def page(case_id: int):
    return render_register(_case(case_id))


@bp.post("/cases/<int:case_id>/register")
@login_required
def add(case_id: int):
    case = _register_case(case_id)
    form = ApplicationForm()
    if not form.validate_on_submit():
        return render_register(case, add_form=form, status=422)
    values, errors = field_errors(ApplicationInput, form.values())
    if errors:
        _put_errors(form, errors)
        return render_register(case, add_form=form, status=422)
    try:
        application = add_application(case, current_user, values)
        reference = application.reference
        flagged = application.duplicate_state == "flagged"
        commit()
    except DomainError as exc:
        db.session.rollback()
        _put_errors(form, {exc.field or "_": exc.message})
        return render_register(case, add_form=form, status=exc.status)
    flash(_("Application %(reference)s added.", reference=reference), "success")
    if flagged:
        flash(_("It may be the same person as an earlier application: decide before verifying "
                "it."), "warning")
    return redirect(url_for(".page", case_id=case.id))


@bp.post("/cases/<int:case_id>/register/<int:application_id>")
@login_required
def decide(case_id: int, application_id: int):
    case = _register_case(case_id)
    application = find_application(case, application_id)
    form = DecisionForm(prefix=decision_prefix(application.id))
    form.status.choices = choices(DECISION_LABELS.items())
    if not form.validate_on_submit():
        return render_register(case, decision=(application.id, form), status=422)
    change, errors = field_errors(StatusChange, form.values())
    if errors:
        _put_errors(form, errors)
        return render_register(case, decision=(application.id, form), status=422)
    try:
        change_status(application, current_user, **change)
        reference = application.reference
        commit()
    except DomainError as exc:
        db.session.rollback()
        _put_errors(form, {exc.field or "_": exc.message})
        return render_register(case, decision=(application_id, form), status=exc.status)
    flash(_("Application %(reference)s: %(status)s.", reference=reference,
            status=STATUS_LABELS[change["status"]]), "success")
    return redirect(url_for(".page", case_id=case.id, _anchor=f"a{application_id}"))


@bp.post("/cases/<int:case_id>/register/link")
@login_required
def open_application_link(case_id: int):
    case = _register_case(case_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return render_register(case, link_form=form, status=422)
    values, errors = field_errors(LinkInput, {"expires_on": form.expires_on.data,
                                              "contact": form.contact.data})
    if errors:
        _put_errors(form, errors)
        return render_register(case, link_form=form, status=422)
    try:
        open_link(case, current_user, **values)
        commit()
    except DomainError as exc:
        db.session.rollback()
        _put_errors(form, {exc.field or "_": exc.message})
        return render_register(case, link_form=form, status=exc.status)
    flash(_("A new application link is open; any earlier link no longer works."), "success")
    return redirect(url_for(".page", case_id=case.id, _anchor="link"))


@bp.post("/cases/<int:case_id>/register/link/close")
@login_required
def close_application_link(case_id: int):
    case = _register_case(case_id)
    if not ConfirmForm().validate_on_submit():
        return render_register(case, status=422)
    close_link(case, current_user)
    commit()
    flash(_("The application link is closed."), "success")
    return redirect(url_for(".page", case_id=case.id, _anchor="link"))


@bp.get("/cases/<int:case_id>/register/link.svg")
@login_required
def link_qr(case_id: int):
    case = _register_case(case_id)
    link = current_link(case)
    if link is None:
        return _("No open application link."), 404
    return qr_svg(link_url(link)), 200, {"Content-Type": "image/svg+xml",
                                         "Cache-Control": "no-store"}
