"""The public application page, `/apply/<token>`: no login, Vietnamese first, no script, small.

The employer must learn nothing from it: the page names the receiving union and how to reach
it, never the enterprise, the case's state or who or how many applied. A closed, expired,
replaced or unknown token answers the one `unknown` page (same status, same bytes). The answer
to a post is a reference number and nothing else. Nothing of an application goes into a URL
(the form posts to its own address), a log line or an email subject.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from casework.extensions import csrf, db
from casework.models.application import GENDERS
from casework.schemas.applications import OnlineApplicationInput, field_errors
from casework.services.application_links import apply_online, cap_reached, open_link_for
from casework.services.applications import new_reference
from casework.transaction import commit

bp = Blueprint("apply", __name__, url_prefix="/apply")

# the fields the page takes (the register's, less what the organiser decides)
FIELDS = ("full_name", "birth_date", "gender", "nationality", "contract_12_months", "job",
          "phone", "consent")
HONEYPOT = "website"  # hidden from people; a robot filling every input fills it too


def _unknown():
    """The one answer for every token that does not take applications."""
    return render_template("apply/unknown.html"), 404


def _form_data() -> dict:
    form = request.form
    data = {name: form.get(name, "") for name in FIELDS}
    data["consent"] = form.get("consent") == "yes"
    data["contract_12_months"] = {"yes": True, "no": False}.get(form.get("contract_12_months"),
                                                                "")
    return data


def _typed() -> dict:
    return {name: request.form.get(name, "") for name in FIELDS if name != "consent"}


def _errors_of(data: dict) -> tuple[dict | None, dict[str, str]]:
    values, errors = field_errors(OnlineApplicationInput, data)
    return values, {(name if name in FIELDS else "full_name"): message
                    for name, message in errors.items()}


def _page(link, *, typed=None, errors=None, status=200):
    return render_template("apply/form.html", link=link, typed=typed or {},
                           errors=errors or {}, genders=GENDERS), status


@bp.get("/<token>")
def form(token: str):
    link = open_link_for(token)
    if link is None:
        return _unknown()
    return _page(link)


@bp.post("/<token>")
@csrf.exempt  # checked below, once the token is known to take applications: a closed or
#               unknown token answers the one `unknown` page, whatever else was posted
def submit(token: str):
    link = open_link_for(token)
    if link is None:
        return _unknown()
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _page(link, typed=_typed(), errors={"_page": "expired"}, status=400)
    if request.form.get(HONEYPOT):
        # a robot: it is told what a person is told, and nothing is written
        return render_template("apply/done.html", reference=new_reference())
    typed = _typed()
    values, errors = _errors_of(_form_data())
    if errors:
        db.session.rollback()
        return _page(link, typed=typed, errors=errors, status=422)
    if cap_reached(link):
        return _page(link, typed=typed, errors={"_page": "cap"}, status=429)
    values.pop("consent", None)
    application = apply_online(link, values)
    reference = application.reference
    commit()  # the organiser's notification queues its email on the commit
    return render_template("apply/done.html", reference=reference)


def init_rate_limits(app) -> None:
    """Posting is limited per address and per link (shared through Redis when REDIS_URL is
    set, as the login's limits are); reading the page is not."""
    limiter = app.extensions["casework_limiter"]
    view = app.view_functions["apply.submit"]
    view = limiter.limit(lambda: current_app.config["APPLY_LINK_RATE_LIMIT"],
                         key_func=lambda: "apply-link " + (request.view_args or {}).get(
                             "token", "")[:64], scope="apply-link")(view)
    view = limiter.limit(lambda: current_app.config["APPLY_ADDRESS_RATE_LIMIT"],
                         scope="apply-address")(view)
    app.view_functions["apply.submit"] = view
