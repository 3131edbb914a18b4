"""HTML blueprints: thin — parse, call a service, commit once, render."""

from flask import url_for


def home_url(user) -> str:
    """Where a person lands (after logging in, and on `/`): a leader reads the pipeline, the
    others work from the case list."""
    if getattr(user, "role", None) == "leader":
        return url_for("leadership.pipeline_page")
    return url_for("cases.index")
