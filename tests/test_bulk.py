"""Bulk actions: each case through the single-case services in a savepoint of its own; mixed
outcomes, permissions, versions, a supervisor never deciding their own request, the job path."""
from __future__ import annotations

import csv
import io

import pytest

from casework.extensions import db
from casework.models import Case, Job
from tests.browser import browser, text  # noqa: F401  (fixture)
from tests.helpers import (Api, error_of, fire, history, log, make_case, make_team, new_user,
                           walk_to)


@pytest.fixture
def team():
    return make_team()


def states(*cases) -> list[str]:
    for case in cases:
        db.session.refresh(case)
    return [case.state for case in cases]


def test_mixed_outcomes_done_skipped_failed(client, team):
    a, b = make_case(team.organiser), make_case(team.organiser)
    c = walk_to(make_case(team.organiser), "outreach", team)
    response = Api(client, team.organiser).post("/bulk", {
        "action": "start_outreach", "case_ids": [a.id, b.id, c.id, 987654]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    outcomes = {r["case_id"]: r["outcome"] for r in body["results"]}
    assert outcomes == {a.id: "done", b.id: "done", c.id: "skipped", 987654: "failed"}
    assert body["counts"] == {"done": 2, "skipped": 1, "failed": 1}
    assert all(r["reason"] for r in body["results"] if r["outcome"] != "done")
    assert states(a, b, c) == ["outreach", "outreach", "outreach"]
    assert len(history(a, "transition")) == 1      # audited as one at a time


def test_a_case_refused_by_a_guard_keeps_nothing_and_the_others_proceed(client, team):
    ready = walk_to(make_case(team.organiser), "outreach", team)
    bare = walk_to(make_case(team.organiser), "outreach", team)
    log(ready, team.organiser)   # form_committee needs an outreach step
    before = len(history(bare))
    response = Api(client, team.organiser).post("/bulk", {
        "action": "form_committee", "case_ids": [bare.id, ready.id],
        "data": {"committee_head": "Nguyễn Thị Lan"}})
    results = {r["case_id"]: r for r in response.get_json()["results"]}
    assert results[ready.id]["outcome"] == "done"
    assert results[bare.id]["outcome"] == "failed"
    assert states(ready, bare) == ["mobilising", "outreach"]
    assert len(history(bare)) == before


def test_permissions_are_those_of_one_case_at_a_time(client, team):
    case = make_case(team.organiser)
    other = new_user("organiser")
    response = Api(client, team.organiser).post("/bulk", {
        "action": "reassign", "case_ids": [case.id], "data": {"organiser": other.email}})
    [result] = response.get_json()["results"]
    assert result["outcome"] == "failed" and "supervisor" in result["reason"]
    elsewhere = new_user("supervisor", "LDLD-01")
    response = Api(client, elsewhere).post("/bulk", {
        "action": "start_outreach", "case_ids": [case.id]})
    assert response.get_json()["results"] == [
        {"case_id": case.id, "outcome": "failed", "reason": "No such case."}]
    assert states(case) == ["identified"]


def test_reassign_by_filter(client, team):
    cases = [make_case(team.organiser) for _ in range(3)]
    walk_to(cases[2], "outreach", team)
    other = new_user("organiser")
    response = Api(client, team.supervisor).post("/bulk", {
        "action": "reassign", "filter": {"state": "identified"},
        "data": {"organiser": other.email}, "comment": "Chia lại địa bàn"})
    body = response.get_json()
    assert body["counts"] == {"done": 2, "skipped": 0, "failed": 0}
    for case in cases:
        db.session.refresh(case)
    assert [c.organiser_id for c in cases] == [other.id, other.id, team.organiser.id]
    again = Api(client, team.supervisor).post("/bulk", {
        "action": "reassign", "case_ids": [cases[0].id], "data": {"organiser": other.email}})
    assert again.get_json()["results"][0]["outcome"] == "skipped"


def test_a_stale_version_fails_that_case_only(client, team):
    a, b = make_case(team.organiser), make_case(team.organiser)
    response = Api(client, team.organiser).post("/bulk", {
        "action": "start_outreach", "case_ids": [a.id, b.id],
        "versions": {str(a.id): a.version, str(b.id): b.version + 5}})
    results = {r["case_id"]: r["outcome"] for r in response.get_json()["results"]}
    assert results == {a.id: "done", b.id: "failed"}
    assert states(a, b) == ["outreach", "identified"]


def test_a_supervisor_decides_pending_approvals_but_never_their_own(client, team):
    theirs = [make_case(team.organiser) for _ in range(2)]
    own = make_case(team.supervisor)
    nothing = make_case(team.organiser)
    for case in theirs:
        fire(case, team.organiser, "close", comment="Doanh nghiệp giải thể")
    fire(own, team.supervisor, "close", comment="Doanh nghiệp giải thể")
    response = Api(client, team.supervisor).post("/bulk", {
        "action": "decide", "case_ids": [c.id for c in theirs] + [own.id, nothing.id],
        "data": {"decision": "approve"}, "comment": "Đồng ý"})
    results = {r["case_id"]: r["outcome"] for r in response.get_json()["results"]}
    assert results == {theirs[0].id: "done", theirs[1].id: "done", own.id: "skipped",
                       nothing.id: "skipped"}
    assert states(*theirs, own) == ["closed", "closed", "identified"]


def test_the_data_is_checked_once_before_any_case(client, team):
    case = walk_to(make_case(team.organiser), "eligible", team)
    api = Api(client, team.organiser)
    response = api.post("/bulk", {"action": "schedule_congress", "case_ids": [case.id],
                                  "data": {}})
    assert response.status_code == 422
    assert error_of(response)["field"] == "data.congress_date"
    assert error_of(api.post("/bulk", {"action": "explode", "case_ids": [case.id]}))["code"] \
        == "unknown_trigger"
    assert api.post("/bulk", {"action": "resume"}).status_code == 422
    assert api.post("/bulk", {"action": "resume", "case_ids": [case.id],
                              "filter": {}}).status_code == 422
    assert api.post("/bulk", {"action": "decide", "case_ids": [case.id],
                              "data": {"decision": "reject"}}).status_code == 422
    assert states(case) == ["eligible"]


def test_more_than_the_inline_limit_runs_as_a_job_with_a_report(client, team, monkeypatch,
                                                                browser):
    from casework.api import bulk as bulk_api
    monkeypatch.setattr(bulk_api, "BULK_INLINE_CASES", 2)
    cases = [make_case(team.organiser) for _ in range(3)]
    walk_to(cases[2], "outreach", team)
    api = Api(client, team.organiser)
    response = api.post("/bulk", {"action": "start_outreach",
                                  "case_ids": [c.id for c in cases]})
    assert response.status_code == 202, response.get_json()
    token = response.get_json()["job"]["id"]
    job = api.get(f"/bulk/{token}").get_json()     # the inline backend ran it already
    assert job["status"] == "done" and job["total"] == 3
    assert job["counts"] == {"done": 2, "skipped": 1, "failed": 0}
    assert states(*cases) == ["outreach"] * 3
    assert Api(client, team.supervisor).get(f"/bulk/{token}").status_code == 404
    # the page and its CSV report, for the person who started it only
    from casework.services.users import set_password
    set_password(team.organiser, "correct-horse-1")
    db.session.commit()
    b = browser(team.organiser)
    assert "3" in text(b.get(f"/bulk/jobs/{token}"))
    report = b.get(f"/bulk/jobs/{token}/report.csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4 and {r[0] for r in rows[1:]} == {str(c.id) for c in cases}
    assert db.session.query(Job).filter_by(kind="bulk").one().status == "done"
    assert db.session.query(Case).count() == 3


def test_the_page_ticks_cases_enters_the_data_once_and_shows_each_outcome(app, browser):
    from tests.helpers import PASSWORD
    organiser = new_user("organiser", password=PASSWORD)
    a, b = make_case(organiser), make_case(organiser)
    c = make_case(organiser)
    br = browser(organiser)
    listed = text(br.get("/cases"))
    assert 'form="bulk-form"' in listed
    token = br.token("/cases")
    page = br.post("/bulk/prepare", data={"csrf_token": token, "scope": "selected",
                                          "case_ids": [a.id, b.id], "action": "put_on_hold"})
    assert page.status_code == 200
    shown = text(page)
    assert "2" in shown and 'name="comment"' in shown
    done = br.post("/bulk/run", data={"csrf_token": token, "scope": "selected",
                                      "case_ids": [a.id, b.id], "action": "put_on_hold"})
    assert done.status_code == 422        # put on hold needs a comment: asked again, nothing done
    assert states(a, b) == ["identified", "identified"]
    done = br.post("/bulk/run", data={"csrf_token": token, "scope": "selected",
                                      "case_ids": [a.id, b.id], "action": "put_on_hold",
                                      "comment": "Doanh nghiệp tạm ngừng"})
    assert done.status_code == 200
    assert text(done).count('data-outcome="done"') == 2
    assert states(a, b, c) == ["on_hold", "on_hold", "identified"]
    # all that match the filter
    done = br.post("/bulk/run", data={"csrf_token": token, "scope": "all", "state": "on_hold",
                                      "action": "resume"})
    assert text(done).count('data-outcome="done"') == 2
    assert states(a, b) == ["identified", "identified"]
    # no CSRF token, no action
    assert br.post("/bulk/run", data={"scope": "all", "action": "resume"}).status_code == 400
