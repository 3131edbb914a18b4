"""Operations on the domain. They flush, never commit: the caller commits once."""


class DomainError(Exception):
    """A refusal with a machine-readable code, a message for people and an HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
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
