"""Scope and roles: a user sees and changes only the cases of their unit's subtree (anything
else is a 404), a national sector union works in every province, roles limit what one may do."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework import authz
from casework.extensions import db
from casework.models import OrgUnit
from casework.errors import Forbidden
from casework.services.cases import create_case
from casework.services.reference import ensure_unit
from tests.helpers import TODAY, Api, enterprise, make_case, make_team, new_user, walk_to


def unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


@pytest.fixture
def cases():
    """One case of LDLD-79, one of LDLD-01 and a CD-DETMAY case in each of the two provinces."""
    hcm, hanoi = new_user("organiser", "LDLD-79"), new_user("organiser", "LDLD-01")
    textile = new_user("organiser", "CD-DETMAY")
    return {
        "LDLD-79": make_case(hcm, enterprises=[enterprise("Công ty May Sài Gòn")]),
        "LDLD-01": make_case(hanoi, enterprises=[enterprise("Công ty May Thăng Long",
                                                            province="01")]),
        "CD-DETMAY/79": make_case(textile, enterprises=[enterprise("Việt Tiến", province="79")]),
        "CD-DETMAY/01": make_case(textile, enterprises=[enterprise("May 10", province="01")]),
    }


VISIBLE = {
    "LDLD-79": {"LDLD-79"},
    "LDLD-01": {"LDLD-01"},
    "CD-DETMAY": {"CD-DETMAY/79", "CD-DETMAY/01"},
    "CD-NGANHANG": set(),
    "VGCL": {"LDLD-79", "LDLD-01", "CD-DETMAY/79", "CD-DETMAY/01"},
}


@pytest.mark.parametrize("role", ["organiser", "supervisor", "leader", "admin"])
@pytest.mark.parametrize("unit_code", sorted(VISIBLE))
def test_each_unit_sees_exactly_its_subtree(client, cases, unit_code, role):
    api = Api(client, new_user(role, unit_code))
    listed = {item["id"] for item in api.get("/cases", per_page=200).get_json()["items"]}
    assert listed == {cases[name].id for name in VISIBLE[unit_code]}
    for name, case in cases.items():
        status = api.get(f"/cases/{case.id}").status_code
        assert status == (200 if name in VISIBLE[unit_code] else 404), name


def test_cases_outside_the_subtree_cannot_be_changed(client, cases):
    hidden = cases["LDLD-01"]
    for who in (new_user("supervisor", "LDLD-79"), new_user("supervisor", "CD-DETMAY")):
        api = Api(client, who)
        attempts = [
            api.post(f"/cases/{hidden.id}/steps", {"kind": "other", "date": TODAY.isoformat(),
                                                   "applications_vietnamese": 50}),
            api.fire(hidden.id, "put_on_hold", comment="x", version=hidden.version),
            api.fire(hidden.id, "start_outreach", version=hidden.version),
        ]
        for response in attempts:
            assert response.status_code == 404, response.get_json()
            assert response.get_json()["error"]["code"] == "not_found"
    db.session.refresh(hidden)
    assert (hidden.state, hidden.applications_vietnamese) == ("identified", 0)


def test_sector_union_works_in_every_province(client, cases):
    supervisor = new_user("supervisor", "CD-DETMAY")
    api = Api(client, supervisor)
    for name in ("CD-DETMAY/79", "CD-DETMAY/01"):
        response = api.fire(cases[name].id, "start_outreach")
        assert response.status_code == 200, response.get_json()
    assert {i["province"] for i in api.get("/cases").get_json()["items"]} == {"79", "01"}
    assert api.get("/cases", province="01").get_json()["total"] == 1
    # a provincial federation does not see the sector union's cases in its own province
    hcm = Api(client, new_user("supervisor", "LDLD-79"))
    assert hcm.get(f"/cases/{cases['CD-DETMAY/79'].id}").status_code == 404


def test_creating_a_case_for_a_unit_outside_the_subtree_is_403(client):
    api = Api(client, new_user("organiser", "LDLD-79"))
    for code in ("LDLD-01", "CD-DETMAY", "VGCL"):
        response = api.post("/cases", {"kind": "grassroots", "unit": code,
                                       "enterprises": [enterprise()]})
        assert response.status_code == 403, code
    vgcl = Api(client, new_user("organiser", "VGCL"))
    assert vgcl.post("/cases", {"kind": "grassroots", "unit": "LDLD-01",
                                "enterprises": [enterprise(province="01")]}).status_code == 201


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_leaders_and_admins_read_but_do_not_work_cases(client, cases, role):
    api = Api(client, new_user(role, "LDLD-79"))
    case = cases["LDLD-79"]
    assert api.get(f"/cases/{case.id}").status_code == 200
    assert api.post("/cases", {"kind": "grassroots", "unit": "LDLD-79",
                               "enterprises": [enterprise()]}).status_code == 403
    assert api.post(f"/cases/{case.id}/steps",
                    {"kind": "other", "date": TODAY.isoformat()}).status_code == 403
    assert api.fire(case.id, "start_outreach").status_code == 403


def test_scope_follows_the_tree_to_any_depth(client):
    """A commune union under LDLD-79: its users see only its cases; LDLD-79 sees them too."""
    federation = unit("LDLD-79")
    commune = ensure_unit("CD-XA-79-01", "Công đoàn phường Sài Gòn", "commune_union",
                          federation, federation.province)
    park = ensure_unit("CD-KCN-79-01", "Công đoàn KCN Tân Thuận", "industrial_park_union",
                       federation, federation.province)
    db.session.commit()
    assert commune.path == f"{federation.path}{commune.id}/"

    commune_case = make_case(new_user("organiser", commune.code))
    park_case = make_case(new_user("organiser", park.code))
    federation_case = make_case(new_user("organiser", "LDLD-79"))

    def visible(code):
        api = Api(client, new_user("leader", code))
        return {i["id"] for i in api.get("/cases").get_json()["items"]}

    assert visible(commune.code) == {commune_case.id}
    assert visible(park.code) == {park_case.id}
    assert visible("LDLD-79") == {commune_case.id, park_case.id, federation_case.id}
    assert Api(client, new_user("leader", "LDLD-79")).get(
        "/cases", unit=commune.code).get_json()["total"] == 1


def test_unit_paths_do_not_leak_between_siblings():
    """'/1/3/' must not count as inside '/1/30/' nor the other way round."""
    codes = sorted(u.code for u in db.session.scalars(sa.select(OrgUnit)))
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    for code in codes:
        for other in codes:
            inside = units[code].is_within(units[other])
            expected = code == other or other == "VGCL"
            assert inside == expected, (code, other)


def test_approvals_are_decided_only_in_scope(client):
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    approval_id = Api(client, team.organiser).fire(case.id, "recognise").get_json()[
        "approval"]["id"]
    url = f"/approvals/{approval_id}/decision"
    for code in ("LDLD-01", "CD-DETMAY"):
        outsider = Api(client, new_user("supervisor", code))
        assert outsider.get("/approvals").get_json()["items"] == []
        assert outsider.post(url, {"decision": "approve"}).status_code == 404
    # a VGCL supervisor is above every federation and may decide
    national = Api(client, new_user("supervisor", "VGCL"))
    assert national.post(url, {"decision": "approve", "comment": "ok"}).status_code == 200


def test_why_not_explains_every_refusal():
    organiser = new_user("organiser", "LDLD-79")
    leader = new_user("leader", "LDLD-79")
    case = make_case(organiser)
    outsider = new_user("supervisor", "LDLD-01")
    assert authz.why_not(organiser, "case.view", case) is None
    assert "outside" in authz.why_not(outsider, "case.view", case)
    assert "Only" in authz.why_not(leader, "case.create", unit("LDLD-79"))
    assert "supervisor" in authz.why_not(organiser, "case.reassign", case)
    assert "administrator" in authz.why_not(organiser, "admin")
    assert authz.why_not(new_user("admin", "VGCL"), "admin") is None
    with pytest.raises(Forbidden):
        create_case(leader, kind="grassroots", unit="LDLD-79", enterprises=[enterprise()])
