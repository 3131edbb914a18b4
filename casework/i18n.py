"""Language: Vietnamese by default, English on request (a cookie set from the menu)."""
from flask import current_app, request

LANGUAGES = ("vi", "en")


def select_locale() -> str:
    chosen = request.cookies.get("lang")
    return chosen if chosen in LANGUAGES else current_app.config["DEFAULT_LANGUAGE"]
