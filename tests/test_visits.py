"""Leadership visits: API, HTML forms (with CSRF), scope, coverage, follow-ups, linked cases."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from casework.extensions import db
from casework.models import ProvinceAssignment, Visit, VisitFollowUp
from casework.services.settings import set_setting
from casework import clock
from casework.services.visit_coverage import coverage, provinces_without_visit
from casework.services.visit_lists import overdue_follow_ups, visits_of_case
from tests.helpers import bearer, enterprise, new_user

TODAY = clock.today()
VISIT_KEYS = {"id", "leader", "province", "host_unit", "planned_date", "purpose", "status",
              "outcome", "follow_ups", "cases", "created_at", "updated_at"}


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def login(client, user) -> None:
    # the tests run inside one app context, so `g` (where flask-login caches the user) outlives
    # a request: forget the previous user
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) \
        or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def version_from(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


@pytest.fixture
def people():
    return {
        "vgcl_leader": new_user("leader", "VGCL", name="Nguyễn Đình Khang"),
        "vgcl_leader2": new_user("leader", "VGCL", name="Thái Thu Xương"),
        "admin": new_user("admin", "VGCL"),
        "leader79": new_user("leader", "LDLD-79", name="Lãnh đạo HCM"),
        "leader01": new_user("leader", "LDLD-01", name="Lãnh đạo Hà Nội"),
        "organiser79": new_user("organiser", "LDLD-79"),
        "supervisor79": new_user("supervisor", "LDLD-79"),
        "organiser01": new_user("organiser", "LDLD-01"),
        "organiser_detmay": new_user("organiser", "CD-DETMAY"),
    }


@pytest.fixture
def headers(people):
    return {name: bearer(user) for name, user in people.items()}


@pytest.fixture
def make_case(client, headers):
    def make(i: int = 0, province: str = "79", who: str = "organiser79",
             unit: str = "LDLD-79") -> dict:
        response = client.post("/api/v1/cases", headers=headers[who], json={
            "kind": "grassroots", "unit": unit, "enterprises": [enterprise(province=province)]})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


def plan(client, headers, who="vgcl_leader", **overrides):
    """Plan a visit; one for a day already past is planned a week before that day (a visit is
    not planned in the past)."""
    body = {"province": "79", "host_unit": "LDLD-79", "host_note": "Thành ủy TP. Hồ Chí Minh",
            "planned_date": days(10), "purpose": "Đẩy mạnh thành lập CĐCS ở khu chế xuất"}
    body.update(overrides)
    when = date.fromisoformat(body["planned_date"]) if isinstance(body["planned_date"], str) \
        and len(body["planned_date"]) == 10 and body["planned_date"][4] == "-" else None
    if when is None or when >= TODAY:
        return client.post("/api/v1/visits", headers=headers[who], json=body)
    with clock.travel_to(datetime.combine(when - timedelta(days=7), time(9),
                                          tzinfo=clock.VIETNAM)):
        return client.post("/api/v1/visits", headers=headers[who], json=body)


# --- API --------------------------------------------------------------------------------------

def test_api_plan_record_and_list(client, headers, people, make_case):
    case = make_case()
    response = plan(client, headers)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert VISIT_KEYS <= set(visit)
    assert visit["leader"] == people["vgcl_leader"].email
    assert (visit["province"], visit["host_unit"], visit["status"]) == ("79", "LDLD-79", "planned")
    assert visit["host_note"] == "Thành ủy TP. Hồ Chí Minh"
    assert visit["follow_ups"] == [] and visit["cases"] == []

    response = client.patch(f"/api/v1/visits/{visit['id']}", headers=headers["vgcl_leader"], json={
        "version": visit["version"], "planned_date": days(-1), "status": "done",
        "outcome": "Tỉnh ủy cam kết chỉ đạo 20 doanh nghiệp FDI",
        "follow_ups": [
            {"action": "Danh sách doanh nghiệp", "owner": people["organiser79"].email,
             "due_date": days(14), "done": False},
            {"action": "Báo cáo Thường trực", "owner": "Chị Lan (Ban Tổ chức)",
             "due_date": days(-3)}],
        "cases": [case["id"]]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "done" and body["planned_date"] == days(-1)
    assert [f["owner"] for f in body["follow_ups"]] == [people["organiser79"].email,
                                                         "Chị Lan (Ban Tổ chức)"]
    assert body["follow_ups"][1]["done"] is False
    assert set(body["follow_ups"][0]) == {"id", "action", "owner", "due_date", "done"}
    assert body["cases"] == [{"id": case["id"], "ref": case["ref"]}]
    assert body["version"] > visit["version"]

    # a follow-up keeps its id when updated; one left out of the list is removed
    first = body["follow_ups"][0]
    response = client.patch(f"/api/v1/visits/{visit['id']}", headers=headers["vgcl_leader"],
                            json={"follow_ups": [{**first, "done": True}]})
    assert response.status_code == 200
    assert response.get_json()["follow_ups"] == [{**first, "done": True}]

    assert client.get(f"/api/v1/visits/{visit['id']}",
                      headers=headers["organiser79"]).get_json()["outcome"].startswith("Tỉnh ủy")

    upcoming = plan(client, headers, "vgcl_leader2", province="01", host_unit="LDLD-01",
                    planned_date=days(3)).get_json()
    later = plan(client, headers, "vgcl_leader2", province="01", host_unit="LDLD-01",
                 planned_date=days(30)).get_json()
    listing = client.get("/api/v1/visits", headers=headers["admin"]).get_json()
    assert listing["total"] == 3 and len(listing["items"]) == 3
    by_leader = client.get(f"/api/v1/visits?leader={people['vgcl_leader2'].email}",
                           headers=headers["admin"]).get_json()
    assert {v["id"] for v in by_leader["items"]} == {upcoming["id"], later["id"]}
    by_province = client.get("/api/v1/visits?province=79", headers=headers["admin"]).get_json()
    assert [v["id"] for v in by_province["items"]] == [visit["id"]]
    done = client.get("/api/v1/visits?status=done", headers=headers["admin"]).get_json()
    assert done["total"] == 1
    soon = client.get("/api/v1/visits?upcoming=1", headers=headers["admin"]).get_json()
    assert [v["id"] for v in soon["items"]] == [upcoming["id"], later["id"]]
    bad = client.get("/api/v1/visits?status=maybe", headers=headers["admin"])
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "status"


@pytest.mark.parametrize("override, field", [
    ({"purpose": ""}, "purpose"),
    ({"province": "99"}, "province"),
    ({"planned_date": "31/12/2025"}, "planned_date"),
    ({"host_unit": "NOPE"}, "host_unit"),
    ({"host_unit": "LDLD-01"}, "host_unit"),          # a unit of another province
    ({"leader": "nobody@test.vn"}, "leader"),
])
def test_api_validation_names_the_field(client, headers, override, field):
    response = plan(client, headers, **override)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["field"] == field and error["message"]
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_api_leader_must_fit_the_province(client, headers, people):
    response = plan(client, headers, "admin", leader=people["leader01"].email)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "leader"
    response = plan(client, headers, "admin", leader=people["organiser79"].email)
    assert response.status_code == 422
    response = plan(client, headers, "admin", leader=people["leader79"].email)
    assert response.status_code == 201
    assert response.get_json()["leader"] == people["leader79"].email


def test_api_follow_up_validation(client, headers):
    visit = plan(client, headers).get_json()
    url = f"/api/v1/visits/{visit['id']}"
    for follow_up, field in [
            ({"action": "x", "due_date": days(3)}, "follow_ups[0].owner"),
            ({"action": "x", "owner": "ghost@test.vn", "due_date": days(3)},
             "follow_ups[0].owner"),
            ({"action": "", "owner": "Anh Nam", "due_date": days(3)}, "follow_ups[0].action"),
            ({"action": "x", "owner": "Anh Nam"}, "follow_ups[0].due_date"),
            ({"id": 999999, "action": "x", "owner": "Anh Nam", "due_date": days(3)},
             "follow_ups[0].id")]:
        response = client.patch(url, headers=headers["vgcl_leader"],
                                json={"follow_ups": [follow_up]})
        assert response.status_code == 422, follow_up
        assert response.get_json()["error"]["field"] == field
    response = client.patch(url, headers=headers["vgcl_leader"], json={"leader": "x@test.vn"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "leader"
    response = client.patch(url, headers=headers["vgcl_leader"], json=["not", "an", "object"])
    assert response.status_code == 400


def test_status_changes(client, headers):
    visit = plan(client, headers).get_json()
    url = f"/api/v1/visits/{visit['id']}"
    leader = headers["vgcl_leader"]
    # done needs an outcome, and a date that has come
    response = client.patch(url, headers=leader, json={"status": "done"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "outcome"
    response = client.patch(url, headers=leader, json={"status": "done", "outcome": "ok"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "planned_date"
    response = client.patch(url, headers=leader, json={"status": "postponed"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "status"

    response = client.patch(url, headers=leader, json={"status": "cancelled",
                                                       "outcome": "Tỉnh bận bão"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    for status in ("planned", "done"):
        response = client.patch(url, headers=leader, json={"status": status, "outcome": "x",
                                                           "planned_date": days(-1)})
        assert response.status_code == 409
        error = response.get_json()["error"]
        assert error["code"] == "invalid_status_change" and "cancelled" in error["message"]
    assert client.get(url, headers=leader).get_json()["status"] == "cancelled"

    done = plan(client, headers, planned_date=days(-2)).get_json()
    url = f"/api/v1/visits/{done['id']}"
    assert client.patch(url, headers=leader, json={"status": "done", "outcome": "ok"}
                        ).status_code == 200
    response = client.patch(url, headers=leader, json={"status": "planned"})
    assert response.status_code == 409


def test_stale_version_is_409_with_nothing_written(client, headers):
    visit = plan(client, headers).get_json()
    url = f"/api/v1/visits/{visit['id']}"
    first = client.patch(url, headers=headers["vgcl_leader"],
                         json={"version": visit["version"], "purpose": "Lần một"})
    assert first.status_code == 200
    stale = client.patch(url, headers=headers["admin"],
                         json={"version": visit["version"], "purpose": "Lần hai"})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_version"
    assert client.get(url, headers=headers["admin"]).get_json()["purpose"] == "Lần một"
    # a change to a follow-up alone bumps the version too
    current = client.get(url, headers=headers["admin"]).get_json()["version"]
    client.patch(url, headers=headers["admin"], json={"follow_ups": [
        {"action": "a", "owner": "Anh Nam", "due_date": days(1)}]})
    assert client.get(url, headers=headers["admin"]).get_json()["version"] > current


# --- scope ------------------------------------------------------------------------------------

def test_scope_reading_and_writing(client, headers):
    in_79 = plan(client, headers).get_json()
    in_01 = plan(client, headers, province="01", host_unit="LDLD-01").get_json()
    sector = plan(client, headers, province="01", host_unit="CD-DETMAY").get_json()
    url = f"/api/v1/visits/{in_79['id']}"

    # outside the scope the visit does not exist
    assert client.get(url, headers=headers["organiser01"]).status_code == 404
    assert client.patch(url, headers=headers["organiser01"], json={"purpose": "x"}
                        ).status_code == 404
    assert client.get(url, headers=headers["leader01"]).status_code == 404
    # in scope, organisers and supervisors read but may not write
    assert client.get(url, headers=headers["organiser79"]).status_code == 200
    assert client.get(url, headers=headers["supervisor79"]).status_code == 200
    response = client.patch(url, headers=headers["supervisor79"], json={"purpose": "x"})
    assert response.status_code == 403
    assert "leaders" in response.get_json()["error"]["message"]
    response = plan(client, headers, "organiser79")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"

    # the host unit brings a visit in scope (a sector union's visit in Hà Nội)
    seen = client.get("/api/v1/visits", headers=headers["organiser_detmay"]).get_json()
    assert [v["id"] for v in seen["items"]] == [sector["id"]]
    seen = client.get("/api/v1/visits", headers=headers["organiser01"]).get_json()
    assert {v["id"] for v in seen["items"]} == {in_01["id"], sector["id"]}
    assert client.get("/api/v1/visits", headers=headers["leader79"]).get_json()["total"] == 1

    # a provincial leader plans and records in their own province only
    response = plan(client, headers, "leader79", province="01", host_unit="LDLD-01")
    assert response.status_code == 403
    assert "own province" in response.get_json()["error"]["message"]
    response = plan(client, headers, "leader79")
    assert response.status_code == 201
    assert client.patch(url, headers=headers["leader79"], json={"purpose": "Bổ sung"}
                        ).status_code == 200
    response = client.patch(f"/api/v1/visits/{in_01['id']}", headers=headers["leader79"],
                            json={"purpose": "x"})
    assert response.status_code == 404
    assert client.get("/api/v1/visits/999999", headers=headers["admin"]).status_code == 404
    assert client.get("/api/v1/visits").status_code == 401


def test_linked_cases_are_limited_to_what_the_creator_may_see(client, headers, make_case):
    case79 = make_case(0, "79")
    case01 = make_case(1, "01", who="organiser01", unit="LDLD-01")
    mine = plan(client, headers, "leader79").get_json()
    url = f"/api/v1/visits/{mine['id']}"
    response = client.patch(url, headers=headers["leader79"], json={"cases": [case01["id"]]})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "cases"
    response = client.patch(url, headers=headers["leader79"], json={"cases": [999999]})
    assert response.status_code == 422
    # an admin may see case01, but the visit's creator (leader79) may not
    response = client.patch(url, headers=headers["admin"], json={"cases": [case01["id"]]})
    assert response.status_code == 422
    assert "outside the scope" in response.get_json()["error"]["message"]

    assert client.patch(url, headers=headers["leader79"], json={"cases": [case79["id"]]}
                        ).status_code == 200
    national = plan(client, headers, "vgcl_leader", cases=[case79["id"], case01["id"]])
    assert national.status_code == 201, national.get_json()
    # a reader sees only the linked cases in their own scope
    body = client.get(f"/api/v1/visits/{national.get_json()['id']}",
                      headers=headers["organiser79"]).get_json()
    assert body["cases"] == [{"id": case79["id"], "ref": case79["ref"]}]

    linked = visits_of_case(case79["id"])
    assert [v.id for v in linked] == sorted([mine["id"], national.get_json()["id"]],
                                            reverse=True)
    assert [v.id for v in visits_of_case(case01["id"])] == [national.get_json()["id"]]


# --- follow-ups and coverage ------------------------------------------------------------------

def test_overdue_follow_ups(client, headers, people):
    visit = plan(client, headers).get_json()
    client.patch(f"/api/v1/visits/{visit['id']}", headers=headers["vgcl_leader"], json={
        "follow_ups": [
            {"action": "Quá hạn", "owner": "Anh Nam", "due_date": days(-5)},
            {"action": "Đã xong", "owner": "Anh Nam", "due_date": days(-5), "done": True},
            {"action": "Chưa đến hạn", "owner": "Anh Nam", "due_date": days(5)},
            {"action": "Hạn hôm nay", "owner": people["organiser79"].email,
             "due_date": days(0)}]})
    cancelled = plan(client, headers).get_json()
    client.patch(f"/api/v1/visits/{cancelled['id']}", headers=headers["vgcl_leader"], json={
        "status": "cancelled",
        "follow_ups": [{"action": "Của chuyến bị hủy", "owner": "X", "due_date": days(-5)}]})
    elsewhere = plan(client, headers, province="01", host_unit="LDLD-01").get_json()
    client.patch(f"/api/v1/visits/{elsewhere['id']}", headers=headers["vgcl_leader"], json={
        "follow_ups": [{"action": "Hà Nội quá hạn", "owner": "Y", "due_date": days(-1)}]})

    assert [f.action for f in overdue_follow_ups(people["admin"])] == ["Quá hạn",
                                                                         "Hà Nội quá hạn"]
    assert [f.action for f in overdue_follow_ups(people["organiser79"])] == ["Quá hạn"]

    login(client, people["organiser79"])
    page = client.get("/visits/follow-ups/overdue")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Quá hạn" in html and "Hà Nội quá hạn" not in html and "Chưa đến hạn" not in html


def test_coverage_and_provinces_without_visit(client, headers, people):
    admin = people["admin"]
    recent = plan(client, headers, planned_date=days(-30)).get_json()
    client.patch(f"/api/v1/visits/{recent['id']}", headers=headers["vgcl_leader"],
                 json={"status": "done", "outcome": "ok"})
    old = plan(client, headers, province="01", host_unit="LDLD-01",
               planned_date=(TODAY - timedelta(days=250)).isoformat()).get_json()
    client.patch(f"/api/v1/visits/{old['id']}", headers=headers["vgcl_leader"],
                 json={"status": "done", "outcome": "ok"})
    plan(client, headers, province="48", host_unit="LDLD-48", planned_date=days(7))

    gaps = {r.province.code for r in provinces_without_visit(admin)}
    assert "79" not in gaps and "01" in gaps and "48" in gaps and len(gaps) == 33
    rows = {r.province.code: r for r in coverage(admin)}
    assert rows["79"].last_done == TODAY - timedelta(days=30)
    assert rows["48"].next_planned == TODAY + timedelta(days=7)
    set_setting("visit_gap_months", 12)
    db.session.commit()
    assert "01" not in {r.province.code for r in provinces_without_visit(admin)}
    assert {r.province.code for r in coverage(people["organiser79"])} == {"79"}

    # assign provinces through the page (an admin), with CSRF
    login(client, admin)
    page = client.get("/visits/coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "12" in html
    token = csrf_from(html)
    response = client.post("/visits/coverage/assign", data={
        "csrf_token": token, "leader": people["vgcl_leader"].email, "province": "79"})
    assert response.status_code == 302
    # a provincial leader is no standing member: refused, and said next to the field
    response = client.post("/visits/coverage/assign", data={
        "csrf_token": token, "leader": people["leader79"].email, "province": "01"})
    assert response.status_code == 422
    assert "not a leader of the VGCL" in response.get_data(as_text=True)
    # without the token nothing happens
    response = client.post("/visits/coverage/assign", data={
        "leader": people["vgcl_leader"].email, "province": "01"})
    assert response.status_code == 400
    assignments = db.session.scalars(sa.select(ProvinceAssignment)).all()
    assert [(a.leader_id, a.province.code) for a in assignments] == [
        (people["vgcl_leader"].id, "79")]
    # assigning again moves the province
    client.post("/visits/coverage/assign", data={
        "csrf_token": token, "leader": people["vgcl_leader2"].email, "province": "79"})
    db.session.expire_all()
    assignment = db.session.scalar(sa.select(ProvinceAssignment))
    assert assignment.leader_id == people["vgcl_leader2"].id
    html = client.get("/visits/coverage").get_data(as_text=True)
    assert people["vgcl_leader2"].name in html

    client.post("/visits/coverage/79/unassign", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count(ProvinceAssignment.id))) == 0

    # organisers see the page (their provinces) but may not assign
    login(client, people["organiser79"])
    html = client.get("/visits/coverage").get_data(as_text=True)
    assert "Assign a province" not in html and "Gán tỉnh" not in html
    response = client.post("/visits/coverage/assign", data={
        "csrf_token": token, "leader": people["vgcl_leader"].email, "province": "79"})
    assert response.status_code == 403


# --- HTML forms -------------------------------------------------------------------------------

def test_html_plan_record_follow_up_and_link(client, people, make_case):
    case = make_case()
    login(client, people["leader79"])
    page = client.get("/visits/new")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))

    form = {"csrf_token": token, "leader": people["leader79"].email, "province": "79",
            "host_unit": "LDLD-79", "host_note": "Thành ủy TP. Hồ Chí Minh",
            "planned_date": days(0), "purpose": ""}   # today: planned, and done today
    response = client.post("/visits/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Thành ủy TP. Hồ Chí Minh" in html  # what was typed is kept
    assert "is-invalid" in html and "invalid-feedback" in html
    response = client.post("/visits/new", data={**form, "host_unit": "LDLD-01",
                                                 "purpose": "Gặp Thành ủy"})
    assert response.status_code == 422
    assert "LDLD-01 is not in" in response.get_data(as_text=True)

    response = client.post("/visits/new", data={**form, "purpose": "Gặp Thành ủy"})
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))
    assert response.headers["Location"].endswith(f"/visits/{visit.id}")
    assert visit.created_by_id == people["leader79"].id

    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Gặp Thành ủy" in page
    token, version = csrf_from(page), version_from(page)

    response = client.post(f"/visits/{visit.id}/record", data={
        "csrf_token": token, "version": version, "status": "done", "outcome": ""})
    assert response.status_code == 422
    assert "Record the outcome" in response.get_data(as_text=True)
    response = client.post(f"/visits/{visit.id}/record", data={
        "csrf_token": token, "version": version, "status": "done",
        "outcome": "Thành ủy giao chỉ tiêu 50 CĐCS"})
    assert response.status_code == 302
    # the version seen before the change is now stale
    response = client.post(f"/visits/{visit.id}/follow-ups", data={
        "csrf_token": token, "version": version, "action": "Lập danh sách",
        "owner": "Anh Nam", "due_date": days(7)})
    assert response.status_code == 422
    assert "reload" in response.get_data(as_text=True)

    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    version = version_from(page)
    response = client.post(f"/visits/{visit.id}/follow-ups", data={
        "csrf_token": token, "version": version, "action": "Lập danh sách",
        "owner": "ghost@test.vn", "due_date": days(7)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ghost@test.vn" in html and "No active user" in html
    response = client.post(f"/visits/{visit.id}/follow-ups", data={
        "csrf_token": token, "version": version, "action": "Lập danh sách",
        "owner": people["organiser79"].email, "due_date": days(-2)})
    assert response.status_code == 302

    version = version_from(client.get(f"/visits/{visit.id}").get_data(as_text=True))
    response = client.post(f"/visits/{visit.id}/cases", data={
        "csrf_token": token, "version": version, "case": case["ref"]})
    assert response.status_code == 302
    assert [v.id for v in visits_of_case(case["id"])] == [visit.id]

    follow_up = db.session.scalar(sa.select(VisitFollowUp))
    assert [f.id for f in overdue_follow_ups(people["leader79"])] == [follow_up.id]
    version = version_from(client.get(f"/visits/{visit.id}").get_data(as_text=True))
    response = client.post(f"/visits/{visit.id}/follow-ups/{follow_up.id}/done", data={
        "csrf_token": token, "version": version, "done": "1"})
    assert response.status_code == 302
    assert overdue_follow_ups(people["leader79"]) == []

    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert case["ref"] in page and "Thành ủy giao chỉ tiêu 50 CĐCS" in page

    listing = client.get("/visits/?province=79").get_data(as_text=True)
    assert f"/visits/{visit.id}" in listing
    assert client.get("/visits/?upcoming=1").get_data(as_text=True).count(
        f"/visits/{visit.id}\"") == 0

    # without the CSRF token nothing is saved
    response = client.post(f"/visits/{visit.id}/cases/{case['id']}/unlink",
                           data={"version": version})
    assert response.status_code == 400
    assert [v.id for v in visits_of_case(case["id"])] == [visit.id]


def test_html_refusals(client, people):
    assert client.get("/visits/").status_code == 302  # to the login page
    login(client, people["vgcl_leader"])
    token = csrf_from(client.get("/visits/new").get_data(as_text=True))
    response = client.post("/visits/new", data={
        "csrf_token": token, "leader": people["vgcl_leader"].email, "province": "01",
        "host_unit": "LDLD-01", "planned_date": days(5), "purpose": "Làm việc với Thành ủy"})
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))

    login(client, people["organiser01"])
    assert client.get(f"/visits/{visit.id}").status_code == 200
    assert client.get("/visits/new").status_code == 403
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f"/visits/{visit.id}/record" not in html  # no forms for a reader

    login(client, people["organiser79"])
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert client.get(f"/visits/{visit.id}/edit").status_code == 404

    login(client, people["vgcl_leader"])
    page = client.get(f"/visits/{visit.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    response = client.post(f"/visits/{visit.id}/edit", data={
        "csrf_token": csrf_from(html), "version": version_from(html), "host_unit": "LDLD-01",
        "host_note": "", "planned_date": days(6), "purpose": "Đổi ngày"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).planned_date == TODAY + timedelta(days=6)


def test_list_runs_a_fixed_number_of_queries(client, headers, make_case):
    case = make_case()
    for _ in range(6):
        plan(client, headers, cases=[case["id"]])
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/visits", headers=headers["admin"]).get_json()["total"] == 6
        few = len(statements)
        for _ in range(6):
            plan(client, headers, cases=[case["id"]])
        statements.clear()
        assert client.get("/api/v1/visits", headers=headers["admin"]).get_json()["total"] == 12
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == few
