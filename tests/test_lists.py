"""Working lists: saved filters, private or shared down a unit's subtree, built-in lists, the new
"no step for N days" filter, and the pages that save, rename and delete them."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework import clock
from casework.extensions import db
from casework.models import SavedList
from casework.services.units import create_unit
from casework.transaction import commit
from tests.browser import browser, text  # noqa: F401  (fixture)
from tests.helpers import Api, error_of, log, make_case, new_user


@pytest.fixture
def commune():
    unit = create_unit(code="CDX-BN", name="Công đoàn phường Bến Nghé", type_="commune_union",
                       parent_code="LDLD-79", province_code="79")
    commit()
    return unit


def test_a_private_list_is_seen_by_its_owner_only(client):
    owner, colleague = new_user("supervisor"), new_user("supervisor")
    api = Api(client, owner)
    response = api.post("/lists", {"name": "Đang vận động", "filters": {"state": "mobilising"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Đang vận động" and body["shared"] is False and body["mine"] is True
    assert body["filters"] == {"state": "mobilising"}
    assert Api(client, colleague).get(f"/lists/{body['id']}/cases").status_code == 404
    names = [item["name"] for item in Api(client, colleague).get("/lists").get_json()["items"]]
    assert "Đang vận động" not in names


def test_a_shared_list_reaches_the_unit_and_its_subtree_not_elsewhere(client, commune):
    owner = new_user("supervisor", "LDLD-79")
    below, elsewhere = new_user("organiser", "CDX-BN"), new_user("supervisor", "LDLD-01")
    response = Api(client, owner).post("/lists", {"name": "Quá hạn", "shared": True,
                                                  "filters": {"overdue": "1"}})
    list_id = response.get_json()["id"]
    assert response.get_json()["unit"] == "LDLD-79"
    seen = Api(client, below).get("/lists").get_json()["items"]
    shared = next(item for item in seen if item["id"] == list_id)
    assert shared["mine"] is False and shared["owner"] == owner.email
    assert Api(client, below).get(f"/lists/{list_id}/cases").status_code == 200
    assert error_of(Api(client, elsewhere).get(f"/lists/{list_id}/cases"))["code"] == "not_found"


def test_a_lists_cases_have_the_shape_of_the_case_list_and_the_readers_scope(client):
    supervisor = new_user("supervisor")
    mine = make_case(supervisor, organiser=supervisor.email)
    make_case(supervisor, organiser=new_user("organiser").email)
    api = Api(client, supervisor)
    list_id = api.post("/lists", {"name": "Của tôi", "filters": {"organiser": "me"}}
                       ).get_json()["id"]
    page = api.get(f"/lists/{list_id}/cases").get_json()
    everything = api.get("/cases", organiser="me").get_json()
    assert page == everything
    assert [c["id"] for c in page["items"]] == [mine.id] and page["total"] == 1
    counted = next(i for i in api.get("/lists").get_json()["items"] if i["id"] == list_id)
    assert counted["count"] == 1


def test_each_role_starts_with_its_built_in_lists(client):
    organiser, leader = new_user("organiser"), new_user("leader")
    ids = {item["id"] for item in Api(client, organiser).get("/lists").get_json()["items"]
           if item["builtin"]}
    assert ids == {"mine", "stuck"}
    ids = {item["id"] for item in Api(client, leader).get("/lists").get_json()["items"]
           if item["builtin"]}
    assert ids == {"overdue", "stuck"}
    assert Api(client, organiser).get("/lists/overdue/cases").status_code == 404
    assert SavedList.query.count() == 0  # built-in lists are not rows


@pytest.mark.parametrize("body, field", [
    ({"filters": {}}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "Danh sách", "shared": "yes"}, "shared"),
    ({"name": "Danh sách", "filters": {"q": "a\u0001b"}}, "filters.q"),
])
def test_a_list_refuses_bad_input(client, body, field):
    response = Api(client, new_user("supervisor")).post("/lists", body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_past_the_number_of_lists_a_user_may_own_the_answer_is_a_conflict(client, monkeypatch):
    from casework.services import lists
    monkeypatch.setattr(lists, "SAVED_LISTS_PER_USER", 2)
    api = Api(client, new_user("supervisor"))
    assert [api.post("/lists", {"name": f"Danh sách {i}"}).status_code for i in range(2)] \
        == [201, 201]
    refused = api.post("/lists", {"name": "Danh sách 3"})
    assert refused.status_code == 409 and error_of(refused)["code"] == "too_many_lists"


def test_unknown_filter_names_are_not_kept(client):
    body = Api(client, new_user("supervisor")).post(
        "/lists", {"name": "Lọc", "filters": {"state": "outreach", "evil": "1"}}).get_json()
    assert body["filters"] == {"state": "outreach"}


def test_no_step_for_n_days(client):
    supervisor = new_user("supervisor")
    quiet, busy = make_case(supervisor), make_case(supervisor)
    log(busy, supervisor)
    api = Api(client, supervisor)
    with clock.travel_to(clock.now() + timedelta(days=10)):
        assert api.get("/cases", no_step_days="5").get_json()["total"] == 2
        log(busy, supervisor)
        found = api.get("/cases", no_step_days="5").get_json()
        assert [c["id"] for c in found["items"]] == [quiet.id]
        assert api.get("/cases", no_step_days="30").get_json()["total"] == 0
        assert api.get("/cases", no_step_days="0").get_json()["total"] == 0
        assert api.get("/cases", no_step_days="abc").get_json()["total"] == 0


def test_the_pages_save_rename_and_delete_a_list(app, browser):
    supervisor = new_user("supervisor", password="correct-horse-1")
    make_case(supervisor)
    b = browser(supervisor)
    page = "/cases?state=identified"
    response = b.submit(page, {"list_name": "Mới xác định", "shared": "1"}, post_url="/lists")
    assert response.status_code == 302
    row = db.session.query(SavedList).one()
    assert row.filters == {"state": "identified"} and row.unit_id == supervisor.unit_id
    shown = text(b.get(response.headers["Location"]))
    assert "Mới xác định" in shown
    listed = b.get("/cases")
    assert "Mới xác định" in text(listed)     # in the navigation, with its count
    response = b.submit(f"/cases?state=identified&list={row.id}", {"list_name": "Đổi tên"},
                        post_url=f"/lists/{row.id}/rename")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.name == "Đổi tên"
    response = b.submit(f"/cases?state=identified&list={row.id}", {},
                        post_url=f"/lists/{row.id}/delete")
    assert response.status_code == 302 and db.session.query(SavedList).count() == 0


def test_only_the_owner_renames_or_deletes(app, browser):
    owner = new_user("supervisor")
    other = new_user("supervisor", password="correct-horse-1")
    list_id = Api(app.test_client(), owner).post(
        "/lists", {"name": "Chung", "shared": True}).get_json()["id"]
    b = browser(other)
    token = b.token("/cases")
    assert b.post(f"/lists/{list_id}/delete", data={"csrf_token": token}).status_code == 404
    assert b.post(f"/lists/{list_id}/rename",
                  data={"csrf_token": token, "list_name": "x"}).status_code == 404
    assert db.session.query(SavedList).count() == 1


def test_the_menu_stops_counting_past_what_it_shows(app, browser, monkeypatch):
    # every page draws the menu: a list's count over a whole province would cost seconds
    from casework.views import lists as list_views
    monkeypatch.setattr(list_views, "LIST_COUNT_SHOWN", 1)
    supervisor = new_user("supervisor", password="correct-horse-1")
    make_case(supervisor)
    make_case(supervisor)
    b = browser(supervisor)
    b.submit("/cases?state=identified", {"list_name": "Mới xác định"}, post_url="/lists")
    menu = b.get("/cases").get_data(as_text=True)
    assert re.search(r"Mới xác định</span>\s*<span[^>]*>1\+</span>", menu)
    exact = Api(app.test_client(), supervisor).get("/lists").get_json()["items"]
    assert next(i for i in exact if i["name"] == "Mới xác định")["count"] == 2
