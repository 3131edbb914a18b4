"""The query parameters every list shares: filters given empty are absent, and page numbers."""
from __future__ import annotations

from flask import current_app
from marshmallow import fields, pre_load

from casework.schemas.base import N_, Schema
from casework.schemas.fields import WholeNumber
from casework.schemas.limits import FILTER_LENGTH, PAGES


class Filter(fields.String):
    """A filter of a list: trimmed and cut to FILTER_LENGTH; given empty, it is absent (the
    query string's control characters are refused before: casework.routing)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value.strip()[:FILTER_LENGTH] or None if isinstance(value, str) else None


class Query(Schema):
    """A query string: values trimmed; given empty (`?year=`, as a form sends it), absent."""

    @pre_load
    def _trimmed(self, data, **kwargs):
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
                if not (isinstance(v, str) and not v.strip())}


PAGE_MESSAGE = N_("%(name)s must be a whole number from 1 to %(maximum)d")


def page_field(name: str, maximum: int, default: int):
    return WholeNumber(minimum=PAGES.least, maximum=maximum, empty=default, code="bad_request",
                       status=400, metadata={"default": default}, said={"name": name},
                       message=PAGE_MESSAGE)


class PerPage(WholeNumber):
    """?per_page=: at most the setting API_MAX_PER_PAGE (an operator may change it), read when
    a query is loaded; the OpenAPI document says it (casework.api.openapi)."""

    def __init__(self, default: int):
        super().__init__(minimum=PAGES.least, empty=default, code="bad_request", status=400,
                         metadata={"default": default}, said={"name": "per_page"},
                         message=PAGE_MESSAGE)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        self.maximum = current_app.config["API_MAX_PER_PAGE"]  # a field is made for each load
        return super().deserialize(value, attr, data, **kwargs)


class Paged(Query):
    """?page= and ?per_page= (casework.api.paginated reads them)."""

    page = page_field("page", PAGES.most, 1)
    per_page = PerPage(25)


def without_paging(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in ("page", "per_page") and v is not None}
