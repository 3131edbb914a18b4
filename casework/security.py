"""What production requires of the app, and the HTTP headers every response carries."""
from __future__ import annotations

from flask import Flask

from casework.config import DEVELOPMENT_SECRET_KEY
from casework.extensions import limiter, talisman

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


def init_security(app: Flask) -> None:
    production = not is_development(app)
    if production and app.config["SECRET_KEY"] in (None, "", DEVELOPMENT_SECRET_KEY):
        raise InsecureConfiguration(
            "SECRET_KEY must be set to a long random value outside development "
            "(for development set CASEWORK_ENV=development, as `make run` does).")
    if production:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the reverse proxy, which redirects plain HTTP
        strict_transport_security=production,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
    )
    limiter.init_app(app)
