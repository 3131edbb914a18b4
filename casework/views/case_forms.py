"""The case record's own forms: a new case, reassigning its organiser, editing its target.

The routes are the cases blueprint's (casework.views.cases adds them under their endpoint names:
cases.new, cases.reassign_case, cases.edit). Thin, as every view: parse, call a service, commit,
render; a refusal is shown next to the field it names, with what the user typed kept.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from casework import authz
from casework.errors import DomainError
from casework.extensions import db
from casework.forms.cases import CaseForm, EditCaseForm, ReassignForm, choices
from casework.models import Case, OrgUnit, User
from casework.schemas.base import load
from casework.schemas.limits import ENTERPRISES_PER_CASE
from casework.schemas.cases import CaseInput
from casework.services.cases import create_case, edit_case, reassign
from casework.transaction import commit
from casework.views.filters import role_label
from casework.views.form_errors import refuse
from casework.views.pickers import province_choices, unit_choice_label, units_in_scope


def _case_form_choices(form: CaseForm) -> None:
    form.unit.choices = choices((u.code, unit_choice_label(u))
                                for u in units_in_scope(current_user))
    provinces = province_choices(blank=_("Choose a province"))
    for entry in form.enterprises.entries:
        entry.form.province.choices = provinces


def _require_unit(code) -> None:
    """Forbidden when the user may not create a case under the unit of that code (an unknown
    code is left to create_case, which says so on the field)."""
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) \
        if isinstance(code, str) else None
    if unit is not None:
        authz.require(current_user, "case.create", unit)


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
        try:  # the form's values go through the API's schema: one set of rules
            # the unit is checked before the duplicates are shown: someone who may not create
            # the case there is refused, not shown that unit's cases
            _require_unit(form.unit.data)
            if request.form.get("duplicates_seen") != "1":   # possible duplicates: shown first
                from casework.views.duplicates import possible_duplicates
                duplicates = possible_duplicates(enterprises)
                if duplicates:
                    # 409, as for a second active case: not saved, the form asks to confirm
                    return render_template("cases/new.html", form=form,
                                           duplicates=duplicates), 409
            case = create_case(current_user, **load(CaseInput, {
                "kind": form.kind.data, "unit": form.unit.data,
                "organiser": (form.organiser.data or "").strip() or None,
                "target_members": form.target_members.data, "enterprises": enterprises}))
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



# --- reassigning and editing ---------------------------------------------------------------------

def _organiser_choices(case: Case) -> list:
    ancestor_ids = [int(part) for part in case.unit.path.strip("/").split("/") if part]
    people = db.session.scalars(
        sa.select(User).where(User.active, User.role.in_(authz.CASE_WORKERS),
                              User.unit_id.in_(ancestor_ids)).order_by(User.name))
    return choices((u.email, f"{u.name} — {role_label(u.role)}, {u.unit.code} ({u.email})")
                   for u in people)


@login_required
def reassign_case(case_id: int):
    case = authz.require_case_visible(current_user, db.session.get(Case, case_id))
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


@login_required
def edit(case_id: int):
    case = authz.require_case_visible(current_user, db.session.get(Case, case_id))
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
                      **load(CaseInput, {"target_members": form.target_members.data},
                             partial=True))
            commit()
        except DomainError as exc:
            db.session.rollback()
            error, stale = refuse(form, exc), exc.code == "stale_version"
            return render_template("cases/edit.html", case=case, form=form,
                                   error=None if stale else error, stale=stale), exc.status
        flash(_("Case saved."), "success")
        return redirect(url_for(".detail", case_id=case.id))
    return render_template("cases/edit.html", case=case, form=form, error=None, stale=False), 422
