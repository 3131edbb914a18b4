"""The JSON API under /api/v1: authentication, shapes, filters, status codes, the workflow doc."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import ApiToken
from casework.services.users import issue_token, revoke_tokens
from casework.workflow.definition import FLOWS, KINDS
from tests.helpers import (TODAY, Api, bearer, enterprise, error_of, fire, log, make_case,
                           make_team, new_user, trigger_data, walk_to)

CASE_KEYS = {"id", "ref", "kind", "state", "version", "unit", "province", "organiser",
             "enterprises", "target_members", "applications", "deadline", "allowed_triggers",
             "created_at", "updated_at"}


@pytest.fixture
def team():
    return make_team("LDLD-79")


@pytest.fixture
def api(client, team) -> Api:
    return Api(client, team.organiser)


# ---------------------------------------------------------------------------------------------
# authentication


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc",
                                    "bearer "])
def test_401_without_a_valid_token(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_revoked_expired_and_inactive_tokens_are_refused(client, team):
    token = issue_token(team.organiser)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200

    revoke_tokens(team.organiser)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401

    expired = issue_token(team.organiser, days=-1)
    db.session.commit()
    assert client.get("/api/v1/cases",
                      headers={"Authorization": f"Bearer {expired}"}).status_code == 401

    fresh = issue_token(team.organiser)
    team.organiser.active = False
    db.session.commit()
    assert client.get("/api/v1/cases",
                      headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


def test_tokens_are_stored_hashed(team):
    token = issue_token(team.organiser)
    db.session.commit()
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


# ---------------------------------------------------------------------------------------------
# cases: create, show, list


def test_create_case_returns_201_and_the_case(api):
    response = api.post("/cases", {
        "kind": "grassroots", "unit": "LDLD-79", "target_members": 300,
        "enterprises": [enterprise("Công ty TNHH Điện tử Minh Long", province="74",
                                   workforce=900, ownership="fdi")]})
    assert response.status_code == 422  # 74 is not one of the 34 provinces any more
    assert response.get_json()["error"]["field"] == "enterprises.0.province"

    response = api.post("/cases", {
        "kind": "grassroots", "unit": "LDLD-79", "target_members": 300,
        "enterprises": [enterprise("Công ty TNHH Điện tử Minh Long", province="75",
                                   workforce=900, ownership="fdi")]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert CASE_KEYS <= set(body)
    assert body["kind"] == "grassroots" and body["state"] == "identified"
    assert body["unit"] == "LDLD-79" and body["province"] == "75"
    assert body["organiser"] == api.user.email
    assert body["target_members"] == 300
    assert body["applications"] == {"vietnamese": 0, "foreign": 0, "received": 0}
    assert body["deadline"] is None and body["version"] >= 1
    assert body["enterprises"][0]["ownership"] == "fdi"
    assert body["enterprises"][0]["name"] == "Công ty TNHH Điện tử Minh Long"
    datetime.fromisoformat(body["created_at"])
    datetime.fromisoformat(body["updated_at"])


@pytest.mark.parametrize("body,status", [
    ({"kind": "grassroots"}, 422),
    ({"kind": "nope", "unit": "LDLD-79", "enterprises": []}, 422),
    ({"kind": "grassroots", "unit": "LDLD-79", "enterprises": "x"}, 422),
    ({"kind": "grassroots", "unit": "LDLD-79", "enterprises": [1]}, 422),
    ([], 400),
    ("not json", 400),
])
def test_create_case_errors_have_the_error_shape(api, body, status):
    response = api.post("/cases", body)
    assert response.status_code == status
    error_of(response)


def test_create_case_for_an_existing_tax_code_is_409(api, team, client):
    case = make_case(team.organiser)
    code = case.enterprises[0].tax_code
    response = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                   "enterprises": [enterprise(code=code)]})
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_case"
    assert case.ref in error_of(response)["message"]
    # outside the scope of the active case: that it exists and whom to contact, no reference
    hanoi = Api(client, new_user("organiser", "LDLD-01"))
    response = hanoi.post("/cases", {"kind": "grassroots", "unit": "LDLD-01",
                                     "enterprises": [enterprise(code=code, province="01")]})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "duplicate_case"
    assert "already has an active case" in error["message"]
    assert "Liên đoàn Lao động Hồ Chí Minh" in error["message"]
    assert case.ref not in error["message"]


def test_show_case_has_history_and_steps(api, team):
    case = make_case(team.organiser)
    log(case, team.organiser, "worker_meeting", vietnamese=3, foreign=1)
    fire(case, team.organiser, "start_outreach")
    body = api.case(case.id)
    assert CASE_KEYS | {"history", "steps"} <= set(body)
    assert [(e["action"], e["from"], e["to"]) for e in body["history"]] == [
        ("created", None, "identified"), ("transition", "identified", "outreach")]
    [step] = body["steps"]
    assert (step["kind"], step["applications_vietnamese"], step["applications_foreign"],
            step["author"]) == ("worker_meeting", 3, 1, team.organiser.email)
    assert api.get("/cases/999999").status_code == 404


def test_list_cases_filters(api, team):
    organiser = team.organiser
    colleague = new_user("organiser", "LDLD-79")
    a = make_case(organiser, enterprises=[enterprise("Công ty May Thanh Hóa", province="38")])
    b = make_case(organiser, enterprises=[enterprise("Công ty Giày Đồng Nai", province="75")])
    c = make_case(team.supervisor, "small_units", organiser=colleague.email)
    d = make_case(organiser, "conglomerate_pilot")
    fire(b, organiser, "start_outreach")
    elsewhere = make_case(new_user("organiser", "LDLD-01"), enterprises=[
        enterprise("Công ty May Thanh Hóa 2", province="38")])

    def ids(**params):
        response = api.get("/cases", **params)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["total"] == len(body["items"]) or "per_page" in params
        return sorted(item["id"] for item in body["items"])

    assert ids() == sorted([a.id, b.id, c.id, d.id])       # not the LDLD-01 case
    assert ids(state="outreach") == [b.id]
    assert ids(state="no-such-state") == []
    assert ids(kind="small_units") == [c.id]
    assert ids(kind="conglomerate_pilot") == [d.id]
    assert ids(province="38") == [a.id]
    assert ids(province="75") == [b.id]
    assert ids(unit="LDLD-79") == sorted([a.id, b.id, c.id, d.id])
    assert ids(unit="LDLD-01") == []                         # outside scope stays invisible
    assert ids(organiser=colleague.email) == [c.id]
    assert ids(organiser="me") == sorted([a.id, b.id, d.id])
    assert ids(q="thanh hoa") == [a.id]
    assert ids(q="THANH HOÁ") == [a.id]
    assert ids(q=b.enterprises[0].tax_code) == [b.id]
    assert ids(q="dong nai", state="outreach") == [b.id]
    assert ids(q="dong nai", state="identified") == []
    assert elsewhere.id not in ids(q="thanh hoa")


def test_list_cases_paginates(api, team):
    made = [make_case(team.organiser) for _ in range(5)]
    first = api.get("/cases", per_page=2, page=1).get_json()
    third = api.get("/cases", per_page=2, page=3).get_json()
    beyond = api.get("/cases", per_page=2, page=9).get_json()
    assert first["total"] == third["total"] == 5
    assert len(first["items"]) == 2 and len(third["items"]) == 1 and beyond["items"] == []
    seen = {i["id"] for p in (1, 2, 3)
            for i in api.get("/cases", per_page=2, page=p).get_json()["items"]}
    assert seen == {c.id for c in made}
    for bad in ({"page": 0}, {"per_page": 1000}, {"page": "x"}):
        response = api.get("/cases", **bad)
        assert response.status_code == 400
        error_of(response)


# ---------------------------------------------------------------------------------------------
# steps


def test_post_step(api, team):
    case = make_case(team.organiser)
    response = api.post(f"/cases/{case.id}/steps", {
        "kind": "applications_collected", "date": TODAY.isoformat(), "note": "Thu đơn",
        "applications_vietnamese": 7, "applications_foreign": 2})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["applications_vietnamese"] == 7
    assert api.case(case.id)["applications"] == {"vietnamese": 7, "foreign": 2, "received": 0}

    below_zero = api.post(f"/cases/{case.id}/steps", {
        "kind": "other", "date": TODAY.isoformat(), "applications_vietnamese": -8})
    assert below_zero.status_code == 422
    assert error_of(below_zero)["code"] == "invalid"
    correction = api.post(f"/cases/{case.id}/steps", {
        "kind": "other", "date": TODAY.isoformat(), "note": "Một đơn trùng",
        "applications_vietnamese": -1})
    assert correction.status_code == 201
    body = api.case(case.id)
    assert body["applications"] == {"vietnamese": 6, "foreign": 2, "received": 0}
    assert sum(s["applications_vietnamese"] for s in body["steps"]) == 6
    assert api.post("/cases/999999/steps", {"kind": "other",
                                            "date": TODAY.isoformat()}).status_code == 404


# ---------------------------------------------------------------------------------------------
# transitions: every status code


def test_transition_status_codes(api, team, client):
    case = make_case(team.organiser)
    version = api.case(case.id)["version"]

    moved = api.fire(case.id, "start_outreach", version=version)
    assert moved.status_code == 200
    assert moved.get_json()["state"] == "outreach"
    assert moved.get_json()["version"] > version

    stale = api.fire(case.id, "form_committee", version=version)
    assert stale.status_code == 409 and error_of(stale)["code"] == "stale_version"

    wrong = api.fire(case.id, "start_outreach")
    assert wrong.status_code == 409 and error_of(wrong)["code"] == "invalid_transition"

    guard = api.fire(case.id, "form_committee")
    assert guard.status_code == 422 and error_of(guard)["code"] == "guard_failed"
    assert "outreach step" in error_of(guard)["message"]

    unknown = api.fire(case.id, "found_it_now")
    assert unknown.status_code == 400 and error_of(unknown)["code"] == "unknown_trigger"

    no_version = api.post(f"/cases/{case.id}/transitions", {"trigger": "put_on_hold",
                                                            "comment": "x"})
    assert no_version.status_code == 422 and no_version.get_json()["error"]["field"] == "version"

    leader = Api(client, new_user("leader", "LDLD-79"))
    forbidden = leader.fire(case.id, "put_on_hold", comment="x")
    assert forbidden.status_code == 403 and error_of(forbidden)["code"] == "forbidden"

    outsider = Api(client, new_user("organiser", "LDLD-01"))
    hidden = outsider.fire(case.id, "put_on_hold", comment="x", version=1)
    assert hidden.status_code == 404

    # nothing of the refused attempts was written
    body = api.case(case.id)
    assert body["state"] == "outreach"
    assert [e["action"] for e in body["history"]] == ["created", "transition"]


def test_transition_needing_approval_is_202(api, team):
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    response = api.fire(case.id, "recognise")
    assert response.status_code == 202
    approval = response.get_json()["approval"]
    assert approval["case_id"] == case.id and approval["status"] == "pending"
    assert approval["requester"] == team.organiser.email
    assert approval["data"] == trigger_data("recognise")
    assert approval["from_state"] == "dossier_submitted"
    history = api.case(case.id)["history"]
    assert history[-1]["action"] == "approval_requested"


# ---------------------------------------------------------------------------------------------
# approvals


def test_approvals_inbox_and_decisions(api, team, client):
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    approval_id = api.fire(case.id, "recognise").get_json()["approval"]["id"]
    supervisor = Api(client, team.supervisor)

    pending = supervisor.get("/approvals", status="pending").get_json()
    assert pending["total"] == 1 and pending["items"][0]["id"] == approval_id
    assert pending["items"][0]["can_decide"] is True
    assert api.get("/approvals").get_json()["items"][0]["can_decide"] is False
    assert supervisor.get("/approvals", status="bogus").status_code == 400

    outsider = Api(client, new_user("supervisor", "LDLD-01"))
    assert outsider.get("/approvals").get_json()["items"] == []
    assert outsider.post(f"/approvals/{approval_id}/decision",
                         {"decision": "approve"}).status_code == 404
    assert supervisor.post(f"/approvals/{approval_id}/decision",
                           {"decision": "maybe"}).status_code == 422
    assert api.post(f"/approvals/{approval_id}/decision",
                    {"decision": "approve"}).status_code == 403    # an organiser
    assert supervisor.post("/approvals/999999/decision",
                           {"decision": "approve"}).status_code == 404

    decided = supervisor.post(f"/approvals/{approval_id}/decision",
                              {"decision": "approve", "comment": "Đồng ý"})
    assert decided.status_code == 200
    body = decided.get_json()
    assert body["approval"]["status"] == "approved"
    assert body["approval"]["decided_by"] == team.supervisor.email
    assert body["case"]["state"] == "recognised"

    twice = supervisor.post(f"/approvals/{approval_id}/decision", {"decision": "approve"})
    assert twice.status_code == 409 and error_of(twice)["code"] == "already_decided"
    assert supervisor.get("/approvals").get_json()["items"] == []
    approved = supervisor.get("/approvals", status="approved").get_json()["items"]
    assert [a["id"] for a in approved] == [approval_id]


def test_own_request_cannot_be_decided(client, team):
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    supervisor = Api(client, team.supervisor)
    approval_id = supervisor.fire(case.id, "recognise").get_json()["approval"]["id"]
    assert supervisor.get("/approvals").get_json()["items"][0]["can_decide"] is False
    response = supervisor.post(f"/approvals/{approval_id}/decision",
                               {"decision": "approve", "comment": "ok"})
    assert response.status_code == 403
    assert "own request" in error_of(response)["message"]
    assert supervisor.case(case.id)["state"] == "dossier_submitted"


def test_decision_after_the_case_moved_is_409(client, team):
    case = walk_to(make_case(team.organiser), "mobilising", team)
    organiser = Api(client, team.organiser)
    approval_id = organiser.fire(case.id, "close").get_json()["approval"]["id"]
    log(case, team.organiser, "applications_collected", vietnamese=5)
    assert organiser.fire(case.id, "confirm_eligibility").status_code == 200
    late = Api(client, team.supervisor).post(f"/approvals/{approval_id}/decision",
                                             {"decision": "approve", "comment": "ok"})
    assert late.status_code == 409
    assert error_of(late)["code"] in ("already_decided", "case_moved")
    assert organiser.case(case.id)["state"] == "eligible"


# ---------------------------------------------------------------------------------------------
# the workflow document


def test_workflow_document_matches_the_table(api):
    response = api.get("/workflow")
    assert response.status_code == 200
    kinds = response.get_json()["kinds"]
    assert set(kinds) == set(KINDS)
    for flow in FLOWS:
        for kind in flow.kinds:
            doc = kinds[kind]
            assert doc["flow"] == flow.name and doc["initial"] == flow.initial
            assert [s["name"] for s in doc["states"]] == list(flow.state_names)
            assert {s["name"] for s in doc["states"] if s["terminal"]} == set(flow.terminal)
            assert [t["name"] for t in doc["triggers"]] == [t.name for t in flow.triggers]
            for described, trigger in zip(doc["triggers"], flow.triggers):
                assert described["from"] == list(trigger.sources)
                assert described["roles"] == list(trigger.roles)
                assert described["needs_approval"] == trigger.needs_approval
                assert described["comment_required"] == trigger.comment_required
                assert described["guards"] == list(trigger.guards)
                assert [f["name"] for f in described["data"]] == [f.name for f in trigger.fields]
                if trigger.dest is not None:
                    assert described["to"] == trigger.dest
    grassroots = {t["name"]: t for t in kinds["grassroots"]["triggers"]}
    assert grassroots["recognise"]["approved_by"] == "supervisor"
    assert grassroots["return_dossier"]["roles"] == ["supervisor"]
    pilot = {t["name"]: t for t in kinds["conglomerate_pilot"]["triggers"]}
    assert pilot["approve_scheme"]["needs_approval"] is True
    assert "VGCL" in pilot["approve_scheme"]["approved_by"]


def test_workflow_document_needs_a_token(client):
    assert client.get("/api/v1/workflow").status_code == 401


def test_unknown_api_route_is_json_404(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_token_expiry_is_in_the_future(team):
    issue_token(team.organiser, days=30)
    db.session.commit()
    row = db.session.scalars(sa.select(ApiToken)).one()
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(
        tzinfo=timezone.utc)
    # the app's clock (the suite's runs on its own 09:00 clock), not the machine's
    assert timedelta(days=29) < expires - clock.now() <= timedelta(days=30)


def _statements_for(client, url: str, headers: dict) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_approvals_list_runs_a_fixed_number_of_queries(client):
    team = make_team()
    headers = bearer(team.supervisor)

    def request_closures(n: int) -> None:
        for _ in range(n):
            fire(make_case(team.organiser), team.organiser, "close")

    request_closures(2)
    few = _statements_for(client, "/api/v1/approvals?status=pending", headers)
    request_closures(8)
    many = _statements_for(client, "/api/v1/approvals?status=pending", headers)
    assert few == many


# ---------------------------------------------------------------------------------------------
# a new case never changes what another case recorded

SAIGON = {"name": "Công ty TNHH May Sài Gòn", "province": "79", "workforce": 300,
          "ownership": "fdi", "sector": "textile_garment"}
RENAMED = {"name": "Công ty Đổi Tên", "province": "01", "workforce": 7, "ownership": "state",
           "sector": "banking"}


def closed_case_in_79(client):
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser, enterprises=[enterprise(**SAIGON)]), "closed", team)
    return case, Api(client, team.organiser)


def assert_still_recorded(saigon: Api, case) -> None:
    """The closed case shows what it recorded and is found by it, and only by it."""
    shown = saigon.case(case.id)["enterprises"][0]
    assert {k: shown[k] for k in SAIGON} == SAIGON
    assert saigon.case(case.id)["province"] == "79"
    found = saigon.get("/cases", q="may sai gon").get_json()
    assert [item["id"] for item in found["items"]] == [case.id]
    assert case.id not in [i["id"] for i in saigon.get("/cases", q="doi ten").get_json()["items"]]


def test_a_case_in_another_province_does_not_rewrite_a_closed_case(client):
    closed, saigon = closed_case_in_79(client)
    code = closed.enterprises[0].tax_code
    hanoi = Api(client, new_user("organiser", "LDLD-01"))
    response = hanoi.post("/cases", {"kind": "grassroots", "unit": "LDLD-01",
                                     "enterprises": [{**RENAMED, "tax_code": code}]})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert {k: made["enterprises"][0][k] for k in RENAMED} == RENAMED
    assert made["province"] == "01"
    assert_still_recorded(saigon, closed)
    found = hanoi.get("/cases", q="doi ten").get_json()
    assert [item["id"] for item in found["items"]] == [made["id"]]
    # one active case per tax code still: a third is refused, wherever it comes from
    response = saigon.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                      "enterprises": [enterprise(code=code)]})
    assert response.status_code == 409 and error_of(response)["code"] == "duplicate_case"
