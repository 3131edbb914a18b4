"""What production requires of the app, and the HTTP headers every response carries."""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

from casework.config import DEVELOPMENT_SECRET_KEY
from casework.i18n import require_compiled_catalogue

# scripts only from the app itself, never inline; inline style attributes are allowed (the
# server-drawn charts and indentation use them), no frames, no plugins
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class InsecureConfiguration(RuntimeError):
    pass


def is_development(app: Flask) -> bool:
    return app.debug or app.testing or app.config["ENVIRONMENT"] == "development"


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def init_security(app: Flask) -> None:
    """Call after the blueprints are registered. Talisman and the limiter keep their settings
    on their instance, so each app gets instances of its own (tests build several apps)."""
    production = not is_development(app)
    if production and app.config["SECRET_KEY"] in (None, "", DEVELOPMENT_SECRET_KEY):
        raise InsecureConfiguration(
            "SECRET_KEY must be set to a long random value outside development "
            "(for development set CASEWORK_ENV=development, as `make run` does).")
    if production:
        require_compiled_catalogue(app)
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy, which redirects plain HTTP
        strict_transport_security=production,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
    )
    # only trying passwords is limited, not reading pages
    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    app.extensions["casework_limiter"] = limiter
    app.view_functions["auth.login"] = limiter.limit(
        _login_rate_limit, methods=["POST"])(app.view_functions["auth.login"])
