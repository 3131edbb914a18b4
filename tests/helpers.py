"""Builders shared by the test modules: people, cases, the data each trigger takes, walking a case.

Everything here goes through the real services (the same ones the API and the views call) and
commits, so a test starts from a case in the state it needs and exercises one thing. These are
the suite's only builders (conftest.py holds the app, clients, database and clock fixtures);
import them as `from tests.helpers import new_user, make_case, ...`.
"""
from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import ApprovalRequest, AuditEntry, Case, User
from casework.services.approvals import decide
from casework.services.cases import create_case
from casework.services.enterprises import tax_code_with_check_digit
from casework.services.steps import log_step
from casework.services.transitions import request_transition
from casework.services.users import clean_email, issue_token, set_password, update_user
from casework.transaction import commit
from casework.workflow.definition import DOCUMENTS, Flow, flow_for

TODAY = clock.today()

# ---------------------------------------------------------------------------------------------
# people

_people = itertools.count(1)


# the password of the users who sign in through the login form: new_user(..., password=PASSWORD)
PASSWORD = "correct-horse-1"


def new_user(role: str, unit: str = "LDLD-79", *, name: str | None = None,
             email: str | None = None, password: str | None = None) -> User:
    """A committed user; without a password unless given one (API tests use tokens, and
    hashing a password, scrypt, is slow: give one only to users who sign in with it)."""
    n = next(_people)
    user = User(email=clean_email(email or f"{role}{n}.{unit.lower()}@test.vn"))
    update_user(user, name=name or f"{role.title()} {n}", role=role, unit_code=unit, active=True)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.commit()
    return user


def bearer(user: User) -> dict:
    token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Team:
    """The people of one unit who move a case along, plus the VGCL leader who approves schemes."""
    organiser: User
    supervisor: User
    vgcl_leader: User

    def approver_for(self, trigger: str) -> User:
        return self.vgcl_leader if trigger == "approve_scheme" else self.supervisor


def make_team(unit: str = "LDLD-79") -> Team:
    return Team(organiser=new_user("organiser", unit), supervisor=new_user("supervisor", unit),
                vgcl_leader=new_user("leader", "VGCL"))


# ---------------------------------------------------------------------------------------------
# enterprises and cases

_tax_bodies = itertools.count(100_000_001)


def tax_code() -> str:
    """A fresh valid 10-digit tax code (the 10th digit is the check digit)."""
    while True:
        code = tax_code_with_check_digit(f"{next(_tax_bodies):09d}")
        if code:
            return code


# real tax codes, for forms that are typed in: enterprises-0-tax_code=VALID_TAX_CODES[0]
VALID_TAX_CODES = ("0100109106", "0300588569", "0101248141", "0302035520", "0309532497",
                   "0100686174", "0301442361", "0100101611", "0303217354", "0102100740")


def enterprise(name: str = "Công ty TNHH May Hưng Thịnh", *, province: str = "79",
               workforce: int = 120, code: str | None = None, **extra) -> dict:
    return {"name": name, "tax_code": code or tax_code(), "province": province,
            "workforce": workforce, "ownership": "private", "sector": "textile_garment", **extra}


def make_case(actor: User, kind: str = "grassroots", *, unit: str | None = None,
              enterprises: list[dict] | None = None, organiser: str | None = None,
              target_members: int | None = None) -> Case:
    if enterprises is None:
        # a conglomerate's workforce holds the members its subsidiaries' unions transfer
        enterprises = ([enterprise(workforce=12), enterprise(workforce=20)]
                       if kind == "small_units" else
                       [enterprise(workforce=5000)] if kind == "conglomerate_pilot"
                       else [enterprise()])
    if target_members is None:  # 50, or the whole workforce when it is smaller
        target_members = min(50, sum(e.get("workforce") or 0 for e in enterprises))
    case = create_case(actor, kind=kind, unit=unit or actor.unit.code, enterprises=enterprises,
                       organiser=organiser, target_members=target_members)
    commit()
    return case


# ---------------------------------------------------------------------------------------------
# the data each trigger takes, and what its guards need logged first

COMMENT = "Doanh nghiệp tạm ngừng sản xuất"


def trigger_data(trigger: str, today: date | None = None) -> dict:
    """Valid data for `trigger` (an empty dict for triggers that take none), dated by the clock
    (which a test may move with clock.travel_to)."""
    today = today or clock.today()
    committee = ["Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai"]
    # no decision_number: the unit's register gives the next one (services.decision_numbers)
    decision = {"decision_date": today.isoformat(), "signer": "Vũ Đức Anh"}
    return {
        "form_committee": {"committee_head": "Nguyễn Thị Lan"},
        # today: a congress cannot be held before its date, nor recorded before it is held
        "schedule_congress": {"congress_date": today.isoformat()},
        "hold_congress": {"held_on": today.isoformat(), "attendance": 12,
                          "chair": "Trần Văn Hùng", "committee_members": committee},
        "submit_dossier": {"documents": list(DOCUMENTS)},
        "recognise": decision,
        "appoint_provisional": {**decision, "committee_members": committee},
        "announce": {"announced_on": today.isoformat(), "founding_members": 12},
        "establish": {**decision, "committee_members": committee},
        "complete_transfer": {"member_unions": 6, "founding_members": 850},
    }.get(trigger, {})


def comment_for(trigger: str) -> str:
    return COMMENT if flow_trigger_needs_comment(trigger) else ""


def flow_trigger_needs_comment(trigger: str) -> bool:
    from casework.workflow.definition import FLOWS
    return any(t.comment_required for flow in FLOWS for t in flow.triggers if t.name == trigger)


def log(case: Case, actor: User, kind: str = "contact_employer", *, vietnamese: int = 0,
        foreign: int = 0, day: date | None = None, note: str = "Gặp gỡ người lao động"):
    step = log_step(case, actor, kind=kind, date_=day or clock.today(), note=note,
                    applications_vietnamese=vietnamese, applications_foreign=foreign)
    commit()
    return step


def prepare(case: Case, actor: User, trigger: str) -> None:
    """Log what the guards of `trigger` need (an outreach step, 5 applications, a survey)."""
    if trigger == "form_committee":
        log(case, actor, "contact_employer")
    elif trigger in ("confirm_eligibility",):
        missing = 5 - case.applications_vietnamese
        if missing > 0:
            log(case, actor, "applications_collected", vietnamese=missing)
    elif trigger == "draft_scheme":
        log(case, actor, "survey_report", note="Báo cáo khảo sát")


def fire(case: Case, actor: User, trigger: str, data: dict | None = None,
         comment: str | None = None):
    """Fire through the service and commit; returns ("moved", case) or ("approval", request)."""
    outcome, result = request_transition(
        case, actor, trigger=trigger, version=case.version,
        data=trigger_data(trigger) if data is None else data,
        comment=comment_for(trigger) if comment is None else comment)
    commit()
    return outcome, result


def approve(approval: ApprovalRequest, approver: User, comment: str = "Đồng ý"):
    decide(approval, approver, decision="approve", comment=comment)
    commit()
    return approval


def advance(case: Case, team: Team, trigger: str) -> None:
    """Fire `trigger` as the organiser with everything it needs, approving it if it must be."""
    prepare(case, team.organiser, trigger)
    outcome, result = fire(case, team.organiser, trigger)
    if outcome == "approval":
        approve(result, team.approver_for(trigger))
    db.session.refresh(case)


# ---------------------------------------------------------------------------------------------
# walking a case to a state

def path_to(flow: Flow, start: str, goal: str) -> list[str]:
    """The shortest list of triggers from `start` to `goal`, from the transition table.

    `resume` (back to the state left) is not used; the main line is preferred over side routes
    because triggers are tried in table order.
    """
    queue, seen = deque([(start, [])]), {start}
    while queue:
        state, path = queue.popleft()
        if state == goal:
            return path
        for trigger in flow.triggers:
            if state in trigger.sources and trigger.dest and trigger.dest not in seen:
                seen.add(trigger.dest)
                queue.append((trigger.dest, path + [trigger.name]))
    raise ValueError(f"{goal} cannot be reached from {start} in {flow.name}")


MAIN_LINE = {
    "grassroots": ("start_outreach", "form_committee", "confirm_eligibility",
                   "schedule_congress", "hold_congress", "submit_dossier", "recognise",
                   "announce"),
    "conglomerate_pilot": ("start_survey", "draft_scheme", "approve_scheme", "establish",
                           "complete_transfer"),
}


def main_line(kind: str) -> tuple[str, ...]:
    return MAIN_LINE[flow_for(kind).name]


def walk_to(case: Case, state: str, team: Team) -> Case:
    """Move `case` to `state` along the main line (or the side route to on_hold / closed)."""
    flow = flow_for(case.kind)
    line = main_line(case.kind)
    states_on_line = [flow.initial] + [flow.trigger(t).dest for t in line]
    if state in states_on_line and case.state in states_on_line \
            and states_on_line.index(state) >= states_on_line.index(case.state):
        path = list(line[states_on_line.index(case.state):states_on_line.index(state)])
    else:
        path = path_to(flow, case.state, state)
    for trigger in path:
        advance(case, team, trigger)
    assert case.state == state
    return case


def count_rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def history(case: Case, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


# ---------------------------------------------------------------------------------------------
# the JSON API

class Api:
    """A test client speaking to /api/v1 as one user."""

    def __init__(self, client, user: User):
        self.client, self.user, self.headers = client, user, bearer(user)

    def get(self, path: str, **params):
        return self.client.get("/api/v1" + path, headers=self.headers, query_string=params)

    def post(self, path: str, body=None):
        return self.client.post("/api/v1" + path, headers=self.headers, json=body)

    def case(self, case_id: int) -> dict:
        response = self.get(f"/cases/{case_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def fire(self, case_id: int, trigger: str, data: dict | None = None,
             comment: str | None = None, version: int | None = None):
        if version is None:
            version = self.case(case_id)["version"]
        return self.post(f"/cases/{case_id}/transitions", {
            "trigger": trigger, "version": version,
            "data": trigger_data(trigger) if data is None else data,
            "comment": comment_for(trigger) if comment is None else comment})


def error_of(response) -> dict:
    """The {"code", "message"} of an error response, checking its shape."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return body["error"]
