"""Privacy of the register: the erasure job, one person's export and erasure, the member list
that counts for the dossier."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casework import clock
from casework.errors import Forbidden
from casework.extensions import db
from casework.models import CaseApplication
from casework.schemas.applications import ApplicationInput, load
from casework.services.application_files import (confirm_member_list, erase_closed_not_feasible,
                                                 erase_person, member_list_xlsx, person_data)
from casework.services.applications import add_application, change_status
from casework.services.attachments import documents_present
from casework.transaction import commit
from tests.helpers import history, make_case, make_team, new_user, walk_to


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def case(team):
    return make_case(team.organiser)


def verified(case, actor, name="Lê Thị Hoa", **extra) -> CaseApplication:
    application = add_application(case, actor, load(ApplicationInput,
                                                    {"full_name": name, **extra}))
    commit()
    change_status(application, actor, status="verified", version=application.version)
    commit()
    return application


def test_the_erasure_job_keeps_the_counts_and_records_itself(runner, team, case):
    application = verified(case, team.organiser, phone="0912345678")
    walk_to(case, "closed", team)
    assert erase_closed_not_feasible() == 0  # not yet 180 days
    later = clock.now() + timedelta(days=181)
    with clock.travel_to(later):
        result = runner.invoke(args=["applications", "erase"])
    assert "1 applications erased" in result.output, result.output
    db.session.expire_all()
    assert application.full_name == "" and application.phone is None
    assert application.status == "verified" and case.applications_vietnamese == 1
    entry = history(case, "application_erased")[-1]
    assert entry.data["why"] == "closed_not_feasible" and entry.actor_role == "system"
    with clock.travel_to(later):
        assert erase_closed_not_feasible() == 0  # idempotent


def test_an_open_case_is_never_erased(team, case):
    verified(case, team.organiser)
    with clock.travel_to(clock.now() + timedelta(days=1000)):
        assert erase_closed_not_feasible() == 0


def test_one_person_exports_and_erases_their_data(team, case):
    application = verified(case, team.organiser, phone="0912345678")
    data = person_data(application, team.organiser)
    assert data["full_name"] == "Lê Thị Hoa" and data["phone"] == "+84912345678"
    erase_person(application, team.supervisor)
    commit()
    assert application.erased_at is not None and application.full_name == ""
    assert case.applications_vietnamese == 1
    assert [e.data["why"] for e in history(case, "application_erased")] == ["request"]
    with pytest.raises(Forbidden):
        person_data(application, new_user("leader", "LDLD-79"))


def test_the_member_list_comes_from_the_verified_and_counts_for_the_dossier(team, case):
    verified(case, team.organiser, "Lê Thị Hoa")
    verified(case, team.organiser, "Kim Min-jun", nationality="KR", contract_12_months=True)
    add_application(case, team.organiser, load(ApplicationInput, {"full_name": "Chưa Duyệt"}))
    commit()
    sheet = load_workbook(io.BytesIO(member_list_xlsx(case, team.organiser))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Lê Thị Hoa", "Kim Min-jun"]
    assert "member_list" not in documents_present(case.id)
    confirm_member_list(case, team.organiser)
    commit()
    assert "member_list" in documents_present(case.id)
