"""The deadlines the guidance sets: the dossier within 15 working days of the founding congress
(a setting), overdue like a recognition in the pipeline and the digest; and which checklist
items the dossier requires (a setting)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from casework import clock
from casework.extensions import db
from casework.models import Notification
from casework.services.calendar import add_working_days
from casework.services.notifications import overdue_digest
from casework.services.pipeline import PipelineFilters, pipeline
from casework.services.settings import set_setting
from casework.transaction import commit
from casework.workflow.data import GuardFailed
from casework.workflow.definition import DOCUMENTS
from tests.helpers import fire, make_case, make_team, new_user, walk_to

MONDAY = date(2026, 11, 2)   # a working Monday: the count reads the same whatever today is


def _held_on(day: date):
    return clock.travel_to(datetime.combine(day, time(10), tzinfo=clock.VIETNAM))


def test_holding_the_congress_starts_the_dossier_deadline():
    team = make_team("LDLD-79")
    with _held_on(MONDAY):
        case = walk_to(make_case(team.organiser), "congress_held", team)
    # 15 working days after Monday 2 November: Monday 23 November (weekends not counted)
    assert case.deadline == add_working_days(MONDAY, 15) == date(2026, 11, 23)
    set_setting("dossier_deadline_days", 5)
    commit()
    with _held_on(MONDAY):
        other = walk_to(make_case(team.organiser), "congress_held", team)
    assert other.deadline == date(2026, 11, 9)


def test_a_late_dossier_is_overdue_in_the_pipeline_and_the_digest():
    team = make_team("LDLD-79")
    late = walk_to(make_case(team.organiser), "congress_held", team)
    on_time = walk_to(make_case(team.organiser), "congress_held", team)
    late.deadline = clock.today() - timedelta(days=1)
    commit()
    leader = new_user("leader", "VGCL")
    assert pipeline(leader, PipelineFilters(by="province")).totals.overdue == 1
    [digest] = [n for n in overdue_digest() if n.user_id == team.organiser.id]
    assert late.ref in digest.body and on_time.ref not in digest.body
    assert "hồ sơ" in digest.body.lower() or "dossier" in digest.body.lower()
    # filed: the recognition deadline replaces it
    fire(late, team.organiser, "submit_dossier")
    assert late.deadline > clock.today()
    assert db.session.get(Notification, digest.id) is not None


def test_the_required_checklist_items_are_a_setting():
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser), "congress_held", team)
    five = [d for d in DOCUMENTS if d not in ("business_registration", "workforce_report")]
    fire(case, team.organiser, "submit_dossier", data={"documents": five})
    assert case.state == "dossier_submitted"

    set_setting("required_documents", list(DOCUMENTS))
    commit()
    other = walk_to(make_case(team.organiser), "congress_held", team)
    with pytest.raises(GuardFailed) as refused:
        fire(other, team.organiser, "submit_dossier", data={"documents": five})
    assert refused.value.details["missing"] == ["business_registration", "workforce_report"]
