"""Refusals with a machine-readable code, a message for people and an HTTP status.

The ground floor: every layer raises these, the API and the pages turn them into answers.
Messages are written for people, in their language: every message goes through
`casework.i18n._` when it is raised, and a label interpolated into it is translated too.
"""
from __future__ import annotations


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
