"""Working lists on the pages: saved from the case list, renamed, deleted, and shown with their
live counts in the navigation."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from casework.errors import DomainError
from casework.extensions import db
from casework.i18n import _
from casework.schemas.base import load
from casework.schemas.limits import LIST_COUNT_SHOWN, LIST_NAME_LENGTH, NO_STEP_DAYS
from casework.schemas.lists import ListInput, RenameInput
from casework.services.lists import delete_list, find_list, lists_for, rename_list, save_list
from casework.services.queries import FILTERS
from casework.transaction import commit

bp = Blueprint("lists", __name__, url_prefix="/lists")


def list_url(item) -> str:
    """The case list filtered as `item` keeps it, saying which list it is."""
    return url_for("cases.index") + "?" + urlencode({**item.filters, "list": item.id})


@bp.app_context_processor
def working_lists_context() -> dict:
    if not current_user.is_authenticated:
        return {}

    def working_lists():
        """Called by the navigation: counted once per request, whoever asks."""
        return lists_for(current_user, counted=True, at_most=LIST_COUNT_SHOWN)

    def current_working_list():
        list_id = request.args.get("list")
        if not list_id or request.endpoint != "cases.index":
            return None
        try:
            return find_list(current_user, list_id)
        except DomainError:
            return None

    return {"working_lists": working_lists, "current_working_list": current_working_list,
            "working_list_url": list_url, "list_name_length": LIST_NAME_LENGTH,
            "list_count_shown": LIST_COUNT_SHOWN,
            "no_step_days_range": NO_STEP_DAYS}


def _back(list_id: str | None = None, filters: dict | None = None):
    args = dict(filters or {})
    if list_id:
        args["list"] = list_id
    return redirect(url_for("cases.index", **args))


@bp.get("/<list_id>")
@login_required
def open_list(list_id: str):
    try:
        item = find_list(current_user, list_id)
    except DomainError:
        abort(404)
    return redirect(list_url(item))


@bp.post("")
@login_required
def save():
    filters = {name: request.form.get(name, "") for name in FILTERS}
    try:
        values = load(ListInput, {"name": request.form.get("list_name", ""),
                                  "shared": request.form.get("shared") == "1",
                                  "filters": {k: v for k, v in filters.items() if v}})
        item = save_list(current_user, name=values["name"], filters=values["filters"],
                         shared=values["shared"])
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(filters={k: v for k, v in filters.items() if v})
    flash(_("List “%(name)s” saved.", name=item.name), "success")
    return redirect(list_url(item))


@bp.post("/<list_id>/rename")
@login_required
def rename(list_id: str):
    try:
        values = load(RenameInput, {"name": request.form.get("list_name", "")})
        item = rename_list(current_user, list_id, name=values["name"])
        commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(404)
        flash(exc.message, "danger")
        return redirect(url_for(".open_list", list_id=list_id))
    flash(_("List renamed to “%(name)s”.", name=item.name), "success")
    return redirect(list_url(item))


@bp.post("/<list_id>/delete")
@login_required
def delete(list_id: str):
    try:
        delete_list(current_user, list_id)
        commit()
    except DomainError:
        db.session.rollback()
        abort(404)
    flash(_("List deleted."), "success")
    return redirect(url_for("cases.index"))
