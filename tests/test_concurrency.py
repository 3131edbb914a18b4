"""Real races on PostgreSQL: two people act on the same row at once, exactly one wins.

Each contender is a thread with its own app context, hence its own session and connection. A
barrier makes sure both have loaded the case (and seen the same version) before either writes.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import ApprovalRequest, AuditEntry, Case, CaseEnterprise, User
from casework.errors import DomainError
from casework.services.approvals import decide
from casework.services.cases import create_case
from casework.services.steps import log_step
from casework.services.transitions import request_transition
from casework.transaction import commit
from tests.helpers import (TODAY, enterprise, fire, make_case, make_team, new_user, trigger_data,
                           walk_to)

TIMEOUT = 20


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrent connections are tested on PostgreSQL")


def race(app, *contenders):
    """Run each contender(barrier) in its own thread and app context; return their outcomes.

    A contender loads what it needs, calls barrier.wait(), then writes and commits. Its outcome
    is "ok", or the HTTP status and code of the DomainError that refused it ("409 conflict").
    """
    barrier = threading.Barrier(len(contenders), timeout=TIMEOUT)
    outcomes = [None] * len(contenders)

    def run(i, contender):
        with app.app_context():
            try:
                contender(barrier)
                commit()
                outcomes[i] = "ok"
            except DomainError as exc:
                db.session.rollback()
                outcomes[i] = f"{exc.status} {exc.code}"
            except Exception as exc:  # noqa: BLE001  (reported, so the test shows it)
                db.session.rollback()
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a contender hung"
    return outcomes


def firing(case_id: int, user_id: int, trigger: str, data=None, comment=""):
    def contender(barrier):
        case, user = db.session.get(Case, case_id), db.session.get(User, user_id)
        version = case.version
        case.state  # noqa: B018  (loaded before the other commits)
        barrier.wait()
        request_transition(case, user, trigger=trigger, version=version, data=data or {},
                           comment=comment)
    return contender


def transitions_of(case_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.case_id == case_id, AuditEntry.action == "transition")
        .order_by(AuditEntry.id)))


def test_two_people_fire_the_same_trigger_at_once(app):
    team = make_team("LDLD-79")
    colleague = new_user("organiser", "LDLD-79")
    case = make_case(team.organiser)

    outcomes = race(app, firing(case.id, team.organiser.id, "start_outreach"),
                    firing(case.id, colleague.id, "start_outreach"))

    assert sorted(outcomes) == ["409 stale_version", "ok"]
    [entry] = transitions_of(case.id)
    assert (entry.from_state, entry.to_state) == ("identified", "outreach")
    assert db.session.get(Case, case.id).state == "outreach"


def test_two_different_triggers_at_once(app):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)

    outcomes = race(app, firing(case.id, team.organiser.id, "start_outreach"),
                    firing(case.id, team.supervisor.id, "put_on_hold",
                           comment="Doanh nghiệp tạm dừng"))

    assert sorted(outcomes) == ["409 stale_version", "ok"]
    [entry] = transitions_of(case.id)
    case = db.session.get(Case, case.id)
    assert case.state == entry.to_state
    assert entry.to_state in ("outreach", "on_hold")


def test_two_approval_requests_at_once(app):
    team = make_team("LDLD-79")
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    outcomes = race(app, firing(case.id, team.organiser.id, "recognise",
                                data=trigger_data("recognise")),
                    firing(case.id, team.supervisor.id, "close", comment="Không khả thi"))
    assert sorted(outcomes) == ["409 stale_version", "ok"]
    pending = db.session.scalars(sa.select(ApprovalRequest).where(
        ApprovalRequest.case_id == case.id, ApprovalRequest.status == "pending")).all()
    assert len(pending) == 1


def test_two_supervisors_decide_the_same_approval_at_once(app):
    team = make_team("LDLD-79")
    other = new_user("supervisor", "LDLD-79")
    case = walk_to(make_case(team.organiser), "dossier_submitted", team)
    _, approval = fire(case, team.organiser, "recognise")
    approval_id = approval.id

    def deciding(user_id, decision, comment):
        def contender(barrier):
            approval = db.session.get(ApprovalRequest, approval_id)
            user = db.session.get(User, user_id)
            approval.case.state  # noqa: B018
            barrier.wait()
            decide(approval, user, decision=decision, comment=comment)
        return contender

    outcomes = race(app, deciding(team.supervisor.id, "approve", "Đồng ý"),
                    deciding(other.id, "reject", "Thiếu chữ ký"))

    loser, winner = sorted(outcomes)
    assert winner == "ok"
    assert loser in ("409 already_decided", "409 stale_version")
    db.session.expire_all()
    approval = db.session.get(ApprovalRequest, approval_id)
    decisions = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.case_id == case.id, AuditEntry.action == "approval_decided")).all()
    assert len(decisions) == 1
    assert decisions[0].actor_id == approval.decided_by_id
    state = db.session.get(Case, case.id).state
    if approval.status == "approved":
        assert state == "recognised"
        assert [e.to_state for e in transitions_of(case.id)][-1] == "recognised"
    else:
        assert approval.status == "rejected" and state == "dossier_submitted"


def test_two_cases_for_one_enterprise_at_once(app):
    hcm, textile = new_user("organiser", "LDLD-79"), new_user("organiser", "CD-DETMAY")
    company = enterprise("Công ty TNHH May Việt Tiến")

    def creating(user_id, unit_code):
        def contender(barrier):
            user = db.session.get(User, user_id)
            user.unit.code  # noqa: B018
            barrier.wait()
            create_case(user, kind="grassroots", unit=unit_code, enterprises=[dict(company)])
        return contender

    outcomes = race(app, creating(hcm.id, "LDLD-79"), creating(textile.id, "CD-DETMAY"))

    loser, winner = sorted(outcomes)
    assert winner == "ok"
    assert loser in ("409 duplicate_case", "409 conflict")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEnterprise)
                             .where(CaseEnterprise.active)) == 1


def test_concurrent_steps_add_up(app):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)

    def logging(user_id, count):
        def contender(barrier):
            case_, user = db.session.get(Case, case.id), db.session.get(User, user_id)
            case_.applications_vietnamese  # noqa: B018
            barrier.wait()
            log_step(case_, user, kind="applications_collected", date_=TODAY,
                     applications_vietnamese=count)
        return contender

    outcomes = race(app, logging(team.organiser.id, 3), logging(team.supervisor.id, 4),
                    logging(team.organiser.id, 5))
    assert outcomes == ["ok", "ok", "ok"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).applications_vietnamese == 12


def test_concurrent_corrections_never_go_below_zero(app):
    team = make_team("LDLD-79")
    case = make_case(team.organiser)
    log_step(case, team.organiser, kind="applications_collected", date_=TODAY,
             applications_vietnamese=5)
    commit()

    def correcting(user_id):
        def contender(barrier):
            case_, user = db.session.get(Case, case.id), db.session.get(User, user_id)
            case_.applications_vietnamese  # noqa: B018
            barrier.wait()
            log_step(case_, user, kind="other", date_=TODAY, applications_vietnamese=-4)
        return contender

    outcomes = race(app, correcting(team.organiser.id), correcting(team.supervisor.id))
    assert sorted(outcomes) == ["422 invalid", "ok"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).applications_vietnamese == 1
