"""Language: Vietnamese by default, English on request, remembered per user."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_decimal, format_number, gettext
from flask_login import current_user

LANGUAGES = ("vi", "en")
COMPILE_COMMAND = "make translations (or .venv/bin/pybabel compile -d casework/translations)"


class CataloguesNotCompiled(RuntimeError):
    pass


def require_compiled_catalogue(app: Flask, language: str = "vi") -> None:
    """Refuse to run without the compiled catalogue (.mo, build output, not committed): Flask-Babel
    would fall back to the English message ids and every page would say lang="vi" in English."""
    babel = app.extensions["babel"]
    candidates = [Path(directory) / language / "LC_MESSAGES" / f"{babel.default_domain}.mo"
                  for directory in babel.translation_directories]
    if not any(path.is_file() for path in candidates):
        raise CataloguesNotCompiled(
            f"The {language} catalogue is not compiled ({', '.join(map(str, candidates))} is "
            f"missing): pages would be in English. Run {COMPILE_COMMAND}, then start again.")


def select_locale() -> str:
    """In a request: the browser's choice (a cookie), else the user's saved one, else the
    default; outside a request (CLI, jobs): the default."""
    if has_request_context():
        chosen = request.cookies.get("lang")
        if chosen in LANGUAGES:
            return chosen
        saved = getattr(current_user, "language", None) if current_user else None
        if saved in LANGUAGES:
            return saved
    return current_app.config["DEFAULT_LANGUAGE"]


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
