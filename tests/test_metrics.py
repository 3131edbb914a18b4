"""GET /metrics: who may read it, and what it says (latency by endpoint, transitions committed,
approvals pending, job queue depth), in one process and summed over gunicorn-style workers."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from casework import create_app
from casework.extensions import db
from casework.models import ApprovalRequest
from casework.services.transitions import request_transition
from tests.helpers import Api, fire, make_case, make_team

ROOT = Path(__file__).resolve().parent.parent
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


def scrape(client, **kwargs) -> dict:
    """{(sample name, frozenset(labels)): value} of one scrape from this machine."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(response.get_data(as_text=True))


def samples(text: str) -> dict:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def team():
    return make_team("LDLD-79")


# --- access ------------------------------------------------------------------------------------

def test_without_a_token_only_this_machine_may_read(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert client.get("/metrics").status_code == 200                      # 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base=REMOTE).status_code == 403
    # nginx on this machine forwards from 127.0.0.1: a proxied request is not "local"
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", headers={"X-Real-IP": "203.0.113.7"}).status_code == 403


def test_with_a_token_it_takes_the_token_from_anywhere(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-0123456789")
    right = {"Authorization": "Bearer scrape-token-0123456789"}
    assert client.get("/metrics", headers=right, environ_base=REMOTE).status_code == 200
    missing = client.get("/metrics")  # even from this machine
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    for header in ("Bearer scrape-token-012345678", "Basic scrape-token-0123456789",
                   "Bearer " + "x" * 300):
        assert client.get("/metrics", headers={"Authorization": header}).status_code == 401


def test_a_user_api_token_does_not_open_it(app, client, team, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    api = Api(client, team.supervisor)
    response = client.get("/metrics", headers=api.headers, environ_base=REMOTE)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers


def test_behind_a_trusted_proxy_the_client_address_decides(app):
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": None,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "TRUSTED_PROXIES": 1, "METRICS_TOKEN": None})
    client = proxied.test_client()
    with proxied.app_context():
        try:
            outside = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7",
                                                      "X-Forwarded-Proto": "https"})
            assert outside.status_code == 403
            assert client.get("/metrics").status_code == 200  # straight from this machine
        finally:
            db.session.remove()
            db.engine.dispose()


# --- what it says ------------------------------------------------------------------------------

def test_latency_histogram_of_an_endpoint_just_called(client, team):
    api = Api(client, team.organiser)
    key = {"endpoint": "api.workflow", "method": "GET", "status": "200"}
    before = scrape(client)
    assert api.get("/workflow").status_code == 200
    after = scrape(client)
    name = "casework_http_request_duration_seconds"
    assert value(after, name + "_count", **key) == value(before, name + "_count", **key) + 1
    assert value(after, name + "_sum", **key) > value(before, name + "_sum", **key)
    assert value(after, name + "_bucket", le="+Inf", **key) == value(after, name + "_count",
                                                                    **key)
    # one series per route, not per URL: no path (with its ids) in a label
    case = make_case(team.organiser)
    api.get(f"/cases/{case.id}")
    labels = [dict(k[1]) for k in scrape(client) if k[0] == name + "_count"]
    assert {"endpoint": "api.get_case", "method": "GET", "status": "200"} in labels
    assert not any("/" in v for lbl in labels for v in lbl.values())


def test_a_transition_through_the_api_is_counted_once_committed(client, team):
    api = Api(client, team.organiser)
    case = make_case(team.organiser)
    key = {"kind": "grassroots", "trigger": "start_outreach"}
    before = value(scrape(client), "casework_transitions_total", **key)
    stale = api.fire(case.id, "start_outreach", version=case.version + 7)
    assert stale.status_code == 409
    assert value(scrape(client), "casework_transitions_total", **key) == before
    moved = api.fire(case.id, "start_outreach")
    assert moved.status_code == 200, moved.get_json()
    assert value(scrape(client), "casework_transitions_total", **key) == before + 1


def test_a_transition_rolled_back_is_not_counted(client, team):
    case = make_case(team.organiser)
    key = {"kind": "grassroots", "trigger": "start_outreach"}
    before = value(scrape(client), "casework_transitions_total", **key)
    outcome, _ = request_transition(case, team.organiser, trigger="start_outreach",
                                    version=case.version, data={}, comment="")
    assert outcome == "moved"
    db.session.rollback()  # e.g. the request failed after the move
    assert value(scrape(client), "casework_transitions_total", **key) == before
    db.session.refresh(case)
    assert case.state == "identified"
    fire(case, team.organiser, "start_outreach")  # commits
    assert value(scrape(client), "casework_transitions_total", **key) == before + 1


def test_a_transition_in_a_savepoint_rolled_back_is_not_counted(client, team):
    first, second = make_case(team.organiser), make_case(team.organiser)
    key = {"kind": "grassroots", "trigger": "start_outreach"}
    before = value(scrape(client), "casework_transitions_total", **key)
    request_transition(first, team.organiser, trigger="start_outreach", version=first.version,
                       data={}, comment="")
    savepoint = db.session.begin_nested()
    request_transition(second, team.organiser, trigger="start_outreach",
                       version=second.version, data={}, comment="")
    savepoint.rollback()
    db.session.commit()  # the first transition only
    assert value(scrape(client), "casework_transitions_total", **key) == before + 1


def test_a_transition_in_a_released_savepoint_waits_for_the_outer_commit(client, team):
    case = make_case(team.organiser)
    key = {"kind": "grassroots", "trigger": "start_outreach"}
    before = value(scrape(client), "casework_transitions_total", **key)
    savepoint = db.session.begin_nested()
    request_transition(case, team.organiser, trigger="start_outreach", version=case.version,
                       data={}, comment="")
    savepoint.commit()      # released, but the transaction around it is not committed
    db.session.rollback()
    assert value(scrape(client), "casework_transitions_total", **key) == before


def test_a_decided_approval_counts_its_transition(client, team):
    case = make_case(team.organiser)
    outcome, approval = fire(case, team.organiser, "close")
    assert outcome == "approval"
    key = {"kind": "grassroots", "trigger": "close"}
    before = value(scrape(client), "casework_transitions_total", **key)
    response = Api(client, team.supervisor).post(f"/approvals/{approval.id}/decision",
                                                 {"decision": "approve", "comment": "Đồng ý"})
    assert response.status_code == 200, response.get_json()
    assert value(scrape(client), "casework_transitions_total", **key) == before + 1


def test_approvals_pending_is_counted_when_scraped(client, team):
    assert value(scrape(client), "casework_approvals_pending") == 0
    cases = [make_case(team.organiser) for _ in range(3)]
    approvals = [fire(case, team.organiser, "close")[1] for case in cases]
    Api(client, team.supervisor).post(f"/approvals/{approvals[0].id}/decision",
                                      {"decision": "reject", "comment": "Chưa đủ căn cứ"})
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalRequest)
                                .where(ApprovalRequest.status == "pending"))
    assert pending == 2
    assert value(scrape(client), "casework_approvals_pending") == pending


def test_job_queue_depth_by_queue(client, monkeypatch):
    jobs = pytest.importorskip("casework.jobs")
    monkeypatch.setattr(jobs, "queue_depths", lambda *a, **k: {"default": 3, "long": 0})
    scraped = scrape(client)
    assert value(scraped, "casework_job_queue_depth", queue="default") == 3
    assert ("casework_job_queue_depth", frozenset({("queue", "long")})) in scraped


def test_a_queue_that_cannot_be_read_does_not_break_the_scrape(client, monkeypatch):
    jobs = pytest.importorskip("casework.jobs")

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")
    monkeypatch.setattr(jobs, "queue_depths", down)
    scraped = scrape(client)
    assert not [k for k in scraped if k[0] == "casework_job_queue_depth"]
    assert ("casework_approvals_pending", frozenset()) in scraped


def test_openmetrics_when_the_scraper_asks_for_it(client):
    response = client.get("/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0; charset=utf-8"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert response.get_data(as_text=True).rstrip().endswith("# EOF")


# --- several processes -------------------------------------------------------------------------

MULTIPROCESS_SCRIPT = textwrap.dedent("""
    import os, sys
    from casework import create_app
    from casework.extensions import db
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "REDIS_URL": None,
                      "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for _ in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
    if sys.argv[3] == "scrape":
        sys.stdout.write(client.get("/metrics").get_data(as_text=True))
""")


def test_with_a_multiprocess_folder_a_scrape_adds_up_every_process(tmp_path):
    """What gunicorn's workers do: each process writes its numbers to PROMETHEUS_MULTIPROC_DIR
    and whichever answers the scrape adds them up (plus the gauges it computes itself)."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_LEVEL": "WARNING"}
    database = "sqlite:///" + str(tmp_path / "multi.sqlite")

    def run(requests: int, mode: str) -> str:
        result = subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, database,
                                 str(requests), mode], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    run(3, "quiet")       # one worker
    text = run(2, "scrape")  # another one, answering the scrape
    scraped = samples(text)
    key = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert value(scraped, "casework_http_request_duration_seconds_count", **key) == 5
    assert value(scraped, "casework_approvals_pending") == 0
    assert ("casework_approvals_pending", frozenset()) in scraped
