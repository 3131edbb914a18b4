"""Security headers, the login rate limit, and what production refuses to start without."""
from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from casework import create_app
from casework.extensions import db
from casework.i18n import CataloguesNotCompiled
from casework.security import InsecureConfiguration
from tests.helpers import PASSWORD, bearer, new_user
from tests.browser import browser, make_case  # noqa: F401  (fixtures)

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
def limited_app_with(app):
    """limited_app_with(**config): an app of its own with the limiter on (the suite's app has
    it off), its counters in its own memory."""
    made = []

    def make(**config):
        limited = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "DEFAULT_LANGUAGE": "en", "RATELIMIT_ENABLED": True,
                              "LOGIN_RATE_LIMIT": "3 per minute", **config})
        context = limited.app_context()
        context.push()
        made.append(context)
        return limited
    yield make
    for context in reversed(made):
        db.session.remove()
        db.engine.dispose()
        context.pop()


@pytest.fixture
def limited_app(limited_app_with):
    return limited_app_with()


def _try(client, email, password="not-it-at-all"):
    return client.post("/login", data={"email": email, "password": password})


def test_the_hourly_limit_says_how_long_to_wait(limited_app_with):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    client = limited_app_with(LOGIN_RATE_LIMIT="10 per minute;2 per hour").test_client()
    assert [_try(client, user.email).status_code for _ in range(2)] == [200, 200]
    refused = _try(client, user.email, PASSWORD)
    assert refused.status_code == 429
    minutes = re.search(r"Try again in (\d+) minutes\.", refused.get_data(as_text=True))
    assert minutes and int(minutes.group(1)) in (59, 60), refused.get_data(as_text=True)
    assert "Wait a minute" not in refused.get_data(as_text=True)


def test_colleagues_behind_one_address_each_have_their_own_budget(limited_app_with):
    one = new_user("organiser", "LDLD-79", password=PASSWORD)
    other = new_user("organiser", "LDLD-79", password=PASSWORD)
    client = limited_app_with(LOGIN_RATE_LIMIT="2 per minute").test_client()
    assert [_try(client, one.email).status_code for _ in range(3)] == [200, 200, 429]
    assert b"for this account" in _try(client, one.email).data
    assert _try(client, other.email, PASSWORD).status_code == 302   # same address, logs in


def test_an_address_has_a_ceiling_of_its_own(limited_app_with):
    client = limited_app_with(LOGIN_RATE_LIMIT="2 per minute",
                              LOGIN_ADDRESS_RATE_LIMIT="4 per minute").test_client()
    assert [_try(client, f"person{i}@example.vn").status_code for i in range(4)] == [200] * 4
    refused = _try(client, "person5@example.vn")
    assert refused.status_code == 429 and b"from your network" in refused.data


def test_login_attempts_are_limited_with_a_clear_message(limited_app):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
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


# --- nothing a signed-in person sees is kept by a browser or a proxy ---------------------------

def test_every_answer_to_a_signed_in_user_is_no_store(browser, make_case):
    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    case = make_case(user)
    b = browser(user)
    for url in ("/cases", f"/cases/{case.id}", "/approvals", "/leadership/pipeline", "/visits/",
                "/notifications/", "/workflow/", "/admin/users", "/cases/999999",
                "/leadership/exports/cases.csv", "/leadership/exports/cases.xlsx"):
        response = b.get(url)
        assert response.status_code < 500, url
        assert response.headers.get("Cache-Control") == "no-store", (url, response.status_code)
    headers = bearer(user)
    for url in ("/api/v1/cases", f"/api/v1/cases/{case.id}", "/api/v1/pipeline"):
        response = b.client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url


def test_static_files_and_anonymous_pages_keep_their_caching(browser):
    anonymous = browser()
    assert "no-store" not in anonymous.get("/login").headers.get("Cache-Control", "")
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    for url in ("/static/casework.css", "/bootstrap/static/css/bootstrap.min.css"):
        response = b.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url

PRODUCTION = {"ENVIRONMENT": "production", "SECRET_KEY": "x" * 40,
              "SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "https://casework.example"}


def _warnings(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records
                     if r.levelno >= 30 and r.name.startswith("casework"))


def test_production_without_redis_warns_that_each_worker_counts_logins(caplog):
    with caplog.at_level("WARNING"):
        create_app({**PRODUCTION, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"})
    warned = _warnings(caplog)
    assert "REDIS_URL is not set" in warned
    assert "each gunicorn worker" in warned and "login attempts" in warned


def test_production_with_redis_or_development_does_not_warn(caplog):
    with caplog.at_level("WARNING"):
        create_app({**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/13",
                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/13"})
        create_app({**PRODUCTION, "ENVIRONMENT": "development", "BASE_URL": None,
                    "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"})
    assert _warnings(caplog) == ""


def test_production_without_base_url_warns_that_mails_carry_no_link(caplog):
    with caplog.at_level("WARNING"):
        create_app({**PRODUCTION, "BASE_URL": None,
                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/13"})
    assert "BASE_URL is not set" in _warnings(caplog)


@pytest.mark.parametrize("base_url", ["casework.example", "ftp://casework.example",
                                      "https://", "https://casework.example/?q=1"])
def test_a_malformed_base_url_is_refused_at_start(base_url):
    with pytest.raises(InsecureConfiguration, match="BASE_URL"):
        create_app({**PRODUCTION, "BASE_URL": base_url})


def test_a_flask_command_does_not_warn(caplog):
    import click
    with caplog.at_level("WARNING"), click.Context(click.Command("notify")):
        create_app({**PRODUCTION, "BASE_URL": None, "REDIS_URL": None,
                    "RATELIMIT_STORAGE_URI": "memory://"})
    assert _warnings(caplog) == ""

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
