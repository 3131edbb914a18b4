"""Who decides an approval is declared once, on the trigger (`workflow.definition.Approver`): the
permission (authz), the people told (notifications), the inbox and its count, the case page, the
trigger's page, the workflow page and the API's workflow document all follow that declaration.
Shown for the two approvers the flows name, and for one this test declares."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from casework import authz
from casework.extensions import db
from casework.models import ApprovalRequest, Notification
from casework.workflow.definition import (CASE_SCOPE, CONGLOMERATE, GRASSROOTS, SUPERVISOR,
                                          VGCL_LEADER, Approver)
from tests.browser import browser, text  # noqa: F401
from tests.helpers import PASSWORD, Team, bearer, fire, make_case, new_user, walk_to

# an approver the flows do not name: the leaders of the case's own federation (or above)
PROVINCIAL_LEADER = Approver(
    "provincial_leader", role="leader", level=CASE_SCOPE, label="leader of the federation",
    badge="approved by a leader of the federation",
    must_approve="A leader of the federation must approve it first.",
    enters_decision="The leader of the federation who approves it enters the decision.",
    will_decide="Approval requested: %(action)s. A leader of the federation will decide it.",
    only_they_decide="Only a leader of the federation decides this.")

PEOPLE = {  # name: (role, unit)
    "organiser": ("organiser", "LDLD-79"),
    "supervisor": ("supervisor", "LDLD-79"),
    "supervisor_hanoi": ("supervisor", "LDLD-01"),
    "supervisor_vgcl": ("supervisor", "VGCL"),
    "leader": ("leader", "LDLD-79"),
    "leader_hanoi": ("leader", "LDLD-01"),
    "leader_vgcl": ("leader", "VGCL"),
    "admin": ("admin", "VGCL"),
}


@contextmanager
def approved_by(trigger, approver: Approver | None):
    """`trigger` needing `approver` (None: as declared), as if the table said so. The
    definition is frozen: the test changes its one declaration in place, and puts it back."""
    declared = trigger.approval
    object.__setattr__(trigger, "approval", approver or declared)
    try:
        yield trigger.approval
    finally:
        object.__setattr__(trigger, "approval", declared)


@pytest.fixture
def people():
    return {name: new_user(role, unit, name=name.replace("_", " ").title(), password=PASSWORD)
            for name, (role, unit) in PEOPLE.items()}


@pytest.mark.parametrize("flow, trigger, state, declared, deciders", [
    (GRASSROOTS, "recognise", "dossier_submitted", None, {"supervisor", "supervisor_vgcl"}),
    (CONGLOMERATE, "approve_scheme", "scheme_drafted", None, {"leader_vgcl"}),
    (GRASSROOTS, "recognise", "dossier_submitted", PROVINCIAL_LEADER, {"leader", "leader_vgcl"}),
], ids=["supervisor", "vgcl-leader", "declared-here"])
def test_one_declaration_decides_who_decides_everywhere(client, browser, people, flow, trigger,
                                                        state, declared, deciders):
    spec = flow.trigger(trigger)
    with approved_by(spec, declared) as approver:
        assert approver is (declared or {"recognise": SUPERVISOR,
                                         "approve_scheme": VGCL_LEADER}[trigger])
        organiser = people["organiser"]
        case = make_case(organiser, flow.kinds[0])
        walk_to(case, state, Team(organiser, people["supervisor"], people["leader_vgcl"]))

        # the pages name the approver as declared: the workflow, the trigger's own page
        org = browser(organiser)
        assert approver.badge in text(org.get("/workflow"))
        page = text(org.get(f"/cases/{case.id}/transitions/{trigger}"))
        assert approver.must_approve in page
        assert (approver.enters_decision in page) == bool(spec.decision_fields)
        described = client.get("/api/v1/workflow", headers=bearer(organiser)).get_json()
        row = next(t for t in described["kinds"][flow.kinds[0]]["triggers"]
                   if t["name"] == trigger)
        assert row["approved_by"] == approver.label

        # the request, through the form; where it goes is said as declared
        assert org.submit(f"/cases/{case.id}/transitions/{trigger}", {}).status_code == 302
        approval = db.session.scalar(sa.select(ApprovalRequest))
        assert approver.will_decide % {"action": spec.label} in text(org.get(f"/cases/{case.id}"))

        # authz: exactly the declared deciders may decide; the others are told who may
        may = {name for name, user in people.items()
               if authz.can(user, "approval.decide", approval)}
        assert may == deciders
        for name in {"organiser", "admin"} | ({"supervisor"} if declared else set()):
            assert authz.why_not(people[name], "approval.decide", approval) == \
                approver.only_they_decide

        # notifications: they, and only they, are told
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.kind == "approval_requested", Notification.approval_id == approval.id)))
        assert told == {people[name].id for name in deciders}

        # the inbox, its count in the navigation, and the case page's decision form
        decision = f'action="/approvals/{approval.id}/decision"'
        for name, user in people.items():
            seen = browser(user)
            inbox = text(seen.get("/approvals"))
            assert (decision in inbox) == (name in deciders), name
            assert ('1<span class="visually-hidden"> waiting' in inbox) == (name in deciders)
            assert (decision in text(seen.get(f"/cases/{case.id}"))) == (name in deciders), name


def test_the_query_and_the_rule_agree_for_every_request_and_person(people):
    """authz.approval_filter (the inbox) and authz.deciders_query (the notifications) are one
    query read two ways; both give what authz.why_not_decide says, request by request."""
    organiser, supervisor = people["organiser"], people["supervisor"]
    team = Team(organiser, supervisor, people["leader_vgcl"])
    requests = []
    for kind, state, trigger, who in (("grassroots", "dossier_submitted", "recognise", organiser),
                                      ("grassroots", "outreach", "close", supervisor),
                                      ("conglomerate_pilot", "scheme_drafted", "approve_scheme",
                                       organiser),
                                      ("grassroots", "eligible", "appoint_provisional",
                                       organiser)):
        case = walk_to(make_case(organiser, kind), state, team)
        outcome, approval = fire(case, who, trigger)
        assert outcome == "approval"
        requests.append(approval)
    for approval in requests:
        by_rule = {u.id for u in people.values() if authz.can(u, "approval.decide", approval)}
        assert by_rule, approval.trigger      # someone may decide each
        told = {u.id for u in db.session.scalars(authz.deciders_query(approval)).unique()}
        assert told == by_rule, approval.trigger
        for user in people.values():
            listed = db.session.scalar(sa.select(sa.func.count(ApprovalRequest.id)).where(
                ApprovalRequest.id == approval.id, authz.approval_filter(user)))
            assert listed == (user.id in by_rule), (approval.trigger, user.email)
