"""The application register: adding, deciding, counting once, the duplicate rule, the API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.errors import Conflict, Forbidden, Invalid
from casework.extensions import db
from casework.models import CaseApplication, Step
from casework.schemas.applications import ApplicationInput, StatusChange, load
from casework.services.applications import add_application, change_status, status_counts
from casework.transaction import commit
from tests.helpers import TODAY, Api, error_of, history, make_case, make_team, new_user


def values(**extra):
    return load(ApplicationInput(), {"full_name": "Nguyễn Thị Lan", **extra})


def add(case, actor, **extra):
    application = add_application(case, actor, values(**extra))
    commit()
    return application


def decide(application, actor, status, reason=""):
    change_status(application, actor, status=status, version=application.version,
                  reason=reason)
    commit()
    db.session.refresh(application.case)
    return application


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def case(team):
    return make_case(team.organiser)


def register_steps(case) -> tuple[int, int]:
    rows = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Step.applications_vietnamese), 0),
                  sa.func.coalesce(sa.func.sum(Step.applications_foreign), 0))
        .where(Step.case_id == case.id, Step.application_id.is_not(None))).one()
    return tuple(rows)


# --- the input ---------------------------------------------------------------------------------

def test_a_vietnamese_mobile_typed_with_a_leading_zero_is_stored_in_e164():
    assert values(phone="0912 345 678")["phone"] == "+84912345678"
    assert values(phone="+84 912-345-678")["phone"] == "+84912345678"


@pytest.mark.parametrize("body,field", [
    ({}, "full_name"), ({"full_name": "   "}, "full_name"),
    ({"full_name": "A", "phone": "12"}, "phone"),
    ({"full_name": "A", "nationality": "XX"}, "nationality"),
    ({"full_name": "A", "nationality": "KR"}, "contract_12_months"),
    ({"full_name": "A", "applied_on": "2999-01-01"}, "applied_on"),
    ({"full_name": "A", "channel": "fax"}, "channel"),
    ({"full_name": "A" * 201}, "full_name"),
])
def test_bad_input_names_its_field(body, field):
    with pytest.raises(Invalid) as refused:
        load(ApplicationInput(), body)
    assert refused.value.field == field


def test_a_rejection_needs_a_reason():
    with pytest.raises(Invalid) as refused:
        load(StatusChange(), {"status": "rejected", "version": 1})
    assert refused.value.field == "reason"


# --- counting once -----------------------------------------------------------------------------

def test_verifying_counts_once_and_a_reversal_takes_it_back(team, case):
    application = add(case, team.organiser)
    assert case.applications_vietnamese == 0
    decide(application, team.organiser, "verified")
    assert case.applications_vietnamese == 1
    assert register_steps(case) == (1, 0)
    decide(application, team.supervisor, "rejected", reason="Không phải người lao động")
    assert case.applications_vietnamese == 0
    decide(application, team.organiser, "verified")
    assert case.applications_vietnamese == 1
    decide(application, team.organiser, "withdrawn")
    assert case.applications_vietnamese == 0
    assert register_steps(case) == (0, 0)
    actions = [e.data.get("to") for e in history(case, "application_status")]
    assert actions == ["verified", "rejected", "verified", "withdrawn"]
    # the history never names the worker
    assert all("Lan" not in str(e.data) for e in history(case))


def test_a_foreign_worker_counts_as_a_member_not_a_founder(team, case):
    application = add(case, team.organiser, nationality="KR", contract_12_months=True)
    decide(application, team.organiser, "verified")
    assert (case.applications_vietnamese, case.applications_foreign) == (0, 1)
    short = add(case, team.organiser, full_name="Kim Min", nationality="KR",
                contract_12_months=False)
    with pytest.raises(Invalid) as refused:
        change_status(short, team.organiser, status="verified", version=short.version)
    assert refused.value.field == "contract_12_months"


def test_a_stale_version_is_409(team, case):
    application = add(case, team.organiser)
    with pytest.raises(Conflict) as refused:
        change_status(application, team.organiser, status="verified", version=99)
    assert refused.value.code == "stale_version"


def test_withdrawn_is_final(team, case):
    application = decide(add(case, team.organiser), team.organiser, "withdrawn")
    with pytest.raises(Conflict) as refused:
        change_status(application, team.organiser, status="verified",
                      version=application.version)
    assert refused.value.code == "invalid_transition"


# --- the duplicate rule ------------------------------------------------------------------------

def test_the_same_phone_twice_is_flagged_and_not_counted_until_decided(team, case):
    first = decide(add(case, team.organiser, phone="0912345678"), team.organiser, "verified")
    second = add(case, team.organiser, full_name="Nguyen Thi Lan B", phone="+84912345678")
    assert second.duplicate_state == "flagged" and second.duplicate_of_id == first.id
    with pytest.raises(Conflict) as refused:
        change_status(second, team.organiser, status="verified", version=second.version)
    assert refused.value.code == "possible_duplicate"
    db.session.rollback()
    change_status(second, team.organiser, status="verified", version=second.version,
                  not_duplicate=True)
    commit()
    assert case.applications_vietnamese == 2 and second.duplicate_state == "distinct"


def test_the_same_name_and_birth_date_is_flagged(team, case):
    add(case, team.organiser, full_name="Nguyễn Thị  Lan", birth_date="1990-05-01")
    twin = add(case, team.organiser, full_name="nguyen thi lan", birth_date="1990-05-01")
    other = add(case, team.organiser, full_name="nguyen thi lan", birth_date="1991-05-01")
    assert twin.duplicate_state == "flagged" and other.duplicate_state is None


def test_only_workers_of_the_case_read_the_register(team, case):
    leader = new_user("leader", "LDLD-79")
    with pytest.raises(Forbidden):
        add_application(case, leader, values())
    assert status_counts(case.id)["received"] == 0


# --- the API -----------------------------------------------------------------------------------

def test_the_api_contract(client, team, case):
    api = Api(client, team.organiser)
    created = api.post(f"/cases/{case.id}/applications", {
        "full_name": "Trần Văn Hùng", "nationality": "VN", "contract_12_months": None,
        "phone": "0987654321", "applied_on": TODAY.isoformat(), "channel": "paper"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "received" and body["phone"] == "+84987654321"
    assert api.case(case.id)["applications"] == {"vietnamese": 0, "foreign": 0, "received": 1}
    listed = api.get(f"/cases/{case.id}/applications", status="received").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    path = f"/cases/{case.id}/applications/{body['id']}"
    missing = client.patch("/api/v1" + path, headers=api.headers,
                           json={"status": "rejected", "version": body["version"]})
    assert missing.status_code == 422 and error_of(missing)["field"] == "reason"
    ok = client.patch("/api/v1" + path, headers=api.headers,
                      json={"status": "verified", "version": body["version"]})
    assert ok.status_code == 200 and ok.get_json()["status"] == "verified"
    stale = client.patch("/api/v1" + path, headers=api.headers,
                         json={"status": "withdrawn", "version": body["version"]})
    assert stale.status_code == 409 and error_of(stale)["code"] == "stale_version"
    assert api.case(case.id)["applications"] == {"vietnamese": 1, "foreign": 0, "received": 0}


def test_the_api_scope(client, team, case):
    leader = Api(client, new_user("leader", "LDLD-79"))
    assert leader.get(f"/cases/{case.id}/applications").status_code == 403
    outsider = Api(client, new_user("organiser", "LDLD-01"))
    assert outsider.get(f"/cases/{case.id}/applications").status_code == 404
    assert outsider.post(f"/cases/{case.id}/application-link").status_code == 404


def test_the_application_link_api(client, team, case):
    api = Api(client, team.organiser)
    opened = api.post(f"/cases/{case.id}/application-link", {"expires_on": None})
    assert opened.status_code == 201, opened.get_json()
    url = opened.get_json()["url"]
    assert "/apply/" in url and opened.get_json()["expires_on"] is None
    path = url[url.index("/apply/"):]
    assert client.get(path).status_code == 200
    closed = client.delete(f"/api/v1/cases/{case.id}/application-link", headers=api.headers)
    assert closed.status_code == 204
    assert client.get(path).status_code == 404


def test_the_same_phone_in_another_open_case_is_shown_in_the_register_only(client, team, case):
    other = make_case(team.organiser)
    add(other, team.organiser, full_name="Lê Văn Tám", phone="0912000111")
    add(case, team.organiser, full_name="Lê Văn Tám", phone="0912 000 111")
    listed = Api(client, team.organiser).get(f"/cases/{case.id}/applications").get_json()
    assert listed["items"][0]["also_in_open_cases"] == [other.ref]
    # not a duplicate within the case: another enterprise's case is counted there, not here
    assert listed["items"][0]["duplicate"] is None
    leader = Api(client, new_user("leader", "LDLD-79"))
    assert other.ref not in leader.get(f"/cases/{case.id}").get_data(as_text=True)
