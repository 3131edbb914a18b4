"""URL converters shared by every blueprint, and absolute links for emails."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

from casework.services import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:case_id>` in this app: a row id. A number past what an id column holds (MAX_ID) is
    no row: it becomes 0, which no row has, so the route answers 404 rather than the database
    driver failing on it (and rather than the 405 werkzeug gives when a converter refuses)."""

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # also spares int() a 5,000-digit string
            return 0
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


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
