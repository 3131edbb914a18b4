"""The register of decision numbers: one series a unit and year, never a number twice or skipped."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from casework.errors import Invalid
from casework.extensions import db
from casework.models import ApprovalRequest, Case, DecisionNumber, OrgUnit, User
from casework.services import decision_numbers
from casework.services.approvals import decide
from casework.transaction import commit
from tests.helpers import (PASSWORD, TODAY, Api, Team, error_of, fire, make_case, make_team,
                           new_user, trigger_data,
                           walk_to)
from tests.browser import browser, text  # noqa: F401
from tests.test_concurrency import race


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def _recognise(case, team, data=None):
    _, approval = fire(case, team.organiser, "recognise", data={})
    decide(approval, team.supervisor, decision="approve", comment="Đồng ý",
           data=trigger_data("recognise") if data is None else data)
    commit()
    db.session.refresh(case)
    return case


def test_decisions_are_numbered_one_after_another_by_the_deciding_unit():
    team = make_team("LDLD-79")
    first, second = (walk_to(make_case(team.organiser), "dossier_submitted", team)
                     for _ in range(2))
    assert decision_numbers.next_number(_unit("LDLD-79")) == "1/QĐ-LĐLĐ"
    assert _recognise(first, team).details["decision"]["decision_number"] == "1/QĐ-LĐLĐ"
    assert _recognise(second, team).details["decision"]["decision_number"] == "2/QĐ-LĐLĐ"
    issued = db.session.scalars(sa.select(DecisionNumber).order_by(DecisionNumber.number)).all()
    assert [(n.number, n.case_id, n.year) for n in issued] == [
        (1, first.id, TODAY.year), (2, second.id, TODAY.year)]
    assert decision_numbers.next_number(_unit("LDLD-79")) == "3/QĐ-LĐLĐ"


def test_the_suffix_is_a_setting_of_the_unit_with_a_default_by_type():
    assert decision_numbers.next_number(_unit("VGCL")) == "1/QĐ-TLĐ"
    unit = _unit("LDLD-79")
    decision_numbers.set_suffix(unit, "QĐ-LĐLĐ.HCM")
    assert decision_numbers.next_number(unit) == "1/QĐ-LĐLĐ.HCM"
    decision_numbers.set_suffix(unit, "")
    assert decision_numbers.next_number(unit) == "1/QĐ-LĐLĐ"
    with pytest.raises(Invalid):
        decision_numbers.set_suffix(unit, "QĐ/LĐLĐ")


def test_a_typed_number_must_be_the_next_one(client):
    team = make_team("LDLD-79")
    first, second = (walk_to(make_case(team.organiser), "dossier_submitted", team)
                     for _ in range(2))
    _recognise(first, team)
    boss = Api(client, team.supervisor)
    filed = Api(client, team.organiser).fire(second.id, "recognise", data={})
    url = f"/approvals/{filed.get_json()['approval']['id']}/decision"
    data = trigger_data("recognise")
    taken = boss.post(url, {"decision": "approve", "data": {**data, "decision_number": "1/QĐ-LĐLĐ"}})
    assert taken.status_code == 409
    assert error_of(taken)["code"] == "decision_number_taken"
    assert "2/QĐ-LĐLĐ" in error_of(taken)["message"]
    skipped = boss.post(url, {"decision": "approve",
                              "data": {**data, "decision_number": "5/QĐ-LĐLĐ"}})
    assert skipped.status_code == 422 and error_of(skipped)["field"] == "decision_number"
    foreign = boss.post(url, {"decision": "approve",
                              "data": {**data, "decision_number": "2/QĐ-XYZ"}})
    assert foreign.status_code == 422
    assert db.session.get(ApprovalRequest, filed.get_json()["approval"]["id"]).status == "pending"
    done = boss.post(url, {"decision": "approve",
                           "data": {**data, "decision_number": " 2 / qđ-lđlđ "}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["case"]["details"]["decision"]["decision_number"] == "2/QĐ-LĐLĐ"


def test_a_failed_decision_gives_its_number_back():
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    _, approval = fire(case, team.organiser, "recognise", data={})
    with pytest.raises(Invalid):   # no decision date: refused
        decide(approval, team.supervisor, decision="approve", data={"signer": "Vũ Đức Anh"})
    db.session.rollback()
    assert decision_numbers.next_number(_unit("LDLD-79")) == "1/QĐ-LĐLĐ"


def test_establish_is_numbered_by_the_register_too():
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser, "conglomerate_pilot"), "established", team)
    assert case.details["decision"]["decision_number"] == "1/QĐ-LĐLĐ"


def test_the_forms_offer_the_next_number(browser):  # noqa: F811
    team = Team(*(new_user(role, unit, password=PASSWORD) for role, unit in
                  (("organiser", "LDLD-79"), ("supervisor", "LDLD-79"), ("leader", "VGCL"))))
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    fire(case, team.organiser, "recognise", data={})
    inbox = text(browser(team.supervisor).get("/approvals"))
    assert re.search(r'name="a\d+-decision_number"[^>]*value="1/QĐ-LĐLĐ"', inbox) or \
        re.search(r'value="1/QĐ-LĐLĐ"[^>]*name="a\d+-decision_number"', inbox)
    pilot = walk_to(make_case(team.organiser, "conglomerate_pilot"), "scheme_approved", team)
    form = text(browser(team.organiser).get(f"/cases/{pilot.id}/transitions/establish"))
    assert 'value="1/QĐ-LĐLĐ"' in form


def test_two_supervisors_deciding_at_once_get_consecutive_numbers(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrent connections are tested on PostgreSQL")
    team = make_team("LDLD-79")
    cases = [walk_to(make_case(team.organiser), "dossier_submitted", team) for _ in range(3)]
    approvals = [fire(case, team.organiser, "recognise", data={})[1].id for case in cases]
    supervisors = [team.supervisor.id] * 3

    def deciding(approval_id, user_id):
        def contender(barrier):
            approval = db.session.get(ApprovalRequest, approval_id)
            user = db.session.get(User, user_id)
            approval.case.state  # noqa: B018
            user.unit.type  # noqa: B018
            barrier.wait()
            decide(approval, user, decision="approve", comment="Đồng ý",
                   data=trigger_data("recognise"))
        return contender

    outcomes = race(app, *(deciding(a, u) for a, u in zip(approvals, supervisors)))
    assert outcomes == ["ok", "ok", "ok"]
    db.session.expire_all()
    numbers = sorted(db.session.get(Case, c.id).details["decision"]["decision_number"]
                     for c in cases)
    assert numbers == ["1/QĐ-LĐLĐ", "2/QĐ-LĐLĐ", "3/QĐ-LĐLĐ"]
    assert decision_numbers.next_number(_unit("LDLD-79")) == "4/QĐ-LĐLĐ"


def test_a_typed_number_racing_the_register_is_refused(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrent connections are tested on PostgreSQL")
    team = make_team("LDLD-79")
    cases = [walk_to(make_case(team.organiser), "dossier_submitted", team) for _ in range(2)]
    approvals = [fire(case, team.organiser, "recognise", data={})[1].id for case in cases]

    def deciding(approval_id):
        def contender(barrier):
            approval = db.session.get(ApprovalRequest, approval_id)
            user = db.session.get(User, team.supervisor.id)
            approval.case.state  # noqa: B018
            barrier.wait()   # both saw "1/QĐ-LĐLĐ" offered and typed it
            decide(approval, user, decision="approve", comment="Đồng ý",
                   data={**trigger_data("recognise"), "decision_number": "1/QĐ-LĐLĐ"})
        return contender

    outcomes = race(app, *(deciding(a) for a in approvals))
    assert sorted(outcomes) == ["409 decision_number_taken", "ok"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(DecisionNumber.id))) == 1
