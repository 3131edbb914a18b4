"""The workflows, tested from the transition table itself (casework.workflow.definition.FLOWS).

For every trigger: refused from a wrong state (409), refused for a role it does not list (403),
accepted for every role it lists. For every guard: refused with 422 and a reason, accepted once
satisfied. Then whole walks through the API, the side states and the settings that move guards.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest

from casework.extensions import db
from casework.models import Case
from casework.models.user import Role
from casework.services.calendar import add_working_days
from casework.services.settings import set_setting
from casework.workflow.definition import DOCUMENTS, FLOWS, Flow, Trigger
from casework import clock
from tests.helpers import (TODAY, Api, Team, enterprise, error_of, history, log, make_case,
                           make_team, new_user, path_to, prepare, trigger_data, walk_to)

ALL_ROLES = tuple(r.value for r in Role)
TRIGGERS = [(flow, trigger) for flow in FLOWS for trigger in flow.triggers]
TRIGGER_IDS = [f"{flow.name}:{trigger.name}" for flow, trigger in TRIGGERS]


def _cost(flow: Flow, state: str) -> tuple[int, int]:
    return len(path_to(flow, flow.initial, state)), flow.state_names.index(state)


def cheapest_source(flow: Flow, trigger: Trigger) -> str:
    return min(trigger.sources, key=lambda s: _cost(flow, s))


def cheapest_wrong_state(flow: Flow, trigger: Trigger) -> str:
    return min((s for s in flow.state_names if s not in trigger.sources),
               key=lambda s: _cost(flow, s))


@pytest.fixture
def team() -> Team:
    return make_team("LDLD-79")


def case_in(flow: Flow, state: str, team: Team) -> Case:
    case = make_case(team.organiser, flow.kinds[0])
    return walk_to(case, state, team)


# ---------------------------------------------------------------------------------------------
# every trigger, from the table


def test_the_table_is_consistent():
    for flow in FLOWS:
        states = set(flow.state_names)
        for trigger in flow.triggers:
            assert set(trigger.sources) <= states, trigger.name
            assert trigger.dest is None or trigger.dest in states, trigger.name
            assert trigger.roles and set(trigger.roles) <= {"organiser", "supervisor"}
        # every state can be reached from the initial one
        for state in flow.state_names:
            path_to(flow, flow.initial, state)


@pytest.mark.parametrize("flow,trigger", TRIGGERS, ids=TRIGGER_IDS)
def test_trigger_is_refused_from_a_wrong_state(client, team, flow, trigger):
    case = case_in(flow, cheapest_wrong_state(flow, trigger), team)
    actor = team.organiser if "organiser" in trigger.roles else team.supervisor
    api = Api(client, actor)
    before = api.case(case.id)

    response = api.fire(case.id, trigger.name)

    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"
    after = api.case(case.id)
    assert (after["state"], after["version"]) == (before["state"], before["version"])
    assert len(after["history"]) == len(before["history"])


@pytest.mark.parametrize("flow,trigger", TRIGGERS, ids=TRIGGER_IDS)
def test_trigger_is_refused_for_roles_it_does_not_list(client, team, flow, trigger):
    case = case_in(flow, cheapest_source(flow, trigger), team)
    version = case.version
    refused = [role for role in ALL_ROLES if role not in trigger.roles]
    assert {"leader", "admin"} <= set(refused)  # leaders and admins fire nothing

    for role in refused:
        api = Api(client, new_user(role, "LDLD-79"))
        response = api.fire(case.id, trigger.name, version=version)
        assert response.status_code == 403, (role, response.get_json())
        assert error_of(response)["code"] == "forbidden"
        assert trigger.name not in api.case(case.id)["allowed_triggers"]
    db.session.refresh(case)
    assert case.version == version


@pytest.mark.parametrize("flow,trigger", TRIGGERS, ids=TRIGGER_IDS)
def test_trigger_is_accepted_for_every_role_it_lists(client, team, flow, trigger):
    for role in trigger.roles:
        case = case_in(flow, cheapest_source(flow, trigger), team)
        left = case.resume_state
        actor = team.organiser if role == "organiser" else team.supervisor
        api = Api(client, actor)
        assert trigger.name in api.case(case.id)["allowed_triggers"]
        prepare(case, actor, trigger.name)

        response = api.fire(case.id, trigger.name)

        if trigger.needs_approval:
            assert response.status_code == 202, response.get_json()
            approval = response.get_json()["approval"]
            assert (approval["trigger"], approval["status"]) == (trigger.name, "pending")
            assert api.case(case.id)["state"] == case.state  # nothing moves until approved
        else:
            assert response.status_code == 200, response.get_json()
            expected = trigger.dest if trigger.dest is not None else left
            assert response.get_json()["state"] == expected


def test_leaders_and_admins_see_no_buttons(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    for role in ("leader", "admin"):
        body = Api(client, new_user(role, "LDLD-79")).case(case.id)
        assert body["allowed_triggers"] == []
    assert Api(client, team.supervisor).case(case.id)["allowed_triggers"] == [
        "return_dossier", "recognise", "put_on_hold", "close"]
    assert Api(client, team.organiser).case(case.id)["allowed_triggers"] == [
        "recognise", "put_on_hold", "close"]


# ---------------------------------------------------------------------------------------------
# every guard, from the table: fails with a reason, passes when satisfied


@dataclass
class GuardScenario:
    kind: str
    trigger: str
    fail: Callable[[Case, Team], dict]   # arrange the case so the guard fails; the data to send
    fix: Callable[[Case, Team], dict]    # then arrange it so the guard passes
    reason: str                          # a word the refusal's message must contain


def _no_organiser(case, team):
    case.organiser = None
    db.session.commit()
    return {}


def _assign_organiser(case, team):
    case.organiser = team.organiser
    db.session.commit()
    return {}


def _with(trigger: str, **changes):
    return lambda case, team: {**trigger_data(trigger), **changes}


def _log_then(kind: str, data: dict | None = None, **counts):
    def arrange(case, team):
        log(case, team.organiser, kind, **counts)
        return data or {}
    return arrange


GUARDS = {
    "organiser_assigned": GuardScenario(
        "grassroots", "start_outreach", _no_organiser, _assign_organiser, "organiser"),
    "outreach_step_logged": GuardScenario(
        "grassroots", "form_committee",
        _log_then("applications_collected", trigger_data("form_committee"), vietnamese=2),
        _log_then("worker_meeting", trigger_data("form_committee")), "outreach"),
    "enough_applications": GuardScenario(
        "grassroots", "confirm_eligibility",
        # 4 Vietnamese and 10 foreign workers: foreign applicants are not counted as founders
        _log_then("applications_collected", vietnamese=4, foreign=10),
        _log_then("applications_collected", vietnamese=1), "at least 5"),
    "attendance_quorum": GuardScenario(
        "grassroots", "hold_congress", _with("hold_congress", attendance=4),
        _with("hold_congress", attendance=5), "at least 5"),
    "dossier_complete": GuardScenario(
        # the workforce report and business registration are optional by default (a setting)
        "grassroots", "submit_dossier",
        _with("submit_dossier", documents=[d for d in DOCUMENTS if d != "committee_cvs"]),
        _with("submit_dossier"), "missing: CVs of the executive committee"),  # codes: error.missing
    "founding_members_quorum": GuardScenario(
        "grassroots", "announce", _with("announce", founding_members=4),
        _with("announce", founding_members=5), "at least 5"),
    "survey_report_logged": GuardScenario(
        "conglomerate_pilot", "draft_scheme", _log_then("worker_meeting"),
        _log_then("survey_report"), "survey report"),
}


def test_every_guard_in_the_table_has_a_scenario():
    in_table = {g for flow in FLOWS for t in flow.triggers for g in t.guards}
    assert in_table == set(GUARDS)
    for name, scenario in GUARDS.items():
        trigger = next(t for f in FLOWS for t in f.triggers if t.name == scenario.trigger)
        assert name in trigger.guards


@pytest.mark.parametrize("guard", sorted(GUARDS))
def test_guard_fails_with_a_reason_then_passes_when_satisfied(client, team, guard):
    scenario = GUARDS[guard]
    flow = next(f for f in FLOWS if scenario.kind in f.kinds)
    trigger = flow.trigger(scenario.trigger)
    case = case_in(flow, trigger.sources[0], team)
    api = Api(client, team.organiser)

    refused = api.fire(case.id, trigger.name, data=scenario.fail(case, team))
    assert refused.status_code == 422, refused.get_json()
    error = error_of(refused)
    assert error["code"] == "guard_failed"
    assert scenario.reason in error["message"]
    body = api.case(case.id)
    assert body["state"] == trigger.sources[0]
    assert [e for e in body["history"] if e["action"] == "transition"
            and e["trigger"] == trigger.name] == []

    accepted = api.fire(case.id, trigger.name, data=scenario.fix(case, team))
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["state"] == trigger.dest


@pytest.mark.parametrize("flow,trigger", [(f, t) for f, t in TRIGGERS if t.fields],
                         ids=[i for (f, t), i in zip(TRIGGERS, TRIGGER_IDS) if t.fields])
def test_missing_or_malformed_data_is_refused(client, team, flow, trigger):
    case = case_in(flow, cheapest_source(flow, trigger), team)
    api = Api(client, team.organiser)
    valid = trigger_data(trigger.name)
    for field in trigger.fields:
        if not field.required or field.type == "documents":
            continue
        bad = {"date": "31/12/2026", "int": "many", "text": 42, "names": 42}[field.type]
        if field in trigger.decision_fields:  # optional in the request, checked when given
            response = api.fire(case.id, trigger.name, data={**valid, field.name: bad})
            assert response.status_code == 422, (field.name, response.get_json())
            continue
        data = {k: v for k, v in valid.items() if k != field.name}
        response = api.fire(case.id, trigger.name, data=data)
        assert response.status_code == 422, (field.name, response.get_json())
        assert response.get_json()["error"]["field"] == field.name
        bad = {"date": "31/12/2026", "int": "many", "text": 42, "names": 42}[field.type]
        response = api.fire(case.id, trigger.name, data={**valid, field.name: bad})
        assert response.status_code == 422, (field.name, response.get_json())
    assert api.case(case.id)["state"] == case.state


@pytest.mark.parametrize("trigger", ["put_on_hold", "close", "return_dossier"])
def test_comment_is_required(client, team, trigger):
    flow = FLOWS[0]
    case = case_in(flow, cheapest_source(flow, flow.trigger(trigger)), team)
    response = Api(client, team.supervisor).fire(case.id, trigger, comment="   ")
    assert response.status_code == 422
    assert error_of(response)["code"] == "guard_failed"
    assert "comment" in error_of(response)["message"].lower()


# ---------------------------------------------------------------------------------------------
# a grassroots case from identified to founded, through the API, with all its data


def test_grassroots_walk_from_identified_to_founded(client):
    organiser = new_user("organiser", "LDLD-79", name="Nguyễn Thị Lan")
    supervisor, other_supervisor = new_user("supervisor"), new_user("supervisor")
    api, sup, sup2 = Api(client, organiser), Api(client, supervisor), Api(client, other_supervisor)

    created = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79", "target_members": 80,
                                  "enterprises": [enterprise("Công ty TNHH Giày da Đông Á")]})
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    case_id = case["id"]
    assert case["state"] == "identified"
    assert case["organiser"] == organiser.email
    assert case["allowed_triggers"] == ["start_outreach", "put_on_hold", "close"]

    def fire(trigger, expect=200, who=api, **changes):
        response = who.fire(case_id, trigger, data={**trigger_data(trigger), **changes})
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def step(kind, vietnamese=0, foreign=0):
        response = api.post(f"/cases/{case_id}/steps", {
            "kind": kind, "date": TODAY.isoformat(), "note": "Họp công nhân ca chiều",
            "applications_vietnamese": vietnamese, "applications_foreign": foreign})
        assert response.status_code == 201, response.get_json()

    assert fire("start_outreach")["state"] == "outreach"
    fire("form_committee", 422)                      # no outreach step yet
    step("worker_meeting")
    assert fire("form_committee")["state"] == "mobilising"
    step("applications_collected", vietnamese=4, foreign=3)
    fire("confirm_eligibility", 422)                 # 4 Vietnamese: foreign ones do not count
    step("applications_collected", vietnamese=1)
    eligible = fire("confirm_eligibility")
    assert eligible["state"] == "eligible"
    assert eligible["applications"] == {"vietnamese": 5, "foreign": 3, "received": 0}
    fire("schedule_congress")
    fire("hold_congress", 422, attendance=4)
    held = fire("hold_congress", attendance=5)
    assert held["state"] == "congress_held"
    assert held["details"]["hold_congress"]["chair"] == "Trần Văn Hùng"
    fire("submit_dossier", 422, documents=["cover_letter", "member_list"])
    submitted = fire("submit_dossier")
    assert submitted["state"] == "dossier_submitted"
    assert submitted["deadline"] == add_working_days(TODAY, 15).isoformat()

    # recognition needs a supervisor's approval, and not the requester's own; a decision
    # cannot precede the dossier (submitted today)
    fire("recognise", 422, who=sup, decision_date=(TODAY - timedelta(days=1)).isoformat())
    approval = fire("recognise", 202, who=sup)["approval"]
    assert api.case(case_id)["state"] == "dossier_submitted"
    pending = sup2.get("/approvals", status="pending").get_json()["items"]
    assert [a["id"] for a in pending] == [approval["id"]] and pending[0]["can_decide"]
    own = sup.post(f"/approvals/{approval['id']}/decision",
                   {"decision": "approve", "comment": "ok"})
    assert own.status_code == 403
    decided = sup2.post(f"/approvals/{approval['id']}/decision",
                        {"decision": "approve", "comment": "Đồng ý"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["approval"]["status"] == "approved"
    recognised = decided.get_json()["case"]
    assert recognised["state"] == "recognised"
    assert recognised["deadline"] is None
    assert recognised["details"]["decision"]["decision_number"] == "1/QĐ-LĐLĐ"

    fire("announce", 422, announced_on=(TODAY - timedelta(days=1)).isoformat())  # < decision
    fire("announce", 422, founding_members=4)
    founded = fire("announce", founding_members=5, announced_on=TODAY.isoformat())
    assert founded["state"] == "founded"
    assert founded["founded_members"] == 5
    assert founded["allowed_triggers"] == []

    body = api.case(case_id)
    moves = [(e["from"], e["to"]) for e in body["history"] if e["action"] == "transition"]
    assert moves == [("identified", "outreach"), ("outreach", "mobilising"),
                     ("mobilising", "eligible"), ("eligible", "congress_scheduled"),
                     ("congress_scheduled", "congress_held"),
                     ("congress_held", "dossier_submitted"), ("dossier_submitted", "recognised"),
                     ("recognised", "founded")]
    first = next(e for e in body["history"] if e["action"] == "transition")
    assert (first["actor"], first["actor_role"], first["actor_unit"]) == (
        "Nguyễn Thị Lan", "organiser", "LDLD-79")
    recognition = next(e for e in body["history"] if e["trigger"] == "recognise"
                       and e["action"] == "transition")
    assert recognition["actor_role"] == "supervisor"
    assert recognition["data"]["requested_by"] == supervisor.email
    assert len(body["steps"]) == 3

    # a founded case takes no more steps
    response = api.post(f"/cases/{case_id}/steps", {"kind": "other", "date": TODAY.isoformat()})
    assert response.status_code == 409


def test_appoint_provisional_skips_the_congress(client, team):
    case = case_in(FLOWS[0], "eligible", team)
    api = Api(client, team.organiser)
    approval = api.fire(case.id, "appoint_provisional").get_json()["approval"]
    decided = Api(client, team.supervisor).post(f"/approvals/{approval['id']}/decision",
                                                {"decision": "approve", "comment": ""})
    assert decided.status_code == 200
    assert decided.get_json()["case"]["state"] == "recognised"
    assert api.fire(case.id, "announce").get_json()["state"] == "founded"


def test_return_dossier_goes_back_and_clears_the_deadline(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    assert case.deadline is not None
    refused = Api(client, team.organiser).fire(case.id, "return_dossier")
    assert refused.status_code == 403
    response = Api(client, team.supervisor).fire(case.id, "return_dossier",
                                                 comment="Thiếu chữ ký biên bản")
    assert response.status_code == 200
    assert (response.get_json()["state"], response.get_json()["deadline"]) == (
        "congress_held", None)


def test_rejected_approval_leaves_the_case_where_it_was(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    approval = Api(client, team.organiser).fire(case.id, "recognise").get_json()["approval"]
    sup = Api(client, team.supervisor)
    no_comment = sup.post(f"/approvals/{approval['id']}/decision", {"decision": "reject"})
    assert no_comment.status_code == 422
    rejected = sup.post(f"/approvals/{approval['id']}/decision",
                        {"decision": "reject", "comment": "Sai số quyết định"})
    assert rejected.status_code == 200
    assert rejected.get_json()["approval"]["status"] == "rejected"
    assert rejected.get_json()["case"]["state"] == "dossier_submitted"
    again = sup.post(f"/approvals/{approval['id']}/decision", {"decision": "approve"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_decided"


def test_one_pending_approval_per_case(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    api = Api(client, team.organiser)
    assert api.fire(case.id, "recognise").status_code == 202
    second = api.fire(case.id, "close")
    assert second.status_code == 409
    assert error_of(second)["code"] == "approval_pending"


def test_no_approval_trigger_is_offered_while_a_request_is_pending(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    api, sup = Api(client, team.organiser), Api(client, team.supervisor)
    assert api.fire(case.id, "recognise").status_code == 202
    # recognise and close need approval: a second request would be refused, so neither is offered
    assert api.case(case.id)["allowed_triggers"] == ["put_on_hold"]
    assert sup.case(case.id)["allowed_triggers"] == ["return_dossier", "put_on_hold"]
    refused = api.fire(case.id, "recognise")     # fired anyway: refused as before
    assert (refused.status_code, error_of(refused)["code"]) == (409, "approval_pending")


def test_a_pending_request_is_superseded_when_the_case_moves(client, team):
    case = case_in(FLOWS[0], "dossier_submitted", team)
    approval = Api(client, team.organiser).fire(case.id, "recognise").get_json()["approval"]
    sup = Api(client, team.supervisor)
    assert sup.fire(case.id, "return_dossier").status_code == 200
    late = sup.post(f"/approvals/{approval['id']}/decision", {"decision": "approve"})
    assert late.status_code == 409
    assert error_of(late)["code"] in ("already_decided", "case_moved")
    assert sup.case(case.id)["state"] == "congress_held"


# ---------------------------------------------------------------------------------------------
# small units and the conglomerate pilot


def test_small_units_case_groups_several_small_employers(client, team):
    api = Api(client, team.organiser)
    small = [enterprise("Hộ kinh doanh May Bình Minh", workforce=12),
             enterprise("Cơ sở Gỗ An Phát", workforce=24, province="75"),
             enterprise("Công ty TNHH Nhựa Sao Mai", workforce=8)]
    created = api.post("/cases", {"kind": "small_units", "unit": "LDLD-79", "enterprises": small})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert [e["workforce"] for e in body["enterprises"]] == [12, 24, 8]
    assert body["province"] == "79"  # the first enterprise's

    too_big = api.post("/cases", {"kind": "small_units", "unit": "LDLD-79",
                                  "enterprises": [enterprise(workforce=10),
                                                  enterprise(workforce=25)]})
    assert too_big.status_code == 422
    assert too_big.get_json()["error"]["field"] == "enterprises.1.workforce"
    alone = api.post("/cases", {"kind": "small_units", "unit": "LDLD-79",
                                "enterprises": [enterprise(workforce=10)]})
    assert alone.status_code == 422
    two_for_grassroots = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                             "enterprises": [enterprise(), enterprise()]})
    assert two_for_grassroots.status_code == 422

    case = db.session.get(Case, body["id"])
    walk_to(case, "founded", team)
    assert case.founded_members == 12
    assert all(not link.active for link in case.links)


def test_conglomerate_pilot_flow(client, team):
    api = Api(client, team.organiser)
    created = api.post("/cases", {"kind": "conglomerate_pilot", "unit": "LDLD-79",
                                  "enterprises": [enterprise("Tập đoàn Vingroup",
                                                             workforce=40000,
                                                             ownership="conglomerate_member")]})
    assert created.status_code == 201
    case_id = created.get_json()["id"]
    assert created.get_json()["state"] == "proposed"
    assert api.fire(case_id, "start_survey").get_json()["state"] == "survey"
    refused = api.fire(case_id, "draft_scheme")
    assert refused.status_code == 422 and "survey report" in error_of(refused)["message"]
    assert api.post(f"/cases/{case_id}/steps", {"kind": "survey_report",
                                                "date": TODAY.isoformat()}).status_code == 201
    assert api.fire(case_id, "draft_scheme").get_json()["state"] == "scheme_drafted"

    approval = api.fire(case_id, "approve_scheme").get_json()["approval"]
    url = f"/approvals/{approval['id']}/decision"
    # only a leader at the VGCL node decides a scheme
    for who in (team.supervisor, new_user("supervisor", "VGCL"), new_user("leader", "LDLD-79")):
        response = Api(client, who).post(url, {"decision": "approve", "comment": "ok"})
        assert response.status_code == 403, (who.role, who.unit.code)
    assert Api(client, team.supervisor).get("/approvals").get_json()["items"][0][
        "can_decide"] is False
    leader = Api(client, team.vgcl_leader)
    assert [a["id"] for a in leader.get("/approvals").get_json()["items"]] == [approval["id"]]
    decided = leader.post(url, {"decision": "approve", "comment": "Đồng ý thí điểm"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["case"]["state"] == "scheme_approved"

    assert api.fire(case_id, "establish").get_json()["state"] == "established"
    founded = api.fire(case_id, "complete_transfer",
                       data={"member_unions": 6, "founding_members": 850}).get_json()
    assert (founded["state"], founded["founded_members"]) == ("founded", 850)


# ---------------------------------------------------------------------------------------------
# on hold, resume, close


ACTIVE = [(flow, state) for flow in FLOWS for state in flow.active_states]


@pytest.mark.parametrize("flow,state", ACTIVE, ids=[f"{f.name}:{s}" for f, s in ACTIVE])
def test_resume_returns_to_the_state_it_left(client, team, flow, state):
    case = case_in(flow, state, team)
    api = Api(client, team.organiser)
    no_reason = api.fire(case.id, "put_on_hold", comment="")
    assert no_reason.status_code == 422
    held = api.fire(case.id, "put_on_hold", comment="Doanh nghiệp tạm nghỉ Tết")
    assert held.status_code == 200
    assert (held.get_json()["state"], held.get_json()["resume_state"]) == ("on_hold", state)
    assert held.get_json()["allowed_triggers"] == ["resume", "close"]

    resumed = Api(client, team.supervisor).fire(case.id, "resume")
    assert resumed.status_code == 200
    assert (resumed.get_json()["state"], resumed.get_json()["resume_state"]) == (state, None)
    moves = [(e.from_state, e.to_state) for e in history(case, "transition")][-2:]
    assert moves == [(state, "on_hold"), ("on_hold", state)]


@pytest.mark.parametrize("start", ["mobilising", "on_hold"])
def test_close_needs_approval_and_a_reason_and_frees_the_enterprise(client, team, start):
    case = case_in(FLOWS[0], start, team)
    tax_code = case.enterprises[0].tax_code
    api = Api(client, team.organiser)
    assert api.fire(case.id, "close", comment="").status_code == 422
    requested = api.fire(case.id, "close", comment="Chủ doanh nghiệp không hợp tác")
    assert requested.status_code == 202
    assert api.case(case.id)["state"] == start

    # while the case is active, the enterprise cannot get a second one
    duplicate = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                    "enterprises": [enterprise(code=tax_code)]})
    assert duplicate.status_code == 409

    approval_id = requested.get_json()["approval"]["id"]
    decided = Api(client, team.supervisor).post(f"/approvals/{approval_id}/decision",
                                                {"decision": "approve", "comment": "Đồng ý"})
    assert decided.status_code == 200
    assert decided.get_json()["case"]["state"] == "closed"
    assert decided.get_json()["case"]["allowed_triggers"] == []
    closing = history(case, "transition")[-1]
    assert (closing.from_state, closing.to_state, closing.comment) == (start, "closed", "Đồng ý")

    again = api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                                "enterprises": [enterprise(code=tax_code)]})
    assert again.status_code == 201, again.get_json()


# ---------------------------------------------------------------------------------------------
# settings move the guards


def test_min_founders_setting_changes_the_guards(client, team):
    api = Api(client, team.organiser)
    case = case_in(FLOWS[0], "mobilising", team)
    log(case, team.organiser, "applications_collected", vietnamese=6)

    set_setting("min_founders", 7)
    db.session.commit()
    refused = api.fire(case.id, "confirm_eligibility")
    assert refused.status_code == 422 and "at least 7" in error_of(refused)["message"]

    set_setting("min_founders", 3)
    db.session.commit()
    assert api.fire(case.id, "confirm_eligibility").status_code == 200
    api.fire(case.id, "schedule_congress")
    assert api.fire(case.id, "hold_congress",
                    data={**trigger_data("hold_congress"), "attendance": 3}).status_code == 200


def test_recognition_deadline_setting(client, team):
    set_setting("recognition_deadline_days", 5)
    db.session.commit()
    case = case_in(FLOWS[0], "dossier_submitted", team)
    assert case.deadline == add_working_days(clock.today(), 5)
