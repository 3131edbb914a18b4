"""Fixtures: an app on SQLite (or on TEST_DATABASE_URL), reference data, clients, the suite's clock.

The schema is created once per session; every test starts from empty tables plus reference data.
The builders (users, tokens, enterprises, cases ...) are plain functions in tests/helpers.py.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from casework import create_app
from casework.extensions import db
from casework.services.reference import seed_reference
from casework import clock

_suite_shift: timedelta | None = None

if "faketime" in os.environ.get("LD_PRELOAD", "") \
        and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC"):
    # CI starts the suite at 23:55 in Vietnam under libfaketime, faking the wall clock only.
    # libfaketime 0.9.10 (Debian 12) then breaks Python 3.11's time.sleep, which sleeps until a
    # CLOCK_MONOTONIC deadline: EINVAL (wolfcw/libfaketime#426). Timed waits are unaffected.
    def _sleep(seconds: float) -> None:
        threading.Event().wait(seconds)
    time.sleep = _sleep


def pytest_configure(config):
    """Test modules take "today" once, at import: start the suite's clock at 09:00 in Vietnam so
    that the date cannot change during a run, whenever the run starts. A hook, not module code:
    pytest calls it once, whereas a second import of this file (`import tests.conftest`) would run
    module code again and, reading the shifted clock, undo the shift."""
    global _suite_shift
    real = datetime.now(timezone.utc).astimezone(clock.VIETNAM)
    _suite_shift = real.replace(hour=9, minute=0, second=0, microsecond=0) - real
    clock.shift(_suite_shift)


def restore_suite_clock() -> str | None:
    """Puts the suite's clock back if something moved it; says what was moved, or None."""
    shift, moment = clock.moved()
    if shift == _suite_shift and moment is None:
        return None
    clock.restore(_suite_shift)
    return (f"process shift {shift} instead of {_suite_shift}, travel_to {moment}: end every "
            f"clock.travel_to block and leave clock.shift to this conftest")


@pytest.fixture(autouse=True)
def _suite_clock():
    """No test runs on, or leaves behind, a clock other than the suite's: the test that moved it
    fails (and the clock is put back, so the tests after it still run at 09:00)."""
    if leak := restore_suite_clock():
        pytest.fail("the clock was moved before this test: " + leak)
    yield
    if leak := restore_suite_clock():
        pytest.fail("this test left the clock moved: " + leak)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


class IsolatedClient(FlaskClient):
    """The tests keep an app context open, which the test client's requests then share: clear
    `g` (where Flask-Login, Flask-WTF and Flask-Babel cache per-request values) before each
    request, so every request starts clean as it does in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(vars(g)):
                delattr(g, key)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
                      "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True,
                      # assertions read the English message ids; Vietnamese is tested by asking
                      "DEFAULT_LANGUAGE": "en",
                      # the suite logs in hundreds of times from one address; the limit
                      # itself is tested on an app of its own (test_security.py)
                      "RATELIMIT_ENABLED": False,
                      # notification mail goes to .eml files here, not to instance/outbox
                      "MAIL_SERVER": None,
                      "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
                      "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("attachments")),
                      "IMPORTS_DIR": str(tmp_path_factory.mktemp("imports")),
                      "EXPORTS_DIR": str(tmp_path_factory.mktemp("exports")),
                      # a job runs before the request that queued it returns; the thread and
                      # Redis backends are tested in test_jobs.py
                      "JOBS_BACKEND": "inline", "REDIS_URL": None})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _fresh_database(app):
    with app.app_context():
        _empty_tables()
        seed_reference(years=[clock.today().year - 1, clock.today().year, clock.today().year + 1])
        db.session.commit()
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
