"""/healthz and /readyz: public, cookie-free, never rate limited; /readyz checks the database
and Redis and says which failed without saying where they are."""
from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from casework import create_app
from casework.extensions import db

UNREACHABLE_REDIS = "redis://:s3cret-pass@127.0.0.1:1/0"
UNREACHABLE_DATABASE = "postgresql+psycopg://casework:db-s3cret@127.0.0.1:1/casework"


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def no_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def test_healthz_answers_without_touching_the_database(app, client):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get("/healthz")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_the_database(client, no_redis):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "redis" not in body["checks"]  # not configured, not checked
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_naming_redis_when_redis_does_not_answer(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", UNREACHABLE_REDIS)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]  # the class of the error only
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and "127.0.0.1" not in text


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_readyz_pings_redis_when_it_is_set(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["redis"]["ok"] is True


def test_readyz_is_503_naming_the_database_when_it_does_not_answer():
    broken = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                         "SQLALCHEMY_DATABASE_URI": UNREACHABLE_DATABASE})
    with broken.app_context():
        try:
            response = broken.test_client().get("/readyz")
        finally:
            db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    text = response.get_data(as_text=True)
    assert "db-s3cret" not in text and "127.0.0.1" not in text and "casework" not in text
    # the process itself is alive
    assert broken.test_client().get("/healthz").status_code == 200


def test_probes_need_no_login_and_accept_only_get(client):
    for path in ("/healthz", "/readyz"):
        assert client.post(path).status_code == 405


def test_probes_are_not_rate_limited(app):
    limited = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                          # a limit on every route of the app ...
                          "RATELIMIT_APPLICATION": "3 per minute"})
    client = limited.test_client()
    with limited.app_context():
        try:
            assert [client.get("/login").status_code for _ in range(4)][-1] == 429
            # ... but never on the probes
            assert {client.get("/healthz").status_code for _ in range(6)} == {200}
            assert {client.get("/readyz").status_code for _ in range(6)} == {200}
        finally:
            db.engine.dispose()
