"""Demo data: users of every role and a few hundred cases walked through the real services."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import Case, User
from casework.services.approvals import decide
from casework.services.cases import create_case
from casework.services.enterprises import tax_code_with_check_digit
from casework.services.reference import seed_reference
from casework.services.steps import log_step
from casework.services.transitions import request_transition
from casework.services.users import create_user
from casework.workflow.definition import DOCUMENTS

DEMO_PASSWORD = "demo-pass-2026"
DEMO_PROVINCES = ("79", "01", "75", "24", "31", "48", "38", "40", "92", "19")
NAMES = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai",
         "Vũ Đức Anh", "Đặng Thu Trang", "Bùi Quốc Bảo", "Đỗ Thị Hạnh", "Ngô Văn Nam")
COMPANY_WORDS = ("May mặc", "Giày da", "Điện tử", "Thực phẩm", "Xây dựng", "Logistics",
                 "Cơ khí", "Nhựa", "Gỗ", "Dệt")
COMPANY_SUFFIX = ("Hưng Thịnh", "Phú Mỹ", "Sài Gòn", "Thăng Long", "Việt Tiến", "Minh Long",
                  "Đông Á", "Hòa Bình", "An Phát", "Trường Sơn", "Bình Minh", "Sao Mai")
SECTOR_OF = {"May mặc": "textile_garment", "Dệt": "textile_garment", "Giày da": "footwear",
             "Điện tử": "electronics", "Thực phẩm": "food_processing",
             "Xây dựng": "construction", "Logistics": "logistics"}
GRASSROOTS_PATH = ("start_outreach", "form_committee", "confirm_eligibility",
                   "schedule_congress", "hold_congress", "submit_dossier", "recognise",
                   "announce")
PILOT_PATH = ("start_survey", "draft_scheme", "approve_scheme", "establish", "complete_transfer")


def _tax_code(rng: random.Random) -> str:
    while True:
        code = tax_code_with_check_digit(f"{rng.randrange(10**8, 10**9):09d}")
        if code:
            return code


def _demo_users() -> tuple[list[tuple[str, str, str]], dict]:
    logins, people = [], {}

    def add(email, name, role, unit):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = create_user(email=email, name=name, role=role, unit_code=unit,
                               password=DEMO_PASSWORD)
        logins.append((email, role, unit))
        people[email] = user

    add("admin@demo.vn", "Quản trị viên", "admin", "VGCL")
    add("leader@demo.vn", "Nguyễn Văn Lãnh Đạo", "leader", "VGCL")
    for code in DEMO_PROVINCES[:4]:
        add(f"organiser{code}@demo.vn", f"Cán bộ tổ chức {code}", "organiser", f"LDLD-{code}")
        add(f"supervisor{code}@demo.vn", f"Trưởng ban {code}", "supervisor", f"LDLD-{code}")
    add("leader79@demo.vn", "Chủ tịch LĐLĐ Hồ Chí Minh", "leader", "LDLD-79")
    add("organiser.detmay@demo.vn", "Cán bộ Công đoàn Dệt May", "organiser", "CD-DETMAY")
    add("supervisor.detmay@demo.vn", "Trưởng ban Công đoàn Dệt May", "supervisor", "CD-DETMAY")
    return logins, people


def _workforce(case: Case) -> int:
    return sum(e.workforce for e in case.enterprises)


def _data_for(trigger: str, rng: random.Random, today: date, workforce: int) -> dict:
    """Believable data; counts of people within the enterprises' workforce."""
    members = [rng.choice(NAMES) for _ in range(rng.randint(3, 7))]
    return {
        "form_committee": {"committee_head": rng.choice(NAMES)},
        "schedule_congress": {"congress_date": (today + timedelta(days=rng.randint(3, 14)))
                              .isoformat()},
        "hold_congress": {"held_on": today.isoformat(),
                          "attendance": min(rng.randint(8, 60), workforce),
                          "chair": rng.choice(NAMES), "committee_members": members},
        "submit_dossier": {"documents": list(DOCUMENTS)},
        # the decision numbers come from the deciding unit's register
        "recognise": {"decision_date": today.isoformat(), "signer": rng.choice(NAMES)},
        "announce": {"announced_on": today.isoformat(),
                     "founding_members": min(rng.randint(10, 80), workforce)},
        "establish": {"decision_date": today.isoformat(), "signer": rng.choice(NAMES),
                      "committee_members": members},
        "complete_transfer": {"member_unions": rng.randint(3, 20),
                              "founding_members": min(rng.randint(500, 5000), workforce)},
    }.get(trigger, {})


def _fire(case: Case, actor: User, trigger: str, data: dict | None = None, comment: str = ""):
    return request_transition(case, actor, trigger=trigger, version=case.version,
                              data=data or {}, comment=comment)


class _Timeline:
    """Moves one case forward through simulated days, never past the real present, so the
    history, deadlines and time-in-state figures look like months of real work."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime):
        self.rng, self.moment, self.end = rng, start, end

    def next(self, low: int = 2, high: int = 25):
        step = timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 600))
        self.moment = min(self.moment + step, self.end)
        return clock.travel_to(self.moment)

    def reach(self, day: date) -> bool:
        """Wait until `day` (a congress is recorded held on or after its date); False when that
        is beyond the present."""
        moment = datetime.combine(day, time(8), tzinfo=clock.VIETNAM)
        if moment > self.end:
            return False
        self.moment = max(self.moment, moment)
        return True


def _walk(case: Case, organiser: User, approver: User, leader: User, steps: int,
          rng: random.Random, timeline: _Timeline, stop_pending: bool) -> None:
    pilot = case.kind == "conglomerate_pilot"
    path = PILOT_PATH if pilot else GRASSROOTS_PATH
    for trigger in path[:steps]:
        with timeline.next():
            if trigger == "form_committee":
                log_step(case, organiser, kind=rng.choice(("contact_employer", "worker_meeting")),
                         date_=clock.today(), note="Gặp gỡ người lao động ca chiều")
            if trigger == "confirm_eligibility":
                log_step(case, organiser, kind="applications_collected", date_=clock.today(),
                         applications_vietnamese=rng.randint(6, 40),
                         applications_foreign=rng.randint(0, 3), note="Thu đơn gia nhập")
            if trigger == "draft_scheme":
                log_step(case, organiser, kind="survey_report", date_=clock.today(),
                         note="Báo cáo khảo sát các công ty con")
        planned = None
        if trigger == "hold_congress":  # held on the day it was scheduled (DATE_RULES)
            planned = date.fromisoformat(case.details["schedule_congress"]["congress_date"])
            if not timeline.reach(planned):
                return                     # the congress is still to come
        with timeline.next(0, 0) if planned else timeline.next():
            data = _data_for(trigger, rng, clock.today(), _workforce(case))
            if planned:
                data["held_on"] = planned.isoformat()
            if trigger == "schedule_congress":  # not beyond the present the timeline ends at
                last = timeline.end.astimezone(clock.VIETNAM).date()
                data["congress_date"] = min(date.fromisoformat(data["congress_date"]),
                                            max(last, clock.today())).isoformat()
            decision = {}
            if trigger == "recognise":    # the supervisor enters the decision when approving
                decision, data = data, {}
            outcome, result = _fire(case, organiser, trigger, data)
        if outcome == "approval":
            if stop_pending and trigger == path[steps - 1]:
                return
            with timeline.next(1, 10):
                if decision:
                    decision["decision_date"] = clock.today().isoformat()
                decide(result, leader if trigger == "approve_scheme" else approver,
                       decision="approve", comment="Đồng ý", data=decision or None)


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo accounts present in the database (none on a real installation)."""
    users = db.session.scalars(sa.select(User).where(User.email.like("%@demo.vn")).order_by(User.id))
    return [(u.email, u.role, u.unit.code) for u in users]


def _has_pending(case: Case) -> bool:
    from casework.models import ApprovalRequest
    return bool(db.session.scalar(sa.select(ApprovalRequest.id).where(
        ApprovalRequest.case_id == case.id, ApprovalRequest.status == "pending")))


def seed_demo(cases: int = 300, seed: int = 2026) -> list[tuple[str, str, str]]:
    seed_reference()
    logins, people = _demo_users()
    rng = random.Random(seed)
    real_now = clock.now()
    today = clock.today()
    leader = people["leader@demo.vn"]
    teams = [(f"LDLD-{code}", people[f"organiser{code}@demo.vn"],
              people[f"supervisor{code}@demo.vn"]) for code in DEMO_PROVINCES[:4]]
    teams.append(("CD-DETMAY", people["organiser.detmay@demo.vn"],
                  people["supervisor.detmay@demo.vn"]))
    for n in range(cases):
        unit, organiser, supervisor = teams[n % len(teams)]
        province = unit[-2:] if unit.startswith("LDLD") else rng.choice(DEMO_PROVINCES)
        kind = rng.choices(("grassroots", "small_units", "conglomerate_pilot"), (85, 12, 3))[0]
        count = rng.randint(2, 4) if kind == "small_units" else 1
        enterprises = []
        for _ in range(count):
            word = rng.choice(COMPANY_WORDS)
            enterprises.append({
                "name": f"Công ty TNHH {word} {rng.choice(COMPANY_SUFFIX)} {rng.randint(1, 99)}",
                "tax_code": _tax_code(rng), "province": province,
                "workforce": rng.randint(5, 24) if kind == "small_units" else rng.randint(30, 3000),
                "ownership": rng.choice(("private", "fdi", "private", "state")),
                "sector": SECTOR_OF.get(word, "other")})
        timeline = _Timeline(rng, real_now - timedelta(days=rng.randint(20, 400)),
                             real_now - timedelta(minutes=5))
        with timeline.next(0, 0):
            case = create_case(organiser, kind=kind, unit=unit, enterprises=enterprises,
                               target_members=sum(e["workforce"] for e in enterprises) // 2)
        length = 5 if kind == "conglomerate_pilot" else 8
        steps = rng.choices(range(length + 1), weights=[3, 4, 4, 3, 3, 2, 2, 2, 2][:length + 1])[0]
        _walk(case, organiser, supervisor, leader, steps, rng, timeline,
              stop_pending=rng.random() < 0.5)
        roll = rng.random()
        if _has_pending(case):
            continue
        with timeline.next():
            if case.is_active and roll < 0.05:
                _fire(case, organiser, "put_on_hold", comment="Doanh nghiệp tạm ngừng sản xuất")
            elif case.is_active and roll < 0.08 and case.state != "on_hold":
                outcome, approval = _fire(case, organiser, "close", comment="Chủ doanh nghiệp "
                                          "không hợp tác, lao động nghỉ việc")
                if outcome == "approval" and rng.random() < 0.7:
                    decide(approval, supervisor, decision="approve", comment="Đồng ý dừng")
    _seed_leadership(people, rng, today)
    db.session.flush()
    return logins


def _seed_leadership(people: dict, rng: random.Random, today: date) -> None:
    """Province targets, the VGCL leader's provinces and a few visits with follow-ups."""
    from casework.services.targets import set_target
    from casework.services.visit_coverage import assign_province
    from casework.services.visits import add_follow_up, create_visit, update_visit
    admin, leader = people["admin@demo.vn"], people["leader@demo.vn"]
    for code in DEMO_PROVINCES[:4]:
        set_target(admin, unit=f"LDLD-{code}", year=today.year,
                   new_members=rng.choice((800, 1200, 2000)), new_unions=rng.choice((20, 30, 40)))
    set_target(admin, unit="CD-DETMAY", year=today.year, new_members=1500, new_unions=25)
    for code in DEMO_PROVINCES:
        assign_province(admin, leader=leader.email, province=code)
    for n, code in enumerate(DEMO_PROVINCES[:6]):
        when = today + timedelta(days=(-60 + 20 * n))
        # planned three weeks ahead: a visit is not planned for a day already past
        planned_on = datetime.combine(min(when, today) - timedelta(days=21), time(9),
                                      tzinfo=clock.VIETNAM)
        with clock.travel_to(planned_on):
            visit = create_visit(leader, province=code, host_unit=f"LDLD-{code}",
                                 planned_date=when,
                                 purpose="Làm việc với Ban Thường vụ Tỉnh ủy về kế hoạch phát "
                                         "triển đoàn viên và thành lập công đoàn cơ sở")
        if when <= today:
            update_visit(visit, leader, {"status": "done", "outcome":
                         "Tỉnh ủy thống nhất chỉ đạo các sở, ngành phối hợp thành lập CĐCS "
                         "tại các doanh nghiệp FDI chưa có tổ chức công đoàn."},
                         version=visit.version)
            add_follow_up(visit, leader, action="Rà soát danh sách doanh nghiệp chưa có CĐCS",
                          owner=f"supervisor{code}@demo.vn" if code in DEMO_PROVINCES[:4]
                          else "Ban Tổ chức LĐLĐ tỉnh",
                          due_date=today + timedelta(days=rng.choice((-10, 15))),
                          version=visit.version)
