"""Language: Vietnamese by default, English on request, remembered per user."""
from flask import current_app, has_request_context, request
from flask_login import current_user

LANGUAGES = ("vi", "en")


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
