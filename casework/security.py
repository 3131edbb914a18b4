"""What production requires of the app, and the HTTP headers every response carries."""
from __future__ import annotations

import logging
import math
import time
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, g, request, session
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


# files that are the same for everyone keep the caching Flask gives them
STATIC_ENDPOINTS = ("static", "bootstrap.static")

log = logging.getLogger(__name__)


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
        require_compiled_catalogue(app)
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    _check_base_url(app.config.get("BASE_URL"))
    if production:
        _warn_what_production_lacks(app)
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
    app.after_request(_no_store_for_signed_in)
    # only trying passwords is limited, not reading pages
    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    app.extensions["casework_limiter"] = limiter
    login = limiter.limit(_login_rate_limit, key_func=_account_and_address, methods=["POST"],
                          scope=LOGIN_ACCOUNT_SCOPE)(app.view_functions["auth.login"])
    app.view_functions["auth.login"] = limiter.limit(
        _login_address_rate_limit, methods=["POST"], scope=LOGIN_ADDRESS_SCOPE)(login)


def _no_store_for_signed_in(response):
    """Whatever answers a signed-in person (a page, a file, an API answer, an error) carries
    personal data: no browser or proxy may keep it, e.g. for the next person at the computer.
    Read from the session cookie and the API's token check, so no query is ever run here."""
    if request.endpoint not in STATIC_ENDPOINTS and (
            g.get("api_user") is not None or "_user_id" in session):
        response.headers["Cache-Control"] = "no-store"
    return response


def _check_base_url(base_url: str | None) -> None:
    """Links in emails are built on BASE_URL: refuse one that cannot make them."""
    if not base_url:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InsecureConfiguration(
            f"BASE_URL must be an http(s) address such as https://casework.example.vn, "
            f"not {base_url!r}.")


def _warn_what_production_lacks(app: Flask) -> None:
    """Said once, when a server starts (not by every `flask` command): what works, but less
    well than it should. A single server without Redis is a supported set-up, so it is not
    refused."""
    if click.get_current_context(silent=True) is not None:
        return
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if app.config.get("RATELIMIT_ENABLED", True) and storage.startswith("memory://"):
        log.warning(
            "REDIS_URL is not set: each gunicorn worker (and each server) counts login "
            "attempts on its own, so LOGIN_RATE_LIMIT (%s) is allowed once per worker. Set "
            "REDIS_URL to share the counts.", app.config["LOGIN_RATE_LIMIT"])
    if not app.config.get("BASE_URL"):
        log.warning("BASE_URL is not set: notification emails carry no link to the case "
                    "(set it to the address people open casework at, e.g. "
                    "https://casework.example.vn).")
