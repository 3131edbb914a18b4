"""Security headers, the login rate limit, and what production refuses to start without."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from casework import create_app
from casework.extensions import db
from casework.i18n import CataloguesNotCompiled
from casework.security import InsecureConfiguration
from conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parent.parent / "casework" / "translations"


def _csp(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_carries_the_security_headers(client):
    response = client.get("/login")
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]          # no inline scripts
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_responses_carry_them_too(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def limited_app(app):
    """An app of its own with the limiter on (the suite's app has it off)."""
    limited = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "DEFAULT_LANGUAGE": "en", "RATELIMIT_ENABLED": True,
                          "LOGIN_RATE_LIMIT": "3 per minute"})
    with limited.app_context():
        yield limited
        db.session.remove()
        db.engine.dispose()


def test_login_attempts_are_limited_with_a_clear_message(limited_app, make_user):
    user = make_user("organiser", "LDLD-79")
    client = limited_app.test_client()
    for _ in range(3):
        wrong = client.post("/login", data={"email": user.email, "password": "not-it-at-all"})
        assert wrong.status_code == 200 and b"Wrong email or password" in wrong.data

    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert refused.status_code == 429
    assert b"Too many login attempts" in refused.data
    assert refused.headers.get("Retry-After")
    # reading the page is not limited, only trying passwords
    assert client.get("/login").status_code == 200


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app({"ENVIRONMENT": "production", "SECRET_KEY": "dev-only-not-secret",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookies_are_secure_and_http_only():
    production = create_app({"ENVIRONMENT": "production", "SECRET_KEY": "x" * 40,
                             "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = production.test_client().get("/login", base_url="https://casework.example")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_production_refuses_to_start_without_the_compiled_vietnamese_catalogue(tmp_path):
    # a deployment that skipped `pybabel compile`: the .po is there, the .mo is not
    catalogue = tmp_path / "vi" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    shutil.copy(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", catalogue)
    settings = {"ENVIRONMENT": "production", "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)}
    with pytest.raises(CataloguesNotCompiled) as refused:
        create_app(settings)
    assert "make translations" in str(refused.value)
    assert "pybabel compile -d casework/translations" in str(refused.value)
    assert str(catalogue / "messages.mo") in str(refused.value)

    with open(catalogue / "messages.po", "rb") as po, open(catalogue / "messages.mo", "wb") as mo:
        write_mo(mo, read_po(po))
    page = create_app(settings).test_client().get("/login", base_url="https://casework.example")
    assert '<html lang="vi"' in page.get_data(as_text=True)
    assert "Đăng nhập" in page.get_data(as_text=True)
