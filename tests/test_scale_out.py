"""Two app servers (gunicorn, separate processes) on one PostgreSQL database and one Redis:
nothing a process keeps to itself changes what a user sees.

- the login rate limit is one limit across both servers (Flask-Limiter's storage in Redis);
- two servers firing on one case at once: exactly one wins, the other gets 409;
- an import uploaded through one server is done by a worker (`flask jobs worker`) and its
  result read through the other.

Runs when TEST_DATABASE_URL is a PostgreSQL server and Redis answers on 127.0.0.1:6379.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from casework import create_app
from casework.extensions import db
from casework.services.reference import seed_reference
from casework.services.users import create_user, issue_token
from tests.conftest import TEST_DATABASE_URL, _database_url
from tests.helpers import PASSWORD, enterprise
from tests.test_imports import _csv_bytes, row

requests = pytest.importorskip("requests")

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/12"     # a database of its own, emptied here
LOGIN_LIMIT = 5
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql") or not _answers("127.0.0.1", 6379),
    reason="needs TEST_DATABASE_URL on PostgreSQL and Redis on 127.0.0.1:6379")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Installation:
    """A scratch database with people in it, and the environment every process shares."""

    def __init__(self, url: str, workdir: Path):
        self.url = url
        self.env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
                    "SECRET_KEY": secrets.token_urlsafe(32), "CASEWORK_ENV": "development",
                    "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "LOG_FORMAT": "text",
                    "IMPORTS_DIR": str(workdir / "imports"),
                    "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "PYTHONUNBUFFERED": "1"}
        self.env.pop("JOBS_BACKEND", None)
        self.workdir = workdir
        self.servers: list[tuple[str, subprocess.Popen]] = []

    def seed(self) -> dict:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": self.url,
                          "REDIS_URL": None, "JOBS_BACKEND": "inline"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            seed_reference()
            organiser = create_user(email="org@scale.vn", name="Tổ chức", role="organiser",
                                    unit_code="LDLD-79", password=PASSWORD)
            create_user(email="sup@scale.vn", name="Giám sát", role="supervisor",
                        unit_code="LDLD-79", password=PASSWORD)
            token = issue_token(organiser)
            db.session.commit()
            db.engine.dispose()
        return {"organiser": "org@scale.vn", "token": token}

    def start_server(self) -> str:
        port = _free_port()
        log = (self.workdir / f"gunicorn-{port}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "10"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        self.servers.append((base, proc))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (self.workdir / f"gunicorn-{port}.log").read_text()
            try:
                if requests.get(base + "/login", timeout=2).status_code == 200:
                    return base
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"{base} did not answer")

    def run_worker(self) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker",
                               "--burst"], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120)

    def stop(self) -> None:
        for _base, proc in self.servers:
            proc.send_signal(signal.SIGTERM)       # graceful: requests in hand finish
        for _base, proc in self.servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    from redis import Redis
    server = sa.make_url(_database_url(tmp_path_factory))
    name = f"casework_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    setup = Installation(server.set(database=name).render_as_string(hide_password=False),
                         tmp_path_factory.mktemp("scale"))
    try:
        setup.people = setup.seed()
        setup.a, setup.b = setup.start_server(), setup.start_server()
        yield setup
    finally:
        setup.stop()
        redis.flushdb()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login").text).group(1)
    response = session.post(base + "/login", data={"csrf_token": token, "email": email,
                                                   "password": PASSWORD},
                            allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    return session


def test_two_servers_racing_on_one_case_give_exactly_one_winner(installation):
    api = {"Authorization": f"Bearer {installation.people['token']}"}
    created = requests.post(installation.a + "/api/v1/cases", headers=api, json={
        "kind": "grassroots", "unit": "LDLD-79", "target_members": 40,
        "enterprises": [enterprise("Công ty TNHH Hai Máy Chủ")]})
    assert created.status_code == 201, created.text
    case = created.json()
    barrier = threading.Barrier(2)
    statuses = {}

    def fire(base):
        barrier.wait()
        statuses[base] = requests.post(
            f"{base}/api/v1/cases/{case['id']}/transitions", headers=api,
            json={"trigger": "start_outreach", "version": case["version"]}).status_code
    threads = [threading.Thread(target=fire, args=(b,)) for b in (installation.a,
                                                                  installation.b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses.values()) == [200, 409]
    detail = requests.get(f"{installation.b}/api/v1/cases/{case['id']}", headers=api).json()
    assert detail["state"] == "outreach"
    assert [h["action"] for h in detail["history"]].count("transition") == 1


def test_an_import_sent_to_one_server_is_done_by_a_worker_and_read_on_the_other(installation):
    session = _signed_in(installation.a, installation.people["organiser"])
    page = session.get(installation.a + "/imports/")
    token = CSRF.search(page.text).group(1)
    upload = _csv_bytes([row(), row(name="Công ty Giày Hai"), row(workforce="-1")])
    response = session.post(installation.a + "/imports/", data={
        "csrf_token": token, "unit": "LDLD-79"},
        files={"file": ("danh-sach.csv", io.BytesIO(upload), "text/csv")},
        allow_redirects=False)
    assert response.status_code == 302, response.text[:800]
    result_path = response.headers["Location"]

    waiting = session.get(installation.b + result_path)     # the other server, same session
    assert waiting.status_code == 200 and 'data-status="queued"' in waiting.text

    worker = installation.run_worker()
    assert worker.returncode == 0, worker.stderr[-2000:]

    done = session.get(installation.b + result_path)
    assert done.status_code == 200
    assert 'data-count="created">2<' in done.text and 'data-count="rejected">1<' in done.text
    rejected = session.get(installation.b + result_path + "/rejected.csv")
    assert rejected.status_code == 200 and "danh-sach" in rejected.headers["Content-Disposition"]


def test_the_login_rate_limit_is_one_limit_across_both_servers(installation):
    from redis import Redis
    Redis.from_url(REDIS_URL).flushdb()          # the limit starts afresh for this test
    statuses = []
    for attempt in range(LOGIN_LIMIT + 2):
        base = (installation.a, installation.b)[attempt % 2]
        session = requests.Session()
        token = CSRF.search(session.get(base + "/login").text).group(1)
        statuses.append(session.post(base + "/login", data={
            "csrf_token": token, "email": "org@scale.vn", "password": "wrong"}).status_code)
    # each server saw at most 4 of the 7 tries: only a shared count refuses the 6th and 7th
    assert statuses == [200] * LOGIN_LIMIT + [429, 429]
