"""The query parameters every list shares: filters given empty are absent, and page numbers."""
from __future__ import annotations

from marshmallow import fields, pre_load

from casework.schemas.base import N_, Schema
from casework.schemas.fields import WholeNumber
from casework.schemas.limits import FILTER_LENGTH, PAGE, PER_PAGE


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


def page_field(name: str, maximum: int, default: int):
    return WholeNumber(minimum=1, maximum=maximum, empty=default, code="bad_request",
                       status=400, metadata={"default": default}, said={"name": name},
                       message=N_("%(name)s must be a whole number from 1 to %(maximum)d"))


class Paged(Query):
    """?page= and ?per_page= (casework.api.paginated reads them)."""

    page = page_field("page", PAGE, 1)
    per_page = page_field("per_page", PER_PAGE, 25)


def without_paging(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in ("page", "per_page") and v is not None}
