"""The approvals inbox: requesting, approving and rejecting through the HTML forms."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from casework.extensions import db
from casework.models import ApprovalRequest
from casework.services.transitions import request_transition
from casework.transaction import commit
from tests.helpers import PASSWORD, new_user
from tests.browser import browser, make_case, text  # noqa: F401


@pytest.fixture
def team():
    return {"org": new_user("organiser", "LDLD-79", name="Organiser Lan", password=PASSWORD),
            "sup": new_user("supervisor", "LDLD-79", name="Supervisor Hùng", password=PASSWORD),
            "sup2": new_user("supervisor", "LDLD-79", name="Supervisor Two", password=PASSWORD),
            "far": new_user("supervisor", "LDLD-01", name="Supervisor Hà Nội", password=PASSWORD),
            "vgcl_leader": new_user("leader", "VGCL", name="Leader VGCL", password=PASSWORD)}


def _request_close(case, actor, comment="Không khả thi"):
    outcome, approval = request_transition(case, actor, trigger="close", version=case.version,
                                           comment=comment)
    commit()
    assert outcome == "approval"
    return approval


def _decide(client, approval_id, **fields):
    prefix = f"a{approval_id}-"
    data = {prefix + k: v for k, v in fields.items()}
    return client.submit("/approvals", data, post_url=f"/approvals/{approval_id}/decision")


def test_request_through_the_form_then_supervisor_approves(browser, team, make_case):
    case = make_case(team["org"], 1)
    org = browser(team["org"])
    response = org.submit(f"/cases/{case.id}/transitions/close",
                          {"comment": "Doanh nghiệp giải thể"})
    assert response.status_code == 302
    approval = db.session.scalar(sa.select(ApprovalRequest))

    mine = text(org.get("/approvals"))
    assert "My pending requests" in mine and case.ref in mine
    assert f"/approvals/{approval.id}/decision" not in mine

    sup = browser(team["sup"])
    inbox = text(sup.get("/approvals"))
    assert case.ref in inbox and "Close as not feasible" in inbox
    assert "Organiser Lan" in inbox and "Doanh nghiệp giải thể" in inbox
    response = _decide(sup, approval.id, comment="", approve="Approve")
    assert response.status_code == 302
    db.session.refresh(case)
    db.session.refresh(approval)
    assert approval.status == "approved" and case.state == "closed"
    assert "Nothing is waiting for your decision." in text(sup.get("/approvals"))


def test_reject_needs_a_comment(browser, team, make_case):
    case = make_case(team["org"], 1)
    approval = _request_close(case, team["org"])
    sup = browser(team["sup"])
    response = _decide(sup, approval.id, comment="", reject="Reject")
    assert response.status_code == 422
    assert "A comment is required to reject." in text(response)
    db.session.refresh(approval)
    assert approval.status == "pending"

    response = _decide(sup, approval.id, comment="Cần thêm thời gian vận động", reject="Reject")
    assert response.status_code == 302
    db.session.refresh(approval)
    db.session.refresh(case)
    assert approval.status == "rejected" and case.state == "identified"
    page = text(sup.get(f"/cases/{case.id}"))
    assert "Cần thêm thời gian vận động" in page and "rejected" in page


def test_own_request_is_not_decidable(browser, team, make_case):
    case = make_case(team["sup"], 1)
    approval = _request_close(case, team["sup"])
    sup = browser(team["sup"])
    inbox = text(sup.get("/approvals"))
    assert f"/approvals/{approval.id}/decision" not in inbox
    assert case.ref in inbox  # listed among the user's own requests
    case_page = text(sup.get(f"/cases/{case.id}"))
    assert f"/approvals/{approval.id}/decision" not in case_page
    # posting anyway is refused with the reason
    token = sup.token("/approvals")
    response = sup.post(f"/approvals/{approval.id}/decision",
                        data={"csrf_token": token, f"a{approval.id}-approve": "Approve"})
    assert response.status_code == 403
    assert "You cannot decide your own request." in text(response)
    db.session.refresh(approval)
    assert approval.status == "pending"
    # another supervisor can
    assert f"/approvals/{approval.id}/decision" in text(browser(team["sup2"]).get("/approvals"))


def test_supervisor_decides_from_the_case_page(browser, team, make_case):
    case = make_case(team["org"], 1)
    approval = _request_close(case, team["org"])
    sup = browser(team["sup"])
    response = sup.submit(f"/cases/{case.id}", {f"a{approval.id}-approve": "Approve"},
                          post_url=f"/approvals/{approval.id}/decision")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    db.session.refresh(case)
    assert case.state == "closed"


def test_a_pending_request_is_shown_instead_of_its_button(browser, team, make_case):
    case = make_case(team["org"], 1)
    org = browser(team["org"])
    assert f"/cases/{case.id}/transitions/close" in text(org.get(f"/cases/{case.id}"))
    _request_close(case, team["org"])
    page = text(org.get(f"/cases/{case.id}"))
    assert f"/cases/{case.id}/transitions/close" not in page
    assert f"/cases/{case.id}/transitions/start_outreach" in page   # no approval needed
    assert "Waiting for approval:" in page
    assert "needs approval can be requested once this request is decided" in page
    form = org.get(f"/cases/{case.id}/transitions/close")
    assert form.status_code == 403
    assert "An approval is already pending on this case" in text(form)


def test_out_of_scope_supervisor_sees_nothing(browser, team, make_case):
    case = make_case(team["org"], 1)
    approval = _request_close(case, team["org"])
    far = browser(team["far"])
    assert case.ref not in text(far.get("/approvals"))
    token = far.token("/approvals")
    response = far.post(f"/approvals/{approval.id}/decision",
                        data={"csrf_token": token, f"a{approval.id}-approve": "Approve"})
    assert response.status_code == 404


def test_vgcl_leader_decides_conglomerate_schemes(browser, team, make_case):
    from casework.services.steps import log_step
    case = make_case(team["org"], 1, kind="conglomerate_pilot")
    request_transition(case, team["org"], trigger="start_survey", version=case.version)
    log_step(case, team["org"], kind="survey_report", date_=date(2025, 1, 5))
    commit()
    request_transition(case, team["org"], trigger="draft_scheme", version=case.version)
    commit()
    org = browser(team["org"])
    response = org.submit(f"/cases/{case.id}/transitions/approve_scheme", {})
    assert response.status_code == 302
    approval = db.session.scalar(sa.select(ApprovalRequest))
    assert f"/approvals/{approval.id}/decision" not in text(browser(team["sup"]).get("/approvals"))
    leader = browser(team["vgcl_leader"])
    inbox = text(leader.get("/approvals"))
    assert re.search(rf"/approvals/{approval.id}/decision", inbox)
    assert _decide(leader, approval.id, approve="Approve").status_code == 302
    db.session.refresh(case)
    assert case.state == "scheme_approved"


def test_request_approval_button_label(browser, team, make_case):
    case = make_case(team["org"], 1)
    page = text(browser(team["org"]).get(f"/cases/{case.id}/transitions/close"))
    assert "Request approval: Close as not feasible" in page
