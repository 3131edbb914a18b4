"""Escalation: overdue recognitions beyond the level's working days and cases stuck beyond the
setting go to the supervisors and leaders of the unit above, in-app and in their digest, shown
on the case and the pipeline, and stop when the case moves."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import Escalation, Notification
from casework.services.calendar import add_working_days
from casework.services.escalation import escalate, live_for_case
from casework.services.notifications import overdue_digest
from casework.services.settings import set_setting
from casework.transaction import commit
from tests.browser import browser, text  # noqa: F401  (fixture)
from tests.helpers import PASSWORD, TODAY, Api, advance, make_case, make_team, new_user, walk_to


@pytest.fixture
def team():
    return make_team()


def notified(user, kind: str = "escalation") -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def submitted(team):
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    assert case.deadline is not None
    return case


def test_an_overdue_recognition_goes_to_the_unit_above_after_the_levels_working_days(team):
    case = submitted(team)
    above_supervisor = new_user("supervisor", "VGCL")
    days = 5   # the default for a provincial federation (LDLD-79 decides)
    just_in_time = add_working_days(case.deadline, days)
    assert escalate(just_in_time) == []                       # not more than 5 days yet
    made = escalate(just_in_time + timedelta(days=1))
    commit()
    assert [(e.case_id, e.reason, e.unit.code) for e in made] == [(case.id, "overdue", "VGCL")]
    assert len(notified(above_supervisor)) == 1 and len(notified(team.vgcl_leader)) == 1
    assert notified(team.supervisor) == [] and notified(team.organiser) == []
    # once only, however often the job runs
    assert escalate(just_in_time + timedelta(days=2)) == []
    assert len(notified(above_supervisor)) == 1


def test_the_setting_is_per_level(team):
    case = submitted(team)
    set_setting("escalate_overdue_working_days", {"provincial_federation": 1})
    commit()
    assert len(escalate(add_working_days(case.deadline, 1) + timedelta(days=1))) == 1


def test_escalation_stops_when_the_case_moves(team):
    case = submitted(team)
    later = case.deadline + timedelta(days=30)
    escalate(later)
    commit()
    assert len(live_for_case(case)) == 1
    advance(case, team, "recognise")
    escalate(later)
    commit()
    assert live_for_case(case) == []
    assert db.session.scalar(sa.select(Escalation.ended_at)) is not None


def test_a_stuck_case_is_escalated_too(team):
    case = make_case(team.organiser)
    assert escalate(TODAY + timedelta(days=80)) == []
    made = escalate(TODAY + timedelta(days=95))
    assert [(e.case_id, e.reason) for e in made] == [(case.id, "stuck")]


def test_a_case_managed_at_the_root_has_nobody_above(team):
    national = new_user("supervisor", "VGCL")
    make_case(national, unit="VGCL")
    assert escalate(TODAY + timedelta(days=95)) == []


def test_the_digest_of_the_unit_above_lists_it(team):
    case = submitted(team)
    later = case.deadline + timedelta(days=30)
    escalate(later)
    made = overdue_digest(later)
    commit()
    leader_digest = next(n for n in made if n.user_id == team.vgcl_leader.id)
    assert "Escalated to your unit" in leader_digest.body and case.ref in leader_digest.body


def test_shown_on_the_case_the_list_and_the_pipeline(app, team, browser):
    case = submitted(team)
    escalate(case.deadline + timedelta(days=30))
    commit()
    found = Api(app.test_client(), team.supervisor).get("/cases", escalated="1").get_json()
    assert [c["id"] for c in found["items"]] == [case.id]
    from casework.services.users import set_password
    set_password(team.supervisor, PASSWORD)
    commit()
    b = browser(team.supervisor)
    assert "Escalated: recognition overdue" in text(b.get(f"/cases/{case.id}"))
    assert 'id="escalated-cases"' in text(b.get("/leadership/pipeline"))
