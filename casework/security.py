"""What production requires of the app, and the HTTP headers every response carries."""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

from casework.config import DEVELOPMENT_SECRET_KEY

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


LOGIN_ACCOUNT_SCOPE, LOGIN_ADDRESS_SCOPE = "login-account", "login-address"


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_rate_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _account_and_address() -> str:
    """Whose attempts count together: one account (the email typed, as the login reads it)
    from one address. Colleagues behind an office's address each have their own budget."""
    email = (request.form.get("email") or "").strip().lower()[:200]
    return f"{get_remote_address()} {email}"


def limit_hit() -> tuple[bool, int]:
    """Of the limit this request ran into: whether it is the address's ceiling (not one
    account's budget), and the minutes until it lets the next attempt in (at least 1)."""
    hit = current_app.extensions["casework_limiter"].current_limit
    if hit is None:
        return False, 1
    reset = hit.window[0]          # when the window that was filled ends
    return LOGIN_ADDRESS_SCOPE in hit.key, max(1, math.ceil((reset - time.time()) / 60))


def init_security(app: Flask) -> None:
    """Call after the blueprints are registered. Talisman and the limiter keep their settings
    on their instance, so each app gets instances of its own (tests build several apps)."""
    production = not is_development(app)
    if production and app.config["SECRET_KEY"] in (None, "", DEVELOPMENT_SECRET_KEY):
        raise InsecureConfiguration(
            "SECRET_KEY must be set to a long random value outside development "
            "(for development set CASEWORK_ENV=development, as `make run` does).")
    if production:
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
    login = limiter.limit(_login_rate_limit, key_func=_account_and_address, methods=["POST"],
                          scope=LOGIN_ACCOUNT_SCOPE)(app.view_functions["auth.login"])
    app.view_functions["auth.login"] = limiter.limit(
        _login_address_rate_limit, methods=["POST"], scope=LOGIN_ADDRESS_SCOPE)(login)
