"""Administration: users (create, edit, revoke API tokens) and the organisation tree."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from casework import authz
from casework.extensions import db
from casework.forms.cases import choices
from casework.forms.admin import (UNIT_TYPE_LABELS, RevokeTokensForm, UnitForm, UserCreateForm,
                                  UserEditForm)
from casework.models import ApiToken, OrgUnit, User
from casework.errors import DomainError
from casework.services.units import create_unit, update_unit
from casework.services.users import create_user, revoke_tokens, set_password, update_user
from casework.transaction import commit
from casework.views.form_errors import attach_error
from casework.views.pickers import province_choices, sort_units, unit_choice_label

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    if not authz.can(current_user, "admin"):
        abort(403, _("Only an administrator may do this."))


# An administrator manages the users and units of their own unit's subtree (the VGCL's
# administrators, everything); anything else does not exist for them (404).

def _all_units() -> list[OrgUnit]:
    return list(db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.path.startswith(current_user.unit.path))
        .order_by(OrgUnit.path)))


def _unit_in_scope(unit_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not authz.unit_in_scope(current_user, unit):
        abort(404)
    return unit


def _user_in_scope(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not authz.unit_in_scope(current_user, user.unit):
        abort(404)
    return user


def _require_unit_in_scope(code, field: str) -> None:
    """A user or unit may be placed only inside the administrator's own subtree."""
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) if code else None
    if unit is not None and not authz.unit_in_scope(current_user, unit):
        raise DomainError(_("That unit is outside your own unit's subtree."), field=field,
                          code="forbidden", status=403)


def _unit_choices(blank: str | None = None, exclude: OrgUnit | None = None):
    units = _all_units()
    if exclude is not None:  # a unit cannot move under itself or its own sub-units
        units = [u for u in units if not u.path.startswith(exclude.path)]
        if exclude.parent is not None and exclude.parent not in units:
            units.insert(0, exclude.parent)  # keeping its place is always possible
    root_admin = current_user.unit.parent is None
    options = [("", blank)] if blank is not None and root_admin else []
    return choices(options + [(u.code, unit_choice_label(u)) for u in sort_units(units)])


def _fail(form, exc: DomainError, errors: list[str]) -> int:
    db.session.rollback()
    if not attach_error(form, exc):
        errors.append(exc.message)
    return exc.status


# --- users ---------------------------------------------------------------------------------------

@bp.get("/users")
def users():
    people = list(db.session.scalars(
        sa.select(User).where(User.unit_id.in_(authz.scope_unit_ids(current_user)))
        .order_by(User.name)))
    live_tokens = dict(db.session.execute(
        sa.select(ApiToken.user_id, sa.func.count(ApiToken.id))
        .where(ApiToken.revoked_at.is_(None)).group_by(ApiToken.user_id)).all())
    return render_template("admin/users.html", users=people, live_tokens=live_tokens)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserCreateForm()
    form.unit.choices = _unit_choices()
    errors: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            _require_unit_in_scope(form.unit.data, "unit")
            user = create_user(email=form.email.data, name=form.name.data, role=form.role.data,
                               unit_code=form.unit.data, password=form.password.data)
            commit()
        except DomainError as exc:
            status = _fail(form, exc, errors)
        else:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/user_form.html", form=form, user=None, errors=errors,
                           revoke_form=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _user_in_scope(user_id)
    form = UserEditForm(obj=None if request.method == "POST" else user)
    form.unit.choices = _unit_choices()
    if request.method == "GET":
        form.unit.data = user.unit.code
    errors: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
                raise DomainError(_("You cannot take away your own administrator access."),
                                  field="role", status=422)
            _require_unit_in_scope(form.unit.data, "unit")
            update_user(user, name=form.name.data, role=form.role.data,
                        unit_code=form.unit.data, active=form.active.data)
            if form.password.data:
                set_password(user, form.password.data)
            commit()
            if form.password.data and user.id == current_user.id:
                login_user(user)   # a new password ends the other sessions, not this one
        except DomainError as exc:
            status = _fail(form, exc, errors)
        else:
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/user_form.html", form=form, user=user, errors=errors,
                           revoke_form=RevokeTokensForm(formdata=None)), status


@bp.post("/users/<int:user_id>/revoke-tokens")
def revoke_user_tokens(user_id: int):
    user = _user_in_scope(user_id)
    form = RevokeTokensForm()
    if not form.validate_on_submit():
        abort(400)
    count = revoke_tokens(user)
    commit()
    flash(_("%(count)s API token(s) of %(email)s revoked.", count=count, email=user.email),
          "success")
    return redirect(url_for(".edit_user", user_id=user.id))


# --- units ---------------------------------------------------------------------------------------

@bp.get("/units")
def units():
    return render_template("admin/units.html", units=_all_units())


def _unit_form_choices(form: UnitForm, unit: OrgUnit | None = None) -> None:
    form.parent.choices = _unit_choices(blank=_("(none: the root of the tree)"), exclude=unit)
    form.province.choices = province_choices(blank=_("(none)"))
    # the types this administrator may give, and the unit's own (kept as it is)
    types = authz.assignable_unit_types(current_user)
    if unit is not None and unit.type not in types:
        types.insert(0, unit.type)
    form.type.choices = choices((t, UNIT_TYPE_LABELS[t]) for t in types)


def _require_type_given(type_, unit: OrgUnit | None = None) -> None:
    if unit is None or type_ != unit.type:
        authz.require(current_user, "unit.give_type", type_)


@bp.route("/units/new", methods=["GET", "POST"])
def new_unit():
    form = UnitForm()
    _unit_form_choices(form)
    errors: list[str] = []
    status = 200
    if request.method == "GET" and request.args.get("parent"):
        form.parent.data = request.args["parent"]
    if form.validate_on_submit():
        try:
            _require_unit_in_scope(form.parent.data, "parent")
            _require_type_given(form.type.data)
            unit = create_unit(code=form.code.data, name=form.name.data, type_=form.type.data,
                               parent_code=form.parent.data, province_code=form.province.data)
            commit()
        except DomainError as exc:
            status = _fail(form, exc, errors)
        else:
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect(url_for(".units"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/unit_form.html", form=form, unit=None, errors=errors), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = _unit_in_scope(unit_id)
    form = UnitForm(obj=None if request.method == "POST" else unit)
    _unit_form_choices(form, unit)
    if request.method == "GET":
        form.parent.data = unit.parent.code if unit.parent else ""
        form.province.data = unit.province.code if unit.province else ""
    errors: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            if form.parent.data != (unit.parent.code if unit.parent else ""):
                _require_unit_in_scope(form.parent.data, "parent")
            _require_type_given(form.type.data, unit)
            update_unit(unit, code=form.code.data, name=form.name.data, type_=form.type.data,
                        parent_code=form.parent.data, province_code=form.province.data)
            commit()
        except DomainError as exc:
            status = _fail(form, exc, errors)
        else:
            flash(_("Unit %(code)s saved.", code=unit.code), "success")
            return redirect(url_for(".units"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/unit_form.html", form=form, unit=unit, errors=errors), status
