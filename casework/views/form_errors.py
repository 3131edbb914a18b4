"""Refusals on HTML forms: a DomainError shown next to the field it names, or above the form.

Every page with a form uses these, so what the user typed is kept and the reason sits where the
eye looks for it.
"""
from __future__ import annotations

from casework.errors import DomainError


def add_error(field, message: str) -> None:
    field.errors = list(field.errors or []) + [message]


def attach_error(form, exc: DomainError, *, renames: dict | None = None) -> bool:
    """Put the refusal next to the field it names; False when no such field is on the form."""
    name = (renames or {}).get(exc.field, exc.field)
    if not name:
        return False
    target = form
    try:
        for part in name.split("."):
            if part.isdigit():
                target = target.entries[int(part)].form
            else:
                target = target[part]
    except (KeyError, IndexError, AttributeError, TypeError):
        return False
    if not hasattr(target, "errors") or hasattr(target, "_fields"):
        return False
    if getattr(target, "type", "") in ("HiddenField", "CSRFTokenField"):
        return False  # shown nowhere: the caller shows the refusal above the form instead
    add_error(target, exc.message)
    return True


def refuse(form, exc: DomainError, *, renames: dict | None = None) -> str | None:
    """Put the refusal next to the field it names (None), or else on the form, in the page's
    error summary, and return it for the caller to show by the form too."""
    if attach_error(form, exc, renames=renames):
        return None
    form.form_errors.append(exc.message)
    return exc.message
