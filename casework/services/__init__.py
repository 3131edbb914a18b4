"""Operations on the domain. They flush, never commit: the caller commits once.

Refusals are written for people, in their language: every message goes through `_` (gettext
with named placeholders) when it is raised, and a label interpolated into it (a field, a
trigger, a state) is translated too.
"""
from __future__ import annotations

from flask_babel import format_decimal, format_number, gettext


MAX_ID = 2**31 - 1  # the largest id an id column holds (INTEGER on PostgreSQL)


def _(message: str, **variables) -> str:
    """gettext for the domain layer: `_("... %(name)s ...", name=value)`, in the request's
    language, or the default language outside a request (casework.i18n.select_locale)."""
    return gettext(message, **variables)


def number(value: int) -> str:
    """A number written as the reader's language writes it (100,000 or 100.000)."""
    return format_number(value)


def kilobytes(size: int) -> str:
    """A size in KB, one decimal, as the reader's language writes it (0,2 or 0.2)."""
    return format_decimal(size / 1024, "#,##0.#")


def megabytes(size: int) -> str:
    """A size in MB (a limit: 20, or 0,5), as the reader's language writes it."""
    return format_decimal(size / (1024 * 1024), "#,##0.##")


class DomainError(Exception):
    """A refusal with a machine-readable code, a message for people and an HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 status: int | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}   # codes for API clients (the message names labels)
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(DomainError):
    code, status = "not_found", 404


class Forbidden(DomainError):
    code, status = "forbidden", 403


class Invalid(DomainError):
    """Bad or missing input."""
    code, status = "invalid", 422


class Conflict(DomainError):
    code, status = "conflict", 409
