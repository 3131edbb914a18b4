"""A founded case becomes a grassroots union that lives on: transfer, dissolution, history."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework import clock
from casework.errors import Forbidden, Invalid
from casework.extensions import db
from casework.models import OrgUnit
from casework.models.membership import GrassrootsUnion, MembershipReport, UnitEvent
from casework.services.founded_units import (dissolve_union, rename_union, transfer_union,
                                             union_history)
from casework.transaction import commit
from tests.helpers import Api, make_case, make_team, new_user, walk_to
from tests.test_pipeline import commune_unit


def founded(team, kind="grassroots", **extra):
    case = make_case(team.organiser, kind, **extra)
    walk_to(case, "founded", team)
    return case


def recorded_decision(case) -> str:
    """The decision number the case's founding decision recorded (the last one taken)."""
    numbers = [values["decision_number"] for values in (case.details or {}).values()
               if isinstance(values, dict) and values.get("decision_number")]
    return numbers[-1]


def test_announce_makes_a_grassroots_unit_under_the_managing_unit(app):
    team = make_team()
    case = founded(team)
    union = case.founded_union
    unit = union.unit
    assert unit.type == "grassroots" and unit.parent.code == "LDLD-79"
    assert unit.path == f"{unit.parent.path}{unit.id}/"
    assert unit.name == "Công đoàn cơ sở " + case.enterprises[0].name
    assert unit.province.code == "79"
    assert union.chair == "Trần Văn Hùng"
    assert union.committee == ["Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai"]
    # the number the register gave the recognition (services/decision_numbers.py)
    assert (union.decision_number, union.signer) == (recorded_decision(case), "Vũ Đức Anh")
    assert union.decision_number.endswith("/QĐ-LĐLĐ")
    assert union.founding_members == 12 == union.members_now
    assert [e.id for e in union.enterprises] == [e.id for e in case.enterprises]
    assert [e.action for e in union_history(union)] == ["founded"]


def test_small_units_and_a_conglomerate_pilot_become_unions(app):
    team = make_team()
    small = founded(team, "small_units")
    assert len(small.founded_union.enterprises) == 2
    assert small.founded_union.unit.name.endswith("(+1)")
    pilot = founded(team, "conglomerate_pilot")
    union = pilot.founded_union
    assert union.founding_members == 850 and union.decision_number == recorded_decision(pilot)
    assert union.committee == ["Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai"]


def test_the_case_json_names_its_founded_unit(app, client):
    team = make_team()
    case = make_case(team.organiser)
    api = Api(client, team.organiser)
    assert api.case(case.id)["founded_unit"] is None
    walk_to(case, "founded", team)
    unit = case.founded_union.unit
    assert api.case(case.id)["founded_unit"] == {"code": unit.code, "name": unit.name}


def test_rename_transfer_and_dissolve_are_audited(app):
    team = make_team()
    commune_unit()
    union = founded(team).founded_union
    rename_union(team.supervisor, union, "Công đoàn cơ sở Hưng Thịnh")
    transfer_union(team.supervisor, union, "CD-XA-79-1", clock.today(), "Sáp nhập")
    commit()
    assert union.unit.parent.code == "CD-XA-79-1"
    assert union.unit.path.startswith(union.unit.parent.path)
    with pytest.raises(Invalid):
        dissolve_union(team.supervisor, union, clock.today(), "")
    dissolve_union(team.supervisor, union, clock.today(), "Doanh nghiệp giải thể")
    commit()
    assert union.dissolved and union.members_at_dissolution == 12
    assert [e.action for e in union_history(union)] == ["founded", "renamed", "transferred",
                                                        "dissolved"]
    with pytest.raises(Invalid):
        dissolve_union(team.supervisor, union, clock.today(), "again")


def test_only_supervisors_and_admins_manage_a_union(app):
    team = make_team()
    union = founded(team).founded_union
    with pytest.raises(Forbidden):
        rename_union(team.organiser, union, "X")
    with pytest.raises(Forbidden):
        dissolve_union(new_user("leader", "LDLD-79"), union, clock.today(), "x")


def test_the_case_page_links_to_its_union(app, client):
    from tests.test_pipeline import login
    team = make_team()
    case = founded(team)
    login(client, team.organiser)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/membership/units/{case.founded_union.unit.code}"' in html
