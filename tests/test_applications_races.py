"""Races on one register (PostgreSQL): verifying, rejecting and typed steps at once never count
an application twice nor lose a typed number."""
from __future__ import annotations

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import Case, CaseApplication, Step, User
from casework.schemas.applications import ApplicationInput, load
from casework.services.applications import add_application, change_status
from casework.services.steps import log_step
from casework.transaction import commit
from tests.helpers import make_case, make_team
from tests.test_concurrency import _postgresql_only, race  # noqa: F401  (the fixture skips SQLite)


def deciding(application_id: int, user_id: int, status: str, reason: str = ""):
    def contender(barrier):
        application = db.session.get(CaseApplication, application_id)
        user = db.session.get(User, user_id)
        version = application.version
        barrier.wait()
        change_status(application, user, status=status, version=version, reason=reason)
    return contender


def stepping(case_id: int, user_id: int, vietnamese: int):
    def contender(barrier):
        case, user = db.session.get(Case, case_id), db.session.get(User, user_id)
        barrier.wait()
        log_step(case, user, kind="applications_collected", date_=clock.today(),
                 applications_vietnamese=vietnamese)
    return contender


def sums(case_id):
    return db.session.execute(sa.select(Case.applications_vietnamese,
                                        sa.select(sa.func.sum(Step.applications_vietnamese))
                                        .where(Step.case_id == case_id).scalar_subquery())
                              .where(Case.id == case_id)).one()


def test_verify_reject_and_a_typed_step_at_once(app):
    team = make_team()
    case = make_case(team.organiser)
    application = add_application(case, team.organiser,
                                  load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
    commit()
    outcomes = race(app, deciding(application.id, team.organiser.id, "verified"),
                    deciding(application.id, team.supervisor.id, "rejected", "Không đủ"),
                    stepping(case.id, team.organiser.id, 3))
    assert outcomes.count("ok") == 2 and outcomes[2] == "ok"
    assert sorted(outcomes[:2]) == ["409 stale_version", "ok"]
    db.session.expire_all()
    decided = db.session.get(CaseApplication, application.id)
    counted = 1 if decided.status == "verified" else 0
    total, steps = sums(case.id)
    assert total == steps == 3 + counted


def test_two_verifications_at_once_count_once(app):
    team = make_team()
    case = make_case(team.organiser)
    application = add_application(case, team.organiser,
                                  load(ApplicationInput, {"full_name": "Lê Thị Hoa"}))
    commit()
    outcomes = race(app, deciding(application.id, team.organiser.id, "verified"),
                    deciding(application.id, team.supervisor.id, "verified"))
    assert sorted(outcomes) == ["409 stale_version", "ok"]
    db.session.expire_all()
    assert tuple(sums(case.id)) == (1, 1)
