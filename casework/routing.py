"""What every route shares: the id converter, the query-string check, page numbers, and
absolute links for emails."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

from casework.errors import Invalid

from casework.i18n import _

from casework.schemas.limits import IDS, PAGES
from casework.text import has_control_character


class IdConverter(IntegerConverter):
    """`<int:case_id>` in this app: a row id. A number past what an id column holds (IDS) is
    no row: it becomes 0, which no row has, so the route answers 404 rather than the database
    driver failing on it (and rather than the 405 werkzeug gives when a converter refuses)."""

    def to_python(self, value: str) -> int:
        if len(value) > len(str(IDS.most)):  # also spares int() a 5,000-digit string
            return 0
        number = super().to_python(value)
        return number if number <= IDS.most else 0


def external_url(endpoint: str, **values) -> str | None:
    """The absolute address of a page under BASE_URL, for an email; None when BASE_URL is
    not set. Never from the request's Host header, which the client chooses."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return None
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def refuse_control_characters():
    """No query parameter of any page or API operation holds a control character (a search,
    a code, an email, a number): refuse it here, once, before a view passes it to the
    database (PostgreSQL cannot take NUL): 400 on a page, 422 naming the parameter on the API."""
    for name, value in request.args.items(multi=True):
        if has_control_character(name) or has_control_character(value):
            message = _("The query string must not contain control characters")
            if wants_json():
                raise Invalid(message, field=None if has_control_character(name) else name)
            abort(400, description=message)


def page_number(name: str = "page", default: int = 1, maximum: int = PAGES.most) -> int | None:
    """?page= (or ?per_page=) as a number from 1 (PAGES) to `maximum`: `default` when absent, None
    when it is no such number (a number past any table would overflow the database's
    OFFSET). Pages show their first page instead; the API refuses it."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    # ASCII digits only ("²".isdigit() is true but int("²") fails), and few of them
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))):
        return None
    return int(raw) if PAGES.least <= int(raw) <= maximum else None


def init_routing(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any rule is added: every id route
    app.before_request(refuse_control_characters)
