"""Administration pages: users and units, for administrators only."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import ApiToken, OrgUnit, User
from casework.services.users import issue_token
from tests.helpers import PASSWORD, bearer, new_user
from tests.browser import browser, text  # noqa: F401

TODAY = clock.today()


@pytest.fixture
def admin():
    return new_user("admin", "VGCL", name="Admin", password=PASSWORD)


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


@pytest.mark.parametrize("role", ["organiser", "supervisor", "leader"])
def test_admin_pages_are_forbidden_to_others(browser, role):
    client = browser(new_user(role, "VGCL", password=PASSWORD))
    for url in ("/admin/users", "/admin/users/new", "/admin/units", "/admin/units/new"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only an administrator may do this." in text(response)
    assert "/admin/users" not in text(client.get("/cases"))


def test_admin_sees_users_and_units(browser, admin):
    new_user("organiser", "LDLD-79", name="Organiser Lan", password=PASSWORD)
    client = browser(admin)
    assert "Organiser Lan" in text(client.get("/admin/users"))
    units = text(client.get("/admin/units"))
    assert "LDLD-79" in units and "CD-DETMAY" in units
    assert units.index("VGCL") < units.index("LDLD-01")  # tree order


def test_admin_creates_a_user_who_can_log_in(browser, admin):
    client = browser(admin)
    response = client.submit("/admin/users/new", {
        "email": "New.Person@Test.vn", "name": "Người Mới", "role": "organiser",
        "unit": "LDLD-79", "password": PASSWORD})
    assert response.status_code == 302, text(response)
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@test.vn"))
    assert user.unit.code == "LDLD-79"
    assert browser(user).get("/cases").status_code == 200


def test_admin_create_user_errors_keep_input(browser, admin):
    existing = new_user("organiser", "LDLD-79", password=PASSWORD)
    client = browser(admin)
    response = client.submit("/admin/users/new", {
        "email": existing.email, "name": "Trùng Email", "role": "organiser",
        "unit": "LDLD-79", "password": PASSWORD})
    assert response.status_code == 409
    page = text(response)
    assert "already exists" in page and 'value="Trùng Email"' in page
    response = client.submit("/admin/users/new", {
        "email": "short@test.vn", "name": "Short", "role": "organiser", "unit": "LDLD-79",
        "password": "abc"})
    assert response.status_code == 422
    assert "at least 8 characters" in text(response)


def test_admin_edits_a_user_and_revokes_tokens(browser, admin):
    user = new_user("organiser", "LDLD-79", name="Old Name", password=PASSWORD)
    issue_token(user)
    db.session.commit()
    client = browser(admin)
    response = client.submit(f"/admin/users/{user.id}", {
        "name": "New Name", "role": "supervisor", "unit": "LDLD-01", "password": ""})
    assert response.status_code == 302, text(response)
    db.session.refresh(user)
    assert (user.name, user.role, user.unit.code, user.active) == \
        ("New Name", "supervisor", "LDLD-01", False)  # the unticked box disables the user
    response = client.submit(f"/admin/users/{user.id}", {},
                             post_url=f"/admin/users/{user.id}/revoke-tokens")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None


def test_admin_cannot_remove_own_admin_access(browser, admin):
    response = browser(admin).submit(f"/admin/users/{admin.id}", {
        "name": "Admin", "role": "organiser", "unit": "VGCL", "active": "y"})
    assert response.status_code == 422
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_admin_creates_a_unit(browser, admin):
    client = browser(admin)
    response = client.submit("/admin/units/new?parent=LDLD-79", {
        "code": "KCN-TANTHUAN", "name": "Công đoàn KCN Tân Thuận",
        "type": "industrial_park_union", "parent": "LDLD-79", "province": "79"})
    assert response.status_code == 302, text(response)
    unit, parent = _unit("KCN-TANTHUAN"), _unit("LDLD-79")
    assert unit.parent_id == parent.id
    assert unit.path == f"{parent.path}{unit.id}/"
    assert "KCN-TANTHUAN" in text(client.get("/admin/units"))


def test_admin_unit_errors(browser, admin):
    client = browser(admin)
    response = client.submit("/admin/units/new", {
        "code": "LDLD-79", "name": "Trùng mã", "type": "commune_union", "parent": "LDLD-79"})
    assert response.status_code == 409
    assert "already exists" in text(response) and 'value="Trùng mã"' in text(response)


def test_moving_a_unit_moves_its_subtree_and_refuses_cycles(browser, admin):
    from casework.services.units import create_unit
    child = create_unit(code="CD-XA-1", name="Công đoàn xã 1", type_="commune_union",
                        parent_code="LDLD-79")
    grandchild = create_unit(code="CDCS-1", name="CĐCS 1", type_="grassroots",
                             parent_code="CD-XA-1")
    db.session.commit()
    client = browser(admin)
    # moving CD-XA-1 under its own child is refused
    response = client.submit(f"/admin/units/{child.id}", {
        "code": "CD-XA-1", "name": "Công đoàn xã 1", "type": "commune_union",
        "parent": "CDCS-1"})
    assert response.status_code == 422
    assert "cannot be moved under itself" in text(response)
    # moving it under LDLD-01 rewrites the whole subtree's paths
    response = client.submit(f"/admin/units/{child.id}", {
        "code": "CD-XA-1", "name": "Công đoàn xã 1", "type": "commune_union",
        "parent": "LDLD-01"})
    assert response.status_code == 302, text(response)
    db.session.refresh(child)
    db.session.refresh(grandchild)
    new_parent = _unit("LDLD-01")
    assert child.path == f"{new_parent.path}{child.id}/"
    assert grandchild.path == f"{child.path}{grandchild.id}/"


def test_a_provincial_admin_manages_only_their_subtree(browser):
    provincial_admin = new_user("admin", "LDLD-01", name="Admin Hà Nội", password=PASSWORD)
    elsewhere = new_user("organiser", "LDLD-79", name="Organiser Sài Gòn", password=PASSWORD)
    own = new_user("organiser", "LDLD-01", name="Organiser Hà Nội", password=PASSWORD)
    client = browser(provincial_admin)

    listing = text(client.get("/admin/users"))
    assert "Organiser Hà Nội" in listing and "Organiser Sài Gòn" not in listing
    assert client.get(f"/admin/users/{elsewhere.id}").status_code == 404
    assert client.get(f"/admin/units/{_unit('LDLD-79').id}").status_code == 404
    assert client.get(f"/admin/users/{own.id}").status_code == 200
    units = text(client.get("/admin/units"))
    assert "LDLD-01" in units and "LDLD-79" not in units

    refused = client.submit("/admin/users/new", {
        "email": "new.admin@test.vn", "name": "Someone", "role": "admin", "unit": "VGCL",
        "password": "long-enough-1"})
    assert refused.status_code == 403
    assert "outside your own unit's subtree" in text(refused)
    assert db.session.scalar(sa.select(User).where(User.email == "new.admin@test.vn")) is None


# --- national powers come from the root of the tree, not from a type an administrator sets -----

def _type_options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="type"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def test_a_provincial_admin_cannot_give_a_unit_national_powers(app, browser):
    """The probe's attack: LDLD-79's administrator types a commune union `vgcl`; its leader
    then read and decided what only the VGCL's leaders may."""
    from tests.helpers import enterprise, fire, log, make_case, new_user
    from casework.services.units import create_unit
    commune = create_unit(code="CD-XA-79", name="Công đoàn phường Sài Gòn",
                          type_="commune_union", parent_code="LDLD-79", province_code="79")
    db.session.commit()
    client = browser(new_user("admin", "LDLD-79", password=PASSWORD))
    fields = {"name": "Công đoàn phường Sài Gòn", "type": "vgcl", "parent": "LDLD-79",
              "province": "79"}
    response = client.submit(f"/admin/units/{commune.id}", {"code": "CD-XA-79", **fields})
    assert response.status_code == 422, text(response)
    response = client.submit("/admin/units/new", {"code": "CD-XA-79-B", **fields})
    assert response.status_code == 422, text(response)
    assert _unit("CD-XA-79-B") is None
    db.session.refresh(commune)
    assert commune.type == "commune_union"

    # what the leader of that unit got with the type: none of it
    organiser = new_user("organiser", "CD-XA-79")
    case = make_case(organiser, "conglomerate_pilot",
                     enterprises=[enterprise("Tập đoàn Dệt May", workforce=5000)])
    fire(case, organiser, "start_survey")
    log(case, organiser, "survey_report", note="Báo cáo khảo sát")
    fire(case, organiser, "draft_scheme")
    _outcome, scheme = fire(case, organiser, "approve_scheme")
    national = bearer(new_user("leader", "VGCL", password=PASSWORD))
    plan = {"province": "01", "host_unit": "LDLD-01", "host_note": "Thành ủy Hà Nội",
            "planned_date": (TODAY + timedelta(days=10)).isoformat(), "purpose": "Đôn đốc"}
    api = app.test_client()
    hanoi_visit = api.post("/api/v1/visits", headers=national, json=plan).get_json()
    leader = new_user("leader", "CD-XA-79", password=PASSWORD)
    headers = bearer(leader)
    assert api.get(f"/api/v1/visits/{hanoi_visit['id']}", headers=headers).status_code == 404
    assert api.get("/api/v1/visits", headers=headers).get_json()["total"] == 0
    assert api.post("/api/v1/visits", headers=headers, json=plan).status_code == 403
    assert f"/approvals/{scheme.id}/decision" not in text(browser(leader).get("/approvals"))
    response = api.post(f"/api/v1/approvals/{scheme.id}/decision", headers=headers,
                        json={"decision": "approve", "comment": "Đồng ý"})
    assert response.status_code == 403
    assert "leader of the VGCL" in response.get_json()["error"]["message"]
    # the VGCL's own leader (the root's) still decides it
    response = api.post(f"/api/v1/approvals/{scheme.id}/decision", headers=national,
                        json={"decision": "approve", "comment": "Đồng ý"})
    assert response.status_code == 200, response.get_json()


def test_the_root_cannot_be_created_retyped_or_moved(browser, admin):
    from casework.errors import Invalid
    from casework.services.units import create_unit, update_unit
    root, hcm = _unit("VGCL"), _unit("LDLD-79")
    client = browser(admin)
    # a second VGCL, anywhere
    response = client.submit("/admin/units/new", {
        "code": "VGCL-2", "name": "Tổng Liên đoàn 2", "type": "vgcl", "parent": "LDLD-79"})
    assert response.status_code == 422 and _unit("VGCL-2") is None
    for parent in ("LDLD-79", None):
        with pytest.raises(Invalid):
            create_unit(code="VGCL-2", name="Tổng Liên đoàn 2", type_="vgcl",
                        parent_code=parent)
        db.session.rollback()
    # the root keeps its type and its place
    same = {"code": "VGCL", "name": root.name, "province": ""}
    response = client.submit(f"/admin/units/{root.id}",
                             {**same, "type": "provincial_federation", "parent": ""})
    assert response.status_code == 422, text(response)
    response = client.submit(f"/admin/units/{root.id}", {**same, "type": "vgcl",
                                                         "parent": "LDLD-79"})
    assert response.status_code == 422, text(response)
    with pytest.raises(Invalid):
        update_unit(root, code="VGCL", name=root.name, type_="sector_union", parent_code=None)
    db.session.rollback()
    # no other unit becomes the root or the VGCL
    moved = {"code": "LDLD-79", "name": hcm.name, "province": "79"}
    response = client.submit(f"/admin/units/{hcm.id}", {**moved, "type": "vgcl",
                                                        "parent": "VGCL"})
    assert response.status_code == 422, text(response)
    response = client.submit(f"/admin/units/{hcm.id}", {**moved, "type": "provincial_federation",
                                                        "parent": ""})
    assert response.status_code == 422, text(response)
    with pytest.raises(Invalid):
        update_unit(hcm, code="LDLD-79", name=hcm.name, type_="vgcl", parent_code="VGCL")
    db.session.rollback()
    db.session.refresh(root)
    db.session.refresh(hcm)
    assert (root.type, root.parent_id) == ("vgcl", None)
    assert (hcm.type, hcm.parent_id) == ("provincial_federation", root.id)
    # an edit that keeps the root as it is still saves
    response = client.submit(f"/admin/units/{root.id}", {**same, "name": "Tổng Liên đoàn LĐVN",
                                                         "type": "vgcl", "parent": ""})
    assert response.status_code == 302, text(response)


def test_the_database_holds_one_vgcl_and_it_is_the_root():
    from sqlalchemy.exc import IntegrityError
    hcm = _unit("LDLD-79")
    for values in ({"code": "X-1", "type": "vgcl", "parent_id": hcm.id, "path": "/x/"},
                   {"code": "X-2", "type": "vgcl", "parent_id": None, "path": "/y/"},
                   {"code": "X-3", "type": "commune_union", "parent_id": None, "path": "/z/"}):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.execute(sa.insert(OrgUnit).values(name="X", **values))
    db.session.rollback()


def test_an_admin_gives_only_types_below_their_own_level(browser):
    from casework.models import UNIT_LEVELS, UnitType
    from casework.services.units import create_unit
    create_unit(code="CD-XA-79", name="Công đoàn phường Sài Gòn", type_="commune_union",
                parent_code="LDLD-79", province_code="79")
    db.session.commit()
    for unit, offered in (("VGCL", ["provincial_federation", "sector_union", "corporation_union",
                                    "commune_union", "industrial_park_union", "grassroots"]),
                          ("LDLD-79", ["commune_union", "industrial_park_union", "grassroots"]),
                          ("CD-XA-79", ["grassroots"])):
        client = browser(new_user("admin", unit, password=PASSWORD))
        assert _type_options(text(client.get("/admin/units/new"))) == offered, unit
        assert offered == [t.value for t in UnitType
                           if UNIT_LEVELS[t.value] > UNIT_LEVELS[_unit(unit).type]]
    # a provincial administrator's own federation: shown with its type, not retyped to a peer's
    client = browser(new_user("admin", "LDLD-79", password=PASSWORD))
    hcm = _unit("LDLD-79")
    page = text(client.get(f"/admin/units/{hcm.id}"))
    assert _type_options(page) == ["provincial_federation", "commune_union",
                                   "industrial_park_union", "grassroots"]
    for type_ in ("sector_union", "provincial_federation"):
        response = client.submit("/admin/units/new", {
            "code": "CD-NGANH-79", "name": "Công đoàn ngành", "type": type_,
            "parent": "LDLD-79", "province": "79"})
        assert response.status_code == 422, (type_, text(response))
    assert _unit("CD-NGANH-79") is None
    response = client.submit(f"/admin/units/{_unit('CD-XA-79').id}", {
        "code": "CD-XA-79", "name": "Công đoàn phường Sài Gòn", "type": "corporation_union",
        "parent": "LDLD-79", "province": "79"})
    assert response.status_code == 422
    assert _unit("CD-XA-79").type == "commune_union"
    response = client.submit("/admin/units/new", {
        "code": "CDCS-79-1", "name": "CĐCS Công ty May", "type": "grassroots",
        "parent": "CD-XA-79", "province": "79"})
    assert response.status_code == 302, text(response)


def test_the_admin_forms_refuse_a_guessable_password_and_say_so_in_vietnamese(browser, admin):
    client = browser(admin)
    fields = {"email": "lan@test.vn", "name": "Lan", "role": "organiser", "unit": "LDLD-79"}
    response = client.submit("/admin/users/new", {**fields, "password": "password1"})
    assert response.status_code == 422
    assert "too easy to guess" in text(response) and 'value="lan@test.vn"' in text(response)
    assert db.session.scalar(sa.select(User).where(User.email == "lan@test.vn")) is None

    user = new_user("organiser", "LDLD-79", password=PASSWORD)
    before = user.password_hash
    client.client.set_cookie("lang", "vi")
    response = client.submit(f"/admin/users/{user.id}", {
        "name": user.name, "role": "organiser", "unit": "LDLD-79", "active": "y",
        "password": "12345678"})
    assert response.status_code == 422
    assert "quá dễ đoán" in text(response)
    db.session.refresh(user)
    assert user.password_hash == before
