"""Data that can be trusted where it is entered (issue 11): dates in order, counts within the
workforce, units within their parent's province, approvals that cannot get stuck, triggers
offered disabled with their reason, and the decision entered by the person who approves it."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import ApprovalRequest, AuditEntry, Case, OrgUnit
from casework.errors import Invalid
from casework.services.approvals import decide
from casework.services.cases import edit_case
from casework.services.settings import set_setting
from casework.services.units import create_unit, update_unit
from casework.services.visits import create_visit, update_visit
from casework.transaction import commit
from casework.workflow.data import GuardFailed
from casework.workflow.definition import DATE_RULES, FLOWS
from tests.helpers import (PASSWORD, TODAY, Api, Team, enterprise, error_of, fire, history,
                           make_case, make_team, new_user, trigger_data, walk_to)
from tests.browser import browser, text  # noqa: F401


@pytest.fixture
def team():
    return make_team("LDLD-79")


@pytest.fixture
def people():
    """A team who can sign in to the pages (new_user gives them a password)."""
    return Team(organiser=new_user("organiser", "LDLD-79", password=PASSWORD),
                supervisor=new_user("supervisor", "LDLD-79", password=PASSWORD),
                vgcl_leader=new_user("leader", "VGCL", password=PASSWORD))


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def date_of(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def at(offset: int) -> datetime:
    """Noon in Vietnam, `offset` days from today."""
    return datetime.combine(TODAY + timedelta(days=offset), time(12), tzinfo=clock.VIETNAM)


# --- dates ------------------------------------------------------------------------------------

def test_every_date_field_of_the_flows_has_a_rule():
    dated = {f.name for flow in FLOWS for t in flow.triggers for f in t.fields
             if f.type == "date"}
    assert dated <= set(DATE_RULES)


@pytest.mark.parametrize("trigger,field,offset,reason", [
    ("schedule_congress", "congress_date", -1, "past"),
    ("hold_congress", "held_on", 1, "future"),
    ("announce", "announced_on", 1, "future"),
])
def test_a_date_on_the_wrong_side_of_today_is_refused(client, team, trigger, field, offset,
                                                      reason):
    source = next(t for t in FLOWS[0].triggers if t.name == trigger).sources[0]
    case = walk_to(make_case(team.organiser), source, team)
    api = Api(client, team.organiser)
    refused = api.fire(case.id, trigger, data={**trigger_data(trigger), field: day(offset)})
    assert refused.status_code == 422, refused.get_json()
    assert error_of(refused)["field"] == field
    assert reason in error_of(refused)["message"]
    assert api.fire(case.id, trigger).status_code == 200


def test_a_congress_is_recorded_held_no_earlier_than_its_date(client, team):
    case = walk_to(make_case(team.organiser), "eligible", team)
    api = Api(client, team.organiser)
    assert api.fire(case.id, "schedule_congress",
                    data={"congress_date": day(3)}).status_code == 200
    body = api.case(case.id)
    # offered, but disabled with the reason: no day up to today satisfies it
    assert "hold_congress" in body["allowed_triggers"]
    assert "congress date" in body["blocked_triggers"]["hold_congress"]
    refused = api.fire(case.id, "hold_congress")
    assert refused.status_code == 422 and error_of(refused)["field"] == "held_on"
    assert "congress date" in error_of(refused)["message"]


def test_a_decision_is_dated_on_or_after_the_dossier_on_every_path(client, team):
    """The demo seeder and the import move the clock (clock.travel_to): the same rule holds."""
    case = make_case(team.organiser)
    with clock.travel_to(at(-5)):    # eligible and congress five days ago
        walk_to(case, "eligible", team)
        fire(case, team.organiser, "schedule_congress", data={"congress_date": day(-5)})
        fire(case, team.organiser, "hold_congress",
             data={**trigger_data("hold_congress"), "held_on": day(-5)})
    with clock.travel_to(at(-3)):    # the dossier went in three days ago
        fire(case, team.organiser, "submit_dossier")
        _, approval = fire(case, team.organiser, "recognise", data={})
    db.session.refresh(case)
    with pytest.raises(GuardFailed, match="dossier"):
        decide(approval, team.supervisor, decision="approve",
               data={**trigger_data("recognise"), "decision_date": day(-4)})
    db.session.rollback()
    with pytest.raises(GuardFailed, match="future"):
        decide(approval, team.supervisor, decision="approve",
               data={**trigger_data("recognise"), "decision_date": day(1)})
    db.session.rollback()
    decide(approval, team.supervisor, decision="approve",
           data={**trigger_data("recognise"), "decision_date": day(-3)})
    commit()
    assert case.state == "recognised"
    assert case.details["decision"]["decision_date"] == day(-3)


def test_steps_and_visits_keep_to_their_dates(client, team):
    api = Api(client, team.organiser)
    case = make_case(team.organiser)
    tomorrow = api.post(f"/cases/{case.id}/steps", {"kind": "worker_meeting", "date": day(1)})
    assert tomorrow.status_code == 422 and error_of(tomorrow)["field"] == "date"
    assert api.post(f"/cases/{case.id}/steps",
                    {"kind": "worker_meeting", "date": day(0)}).status_code == 201

    leader = team.vgcl_leader
    with pytest.raises(Invalid, match="past") as refused:
        create_visit(leader, province="79", host_unit="LDLD-79", planned_date=date_of(-1),
                     purpose="Đôn đốc")
    assert refused.value.field == "planned_date"
    db.session.rollback()
    visit = create_visit(leader, province="79", host_unit="LDLD-79", planned_date=date_of(2),
                         purpose="Đôn đốc")
    commit()
    with pytest.raises(Invalid, match="future"):
        update_visit(visit, leader, {"status": "done", "outcome": "Tốt"}, version=visit.version)
    db.session.rollback()
    with pytest.raises(Invalid, match="past"):
        update_visit(visit, leader, {"planned_date": date_of(-2)}, version=visit.version)


def test_the_form_says_which_days_are_allowed_before_it_is_submitted(browser, people):
    case = walk_to(make_case(people.organiser), "eligible", people)
    me = browser(people.organiser)
    me.client.set_cookie("lang", "vi")    # the help text is translated like the rest
    page = text(me.get(f"/cases/{case.id}/transitions/schedule_congress"))
    field = re.search(r'<input[^>]*name="congress_date"[^>]*>', page).group(0)
    assert f'min="{TODAY.isoformat()}"' in field and "max=" not in field
    assert 'aria-describedby="congress_date-help"' in field
    help_ = re.search(r'id="congress_date-help">([^<]+)<', page).group(1)
    assert help_ == "Từ hôm nay trở đi"


# --- counts within the workforce ---------------------------------------------------------------

def test_the_member_target_cannot_exceed_the_workforce(client, team):
    api = Api(client, team.organiser)
    body = {"kind": "grassroots", "unit": "LDLD-79", "target_members": 121,
            "enterprises": [enterprise(workforce=120)]}
    refused = api.post("/cases", body)
    assert refused.status_code == 422 and error_of(refused)["field"] == "target_members"
    assert "120" in error_of(refused)["message"]
    set_setting("member_target_margin", 10)   # a federation allowing expected hires
    commit()
    created = api.post("/cases", {**body, "target_members": 132})
    assert created.status_code == 201, created.get_json()
    case = db.session.get(Case, created.get_json()["id"])
    with pytest.raises(Invalid, match="10%") as refused:
        edit_case(case, team.organiser, version=case.version, target_members=133)
    assert refused.value.field == "target_members"


@pytest.mark.parametrize("trigger,field", [("hold_congress", "attendance"),
                                           ("announce", "founding_members")])
def test_attendance_and_founding_members_stay_within_the_workforce(client, team, trigger,
                                                                   field):
    source = next(t for t in FLOWS[0].triggers if t.name == trigger).sources[0]
    case = walk_to(make_case(team.organiser, enterprises=[enterprise(workforce=30)],
                             target_members=30), source, team)
    api = Api(client, team.organiser)
    refused = api.fire(case.id, trigger, data={**trigger_data(trigger), field: 31})
    assert refused.status_code == 422 and error_of(refused)["field"] == field
    assert "30" in error_of(refused)["message"]
    assert api.fire(case.id, trigger, data={**trigger_data(trigger), field: 30}).status_code \
        == 200


# --- units within their parent's province --------------------------------------------------------

def test_a_unit_lies_in_its_parents_province():
    with pytest.raises(Invalid) as refused:
        create_unit(code="CD-XA-HCM", name="Công đoàn phường Bến Nghé", type_="commune_union",
                    parent_code="LDLD-01", province_code="79")
    assert refused.value.field == "province"
    db.session.rollback()
    unit = create_unit(code="CD-XA-HN", name="Công đoàn phường Hoàn Kiếm",
                       type_="commune_union", parent_code="LDLD-01")
    commit()
    assert unit.province.code == "01"          # a unit without a province takes its parent's
    with pytest.raises(Invalid):
        update_unit(unit, code=unit.code, name=unit.name, type_=unit.type,
                    parent_code="LDLD-01", province_code="79")
    db.session.rollback()
    # moved to another province, a unit takes its sub-units along
    grassroots = create_unit(code="CDCS-HN", name="CĐCS Công ty May Hà Nội", type_="grassroots",
                             parent_code="CD-XA-HN")
    commit()
    update_unit(unit, code=unit.code, name=unit.name, type_=unit.type, parent_code="LDLD-79")
    commit()
    db.session.refresh(grassroots)
    assert (unit.province.code, grassroots.province.code) == ("79", "79")
    # a national sector union holds units in any province, so it cannot be given one
    create_unit(code="CD-DM-79", name="CĐCS Dệt May Sài Gòn", type_="grassroots",
                parent_code="CD-DETMAY", province_code="79")
    create_unit(code="CD-DM-01", name="CĐCS Dệt May Hà Nội", type_="grassroots",
                parent_code="CD-DETMAY", province_code="01")
    commit()
    sector = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "CD-DETMAY"))
    with pytest.raises(Invalid, match="CD-DM-"):
        update_unit(sector, code=sector.code, name=sector.name, type_=sector.type,
                    parent_code="VGCL", province_code="79")


def test_unit_pickers_are_sorted_by_type_then_province_then_name(browser):
    create_unit(code="CD-XA-HN", name="Công đoàn phường Hoàn Kiếm", type_="commune_union",
                parent_code="LDLD-01")
    create_unit(code="CD-XA-AG", name="Công đoàn xã Mỹ Hòa", type_="commune_union",
                parent_code="LDLD-91")
    commit()
    organiser = new_user("organiser", "VGCL", password=PASSWORD)
    page = text(browser(organiser).get("/cases/new"))
    select = re.search(r'<select[^>]*name="unit"[^>]*>(.*?)</select>', page, re.S).group(1)
    codes = re.findall(r'value="([^"]+)"', select)
    assert codes[0] == "VGCL"
    federations = [c for c in codes if c.startswith("LDLD-")]
    assert federations.index("LDLD-91") < federations.index("LDLD-01")   # An Giang < Hà Nội
    assert codes.index("CD-XA-AG") < codes.index("CD-XA-HN")
    assert codes.index(federations[-1]) < codes.index("CD-XA-AG")       # federations first


# --- approvals that cannot get stuck ------------------------------------------------------------

def test_the_requester_withdraws_a_pending_request(client, team):
    case = make_case(team.organiser)
    api = Api(client, team.supervisor)
    filed = api.fire(case.id, "close", comment="Doanh nghiệp giải thể")
    assert filed.status_code == 202
    approval_id = filed.get_json()["approval"]["id"]
    url = f"/approvals/{approval_id}/withdraw"
    assert Api(client, team.organiser).post(url, {}).status_code == 403
    withdrawn = api.post(url, {"comment": "Nhầm hồ sơ"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["approval"]["status"] == "withdrawn"
    entry = history(case, "approval_withdrawn")[-1]
    assert (entry.actor_name, entry.comment, entry.data["approval_id"]) == (
        team.supervisor.name, "Nhầm hồ sơ", approval_id)
    again = api.post(url, {})
    assert again.status_code == 409 and error_of(again)["code"] == "already_decided"
    assert api.post(f"/approvals/{approval_id}/decision",
                    {"decision": "approve"}).status_code in (403, 409)
    # the case is free for the next request
    assert api.fire(case.id, "close", comment="Doanh nghiệp giải thể").status_code == 202


def test_a_request_no_one_else_at_the_unit_may_decide_goes_to_the_unit_above(client):
    commune = create_unit(code="CD-XA-79", name="Công đoàn phường Bến Thành",
                          type_="commune_union", parent_code="LDLD-79")
    commit()
    alone = new_user("supervisor", "CD-XA-79")
    above = new_user("supervisor", "LDLD-79")
    case = make_case(alone, unit=commune.code)
    filed = Api(client, alone).fire(case.id, "close", comment="Doanh nghiệp giải thể")
    assert filed.status_code == 202
    route = filed.get_json()["route"]
    assert (route["unit"], route["escalated"], route["nobody"]) == ("LDLD-79", True, False)
    assert "LDLD" in route["message"] or "Hồ Chí Minh" in route["message"]
    inbox = Api(client, above).get("/approvals").get_json()["items"]
    assert [a["can_decide"] for a in inbox] == [True]


def test_a_request_no_one_may_decide_says_so_and_can_be_withdrawn(client):
    alone = new_user("supervisor", "LDLD-01")       # no other supervisor, none at the VGCL
    case = make_case(alone, enterprises=[enterprise(province="01")])
    filed = Api(client, alone).fire(case.id, "close", comment="Doanh nghiệp giải thể")
    assert filed.status_code == 202
    assert filed.get_json()["route"]["nobody"] is True
    approval_id = filed.get_json()["approval"]["id"]
    assert Api(client, alone).post(f"/approvals/{approval_id}/withdraw").status_code == 200


def test_the_page_offers_withdrawing_and_says_where_the_request_went(browser):
    commune = create_unit(code="CD-XA-79", name="Công đoàn phường Bến Thành",
                          type_="commune_union", parent_code="LDLD-79")
    commit()
    alone = new_user("supervisor", "CD-XA-79", password=PASSWORD)
    new_user("supervisor", "LDLD-79", password=PASSWORD)
    case = make_case(alone, unit=commune.code)
    me = browser(alone)
    sent = me.submit(f"/cases/{case.id}/transitions/close",
                     {"comment": "Doanh nghiệp giải thể"}, follow_redirects=True)
    page = text(sent)
    assert "Công đoàn phường Bến Thành" in page and "Hồ Chí Minh" in page
    approval = db.session.scalar(sa.select(ApprovalRequest))
    action = f"/approvals/{approval.id}/withdraw"
    assert f'action="{action}"' in page
    done = me.submit(f"/cases/{case.id}", {"comment": ""}, post_url=action)
    assert done.status_code == 302
    db.session.refresh(approval)
    assert approval.status == "withdrawn"


# --- triggers whose guards cannot pass -----------------------------------------------------------

def test_a_trigger_whose_guard_cannot_pass_is_offered_disabled_with_the_reason(browser, people):
    organiser = people.organiser
    case = walk_to(make_case(organiser), "outreach", people)
    me = browser(organiser)
    page = text(me.get(f"/cases/{case.id}"))
    button = re.search(r'<button[^>]*aria-describedby="blocked-form_committee"[^>]*>', page)
    assert button and "disabled" in button.group(0)
    reason = re.search(r'id="blocked-form_committee">([^<]+)<', page).group(1)
    assert "tuyên truyền" in reason.lower() or "outreach" in reason.lower()
    assert f'/cases/{case.id}/transitions/form_committee"' not in page
    refused = me.get(f"/cases/{case.id}/transitions/form_committee")
    assert refused.status_code == 403 and reason in text(refused)


# --- the recognition decision is entered by the approver ----------------------------------------

def test_the_organiser_requests_recognition_without_a_decision(browser, people):
    organiser, supervisor = people.organiser, people.supervisor
    case = walk_to(make_case(organiser), "dossier_submitted", people)
    me = browser(organiser)
    form = text(me.get(f"/cases/{case.id}/transitions/recognise"))
    assert 'name="decision_number"' not in form and 'name="signer"' not in form
    sent = me.submit(f"/cases/{case.id}/transitions/recognise", {})
    assert sent.status_code == 302, text(sent)
    approval = db.session.scalar(sa.select(ApprovalRequest))
    assert approval.data == {}

    boss = browser(supervisor)
    inbox = text(boss.get("/approvals"))
    assert f'name="a{approval.id}-decision_number"' in inbox
    action = f"/approvals/{approval.id}/decision"
    missing = boss.submit("/approvals", {f"a{approval.id}-approve": "1"}, post_url=action)
    assert missing.status_code == 422
    db.session.refresh(approval)
    assert approval.status == "pending"
    done = boss.submit("/approvals", {f"a{approval.id}-approve": "1",
                                      f"a{approval.id}-decision_number": "1/QĐ-LĐLĐ",
                                      f"a{approval.id}-decision_date": TODAY.isoformat(),
                                      f"a{approval.id}-signer": "Vũ Đức Anh"}, post_url=action)
    assert done.status_code == 302, text(done)
    db.session.refresh(case)
    assert case.state == "recognised"
    assert case.details["decision"] == {"decision_number": "1/QĐ-LĐLĐ",
                                        "decision_date": TODAY.isoformat(),
                                        "signer": "Vũ Đức Anh"}


def test_the_api_takes_the_decision_when_approving(client, team):
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    filed = Api(client, team.organiser).fire(case.id, "recognise", data={})
    assert filed.status_code == 202
    url = f"/approvals/{filed.get_json()['approval']['id']}/decision"
    boss = Api(client, team.supervisor)
    missing = boss.post(url, {"decision": "approve"})
    # the register numbers the decision; its date is still the approver's to enter
    assert missing.status_code == 422 and error_of(missing)["field"] == "decision_date"
    done = boss.post(url, {"decision": "approve", "data": trigger_data("recognise")})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["case"]["details"]["decision"]["signer"] == "Vũ Đức Anh"
    described = Api(client, team.organiser).get("/workflow").get_json()
    fields = {f["name"]: f for t in described["kinds"]["grassroots"]["triggers"]
              if t["name"] == "recognise" for f in t["data"]}
    assert fields["decision_number"]["entered_by"] == "approver"
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "transition", AuditEntry.trigger == "recognise")) == 1


def test_a_rejection_refuses_decision_data_of_the_wrong_type(client, team):
    """Schemathesis: a reject whose `data.signer` was an object was answered 200, the body
    being ignored although the document types it."""
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    _, approval = fire(case, team.organiser, "recognise", data={})
    db.session.commit()
    with pytest.raises(GuardFailed):
        decide(approval, team.supervisor, decision="reject", comment="Thiếu hồ sơ",
               data={"signer": {}})
    db.session.rollback()
    decide(approval, team.supervisor, decision="reject", comment="Thiếu hồ sơ",
           data={"signer": "Vũ Đức Anh"})
    commit()
    assert approval.status == "rejected"
