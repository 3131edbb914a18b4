"""Counting in one place: whatever order verifications, rejections, withdrawals,
re-verifications and typed step numbers come in, every verified application is counted exactly
once and nothing typed is lost (docs/applications.md)."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from casework.errors import DomainError
from casework.extensions import db
from casework.models import CaseApplication, Step
from casework.schemas.applications import ApplicationInput, load
from casework.services.applications import add_application, change_status
from casework.services.steps import log_step
from casework.transaction import commit
from casework import clock
from tests.fuzzing import fuzz_settings
from tests.helpers import make_case, make_team

PEOPLE = [("Nguyễn Văn An", "VN", None, "0912000001"), ("Trần Thị Bình", "VN", None, None),
          ("Kim Min-jun", "KR", True, "0912000003"), ("Lee Ji-woo", "KR", False, None),
          ("Nguyễn Văn An", "VN", None, "0912000001")]  # the first one again: a duplicate

actions = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, len(PEOPLE) - 1)),
    st.tuples(st.sampled_from(["verified", "rejected", "withdrawn", "verified_distinct"]),
              st.integers(0, 9)),
    st.tuples(st.just("step"), st.tuples(st.integers(-2, 3), st.integers(-1, 2)))),
    min_size=1, max_size=25)


def sums(case_id: int, *, register_only: bool = False) -> tuple[int, int]:
    query = (sa.select(sa.func.coalesce(sa.func.sum(Step.applications_vietnamese), 0),
                       sa.func.coalesce(sa.func.sum(Step.applications_foreign), 0))
             .where(Step.case_id == case_id))
    if register_only:
        query = query.where(Step.application_id.is_not(None))
    return tuple(db.session.execute(query).one())


def verified(case_id: int, count: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(CaseApplication.id)).where(
        CaseApplication.case_id == case_id, CaseApplication.status == "verified",
        CaseApplication.counted_as == count))


@given(actions)
@fuzz_settings(30)
def test_nothing_is_counted_twice_or_lost(script):
    team = make_team()
    case = make_case(team.organiser)
    typed = [0, 0]
    applications: list[CaseApplication] = []
    for action, arg in script:
        try:
            if action == "add":
                name, nationality, contract, phone = PEOPLE[arg]
                applications.append(add_application(case, team.organiser, load(
                    ApplicationInput, {"full_name": name, "nationality": nationality,
                                       "contract_12_months": contract, "phone": phone})))
            elif action == "step":
                log_step(case, team.supervisor, kind="applications_collected",
                         date_=clock.today(), applications_vietnamese=arg[0],
                         applications_foreign=arg[1])
                typed[0] += arg[0]
                typed[1] += arg[1]
            elif applications:
                application = applications[arg % len(applications)]
                status = action.removesuffix("_distinct")
                change_status(application, team.organiser, status=status,
                              version=application.version,
                              reason="Không đủ điều kiện" if status == "rejected" else "",
                              not_duplicate=action.endswith("_distinct"))
            commit()
        except DomainError:
            db.session.rollback()
            if action == "step":
                pass  # refused whole: nothing typed was added
        db.session.expire_all()
        # the case's counts are the sum of its steps, and never below zero
        assert (case.applications_vietnamese, case.applications_foreign) == sums(case.id)
        assert case.applications_vietnamese >= 0 and case.applications_foreign >= 0
        # the register's steps add up to its verified applications, each once
        assert sums(case.id, register_only=True) == (verified(case.id, "vietnamese"),
                                                    verified(case.id, "foreign"))
        # and what was typed is all there besides
        assert (case.applications_vietnamese - verified(case.id, "vietnamese"),
                case.applications_foreign - verified(case.id, "foreign")) == tuple(typed)
        # a possible duplicate is never counted before the organiser decided
        assert not db.session.scalar(sa.select(sa.func.count(CaseApplication.id)).where(
            CaseApplication.case_id == case.id, CaseApplication.status == "verified",
            CaseApplication.duplicate_state == "flagged"))
