"""Structured logs: every line of a request carries its id, which the response echoes; one
access line per request, with no secrets in it."""
from __future__ import annotations

import json
import logging
import re

import pytest
from flask import current_app

from casework import create_app
from casework.extensions import db
from casework.observability import configure_logging, request_id_from
from tests.helpers import PASSWORD, bearer, new_user
from tests.browser import Browser

HEX_ID = re.compile(r"[0-9a-f]{32}")


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def json_logs(app):
    """The process logs JSON for this test (the test app logs text, as in development)."""
    configure_logging("INFO", "json")
    yield
    configure_logging(app.config["LOG_LEVEL"], "text")


@pytest.fixture
def logging_app(app):
    """An app of its own with routes that log and fail (the suite's app takes no new routes)."""
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "LOG_FORMAT": "json", "PROPAGATE_EXCEPTIONS": False})

    @other.get("/_test/log")
    def write_logs():
        current_app.logger.warning("from the app logger")
        logging.getLogger("casework.services.example").info("from a service")
        return "logged"

    @other.get("/_test/fail")
    def fail():
        raise RuntimeError("boom")

    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()
    configure_logging(app.config["LOG_LEVEL"], "text")  # what the suite's app set up


def test_an_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-3f2a9c.17"})
    assert response.headers["X-Request-ID"] == "nginx-3f2a9c.17"


@pytest.mark.parametrize("given", [None, "", "two words", "x" * 129, "id;X-Forged: 1", "a\tb",
                                   "<script>", "ü-id"])
def test_a_missing_or_insane_request_id_is_replaced_by_a_fresh_one(client, given):
    headers = {"X-Request-ID": given} if given is not None else {}
    response = client.get("/healthz", headers=headers)
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])
    assert request_id_from(given) != given


def test_every_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_every_log_line_of_a_request_carries_its_id(logging_app, capsys):
    response = logging_app.test_client().get("/_test/log",
                                             headers={"X-Request-ID": "req-abc-123"})
    assert response.headers["X-Request-ID"] == "req-abc-123"
    lines = json_lines(capsys.readouterr().err)
    by_logger = {line["logger"]: line for line in lines}
    assert by_logger["casework"]["message"] == "from the app logger"
    assert by_logger["casework"]["level"] == "WARNING"
    assert by_logger["casework.services.example"]["message"] == "from a service"
    access = by_logger["casework.access"]
    assert {line["request_id"] for line in lines} == {"req-abc-123"}
    assert access["method"] == "GET" and access["path"] == "/_test/log"
    assert access["endpoint"] == "write_logs" and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert access["user_id"] is None
    assert "time" in access


def test_an_unhandled_error_is_logged_with_the_request_id(logging_app, capsys):
    response = logging_app.test_client().get("/_test/fail")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    lines = json_lines(capsys.readouterr().err)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == request_id
    assert "RuntimeError: boom" in error["exc_info"]
    access = next(line for line in lines if line["logger"] == "casework.access")
    assert access["status"] == 500 and access["request_id"] == request_id


def test_the_access_line_names_the_user_and_never_the_query_or_the_token(client, json_logs,
                                                                         capsys):
    user = new_user("organiser")
    headers = bearer(user)
    token = headers["Authorization"].split()[1]
    capsys.readouterr()
    response = client.get("/api/v1/cases?q=reset-token-0xSECRET", headers=headers)
    assert response.status_code == 200
    text = capsys.readouterr().err
    assert "0xSECRET" not in text and token not in text
    access = [line for line in json_lines(text) if line["logger"] == "casework.access"]
    assert len(access) == 1
    assert access[0]["path"] == "/api/v1/cases"
    assert access[0]["endpoint"] == "api.list_cases"
    assert access[0]["user_id"] == user.id
    assert access[0]["request_id"] == response.headers["X-Request-ID"]


def test_a_password_posted_to_the_login_form_is_not_logged(app, json_logs, capsys):
    user = new_user("organiser", "LDLD-79", email="someone@test.vn", password=PASSWORD)
    browser = Browser(app)
    capsys.readouterr()
    refused = browser.login("someone@test.vn", "hunter2-secret")
    signed_in = browser.login(user)
    assert (refused.status_code, signed_in.status_code) == (200, 302)
    text = capsys.readouterr().err
    assert "hunter2-secret" not in text and PASSWORD not in text
    posts = [line for line in json_lines(text)
             if line.get("endpoint") == "auth.login" and line["method"] == "POST"]
    assert [(line["status"], line["user_id"]) for line in posts] == [(200, None), (302, user.id)]


def test_probe_access_lines_are_debug_only(client, json_logs, capsys):
    client.get("/healthz")
    assert not [line for line in json_lines(capsys.readouterr().err)
                if line.get("endpoint") == "health.healthz"]


def test_the_text_format_carries_the_request_id(client, capsys):
    configure_logging("INFO", "text")
    client.get("/login", headers={"X-Request-ID": "text-id-42"})
    assert re.search(r"\[INFO\] casework\.access \[text-id-42\]: GET /login 200",
                     capsys.readouterr().err)


def test_log_level_and_format_come_from_the_settings(app):
    quiet = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json"})
    try:
        root = logging.getLogger()
        assert root.level == logging.WARNING
        [handler] = [h for h in root.handlers if type(h).__name__ == "StderrHandler"]
        assert type(handler.formatter).__name__ == "JsonFormatter"
    finally:
        with quiet.app_context():
            db.engine.dispose()
        configure_logging(app.config["LOG_LEVEL"], "text")


def test_a_refused_api_request_still_names_its_user(client, json_logs, capsys):
    """The refusal rolled the session back (the user is expired): the id comes from the
    identity map, without a query."""
    user = new_user("organiser")
    headers = bearer(user)
    capsys.readouterr()
    response = client.post("/api/v1/cases", json={"kind": "no-such-kind"}, headers=headers)
    assert response.status_code in (400, 422)
    [access] = [line for line in json_lines(capsys.readouterr().err)
                if line["logger"] == "casework.access"]
    assert (access["status"], access["user_id"]) == (response.status_code, user.id)
