"""A national-scale data set (34 provinces, ~300 units, 2,000 users, 200,000 cases, 2,000,000
steps, ~600,000 audit rows) for benchmarks: written with set-based Core INSERTs in batches, each
batch committed, ids reserved up front. Never ORM objects per row.

The history is consistent with the workflow: a `created` row, then one `transition` per state
change along the flow's main line (plus a final put_on_hold or close for side states), with
increasing times; `version` = 1 + transitions, `state_changed_at` = the last transition, the
application counts = the sum of the steps'. `scale_factor` shrinks everything (tests use 0.001).
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from casework import clock
from casework.extensions import db
from casework.models import (
    AuditEntry,
    Case,
    CaseEnterprise,
    Enterprise,
    OrgUnit,
    Province,
    Step,
    User,
)
from casework.models.user import hash_password
from casework.services import tallies
from casework.seed.demo import (
    COMPANY_SUFFIX,
    COMPANY_WORDS,
    DEMO_PASSWORD,
    GRASSROOTS_PATH,
    NAMES,
    PILOT_PATH,
    SECTOR_OF,
)
from casework.services.enterprises import tax_code_with_check_digit
from casework.services.imports import allocate_ids
from casework.seed.membership import seed_membership
from casework.services.reference import seed_reference
from casework.text import search_key
from casework.workflow.definition import DOCUMENTS, flow_for

CASES = 200_000
UNITS = 263            # commune / industrial-park unions under the 34 federations (+37 seeded)
USERS = 2_000
BATCH = 10_000         # rows per INSERT statement
CHUNK = 2_000          # cases generated and committed together (~10,000 steps)
EMAIL_DOMAIN = "national.demo.vn"

# provincial workforce weights (industrial employment): the big industrial provinces first
PROVINCE_WEIGHTS = {"79": 30, "01": 18, "75": 12, "24": 9, "31": 8, "80": 6, "33": 5, "19": 4,
                    "22": 4, "48": 4, "38": 4, "40": 3, "25": 3, "37": 3, "92": 3, "56": 2,
                    "68": 2, "86": 2, "91": 2, "82": 2, "51": 2, "52": 2, "66": 2, "46": 2,
                    "42": 1.5, "44": 1.5, "96": 1.5, "15": 1, "08": 1, "20": 1, "14": 1,
                    "04": 0.6, "11": 0.6, "12": 0.5}
# how far along the main line (index of the state reached): most cases are early
GRASSROOTS_DEPTH = (30, 22, 16, 9, 5, 4, 4, 2, 8)
PILOT_DEPTH = (30, 25, 15, 10, 8, 12)
KIND_WEIGHTS = (("grassroots", 88), ("small_units", 10), ("conglomerate_pilot", 2))
ROLE_WEIGHTS = (("organiser", 72), ("supervisor", 20), ("leader", 8))
INVESTORS = ("Hàn Quốc", "Nhật Bản", "Trung Quốc", "Đài Loan", "Singapore", "Hoa Kỳ")
COMMUNE_NAMES = ("Phường Bến Thành", "Phường Tân Định", "Xã Bình Chánh", "Phường Dĩ An",
                 "Xã Tân Uyên", "Phường Long Biên", "Xã Đông Anh", "Phường Thủ Đức",
                 "Xã Củ Chi", "Phường Biên Hòa", "Xã Nhơn Trạch", "Phường Từ Sơn",
                 "Xã Yên Phong", "Phường Thủy Nguyên", "Xã An Dương", "Phường Hòa Khánh")
PARK_NAMES = ("Khu công nghiệp Tân Thuận", "Khu công nghiệp Amata", "Khu công nghiệp VSIP",
              "Khu công nghiệp Yên Phong", "Khu công nghiệp Đình Vũ", "Khu công nghiệp Thăng Long",
              "Khu công nghiệp Nhơn Trạch", "Khu công nghiệp Hiệp Phước")
OUTREACH_KINDS = ("contact_employer", "worker_meeting", "propaganda")
LATER_KINDS = ("worker_meeting", "propaganda", "leadership_visit", "other")


class AlreadySeeded(Exception):
    pass


@dataclass
class Report:
    provinces: int = 0
    units: int = 0
    users: int = 0
    cases: int = 0
    enterprises: int = 0
    links: int = 0
    steps: int = 0
    audit: int = 0
    states: dict = field(default_factory=dict)
    membership: dict = field(default_factory=dict)   # grassroots unions and their reports


class _Ids:
    """Ids reserved up front: the PostgreSQL sequence (imports.allocate_ids), or max(id)+1."""

    def __init__(self, table: sa.Table):
        self.table = table
        self.next = None

    def take(self, count: int) -> list[int]:
        ids = allocate_ids(self.table, count)
        if ids is not None:
            return ids
        if self.next is None:
            self.next = (db.session.scalar(sa.select(sa.func.max(self.table.c.id))) or 0) + 1
        start, self.next = self.next, self.next + count
        return list(range(start, start + count))


def _insert(table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def _tax_codes(taken: set[str]):
    """Valid, unique 10-digit codes (stdnum.vn.mst check digit), never one already present."""
    body = 800_000_000
    while True:
        body += 7
        code = tax_code_with_check_digit(f"{body:09d}")
        if code and code not in taken:
            yield code


def _units(rng, scale: float) -> int:
    """Commune and industrial-park unions under each federation, by workforce weight."""
    if db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code.like("CDX-%"))):
        raise AlreadySeeded("national data already present")
    feds = {u.province.code: u for u in db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.type == "provincial_federation"))}
    count = max(5, round(UNITS * scale))
    codes = sorted(feds)
    weights = [PROVINCE_WEIGHTS.get(c, 1) for c in codes]
    per = {c: 0 for c in codes}
    for c in rng.choices(codes, weights, k=count):
        per[c] += 1
    ids = _Ids(OrgUnit.__table__).take(count)
    rows, it = [], iter(ids)
    for code in codes:
        fed = feds[code]
        for n in range(1, per[code] + 1):
            park = rng.random() < 0.3
            unit_id = next(it)
            base = rng.choice(PARK_NAMES if park else COMMUNE_NAMES)
            rows.append({"id": unit_id, "code": f"{'CDKCN' if park else 'CDX'}-{code}-{n:02d}",
                         "name": f"Công đoàn {base} {n}",
                         "type": "industrial_park_union" if park else "commune_union",
                         "parent_id": fed.id, "province_id": fed.province_id,
                         "path": f"{fed.path}{unit_id}/"})
    _insert(OrgUnit.__table__, rows)
    db.session.commit()
    return len(rows)


def _users(rng, scale: float, units: list) -> list[dict]:
    """Users over every unit (at least one organiser per unit), all with one precomputed hash."""
    password_hash = hash_password(DEMO_PASSWORD)
    case_units = [u for u in units if not u.is_root]
    count = max(round(USERS * scale), len(case_units) + 4)
    root = next(u for u in units if u.is_root)
    assignments = [("admin", root), ("leader", root)]
    assignments += [("organiser", u) for u in case_units]
    weights = [PROVINCE_WEIGHTS.get(u.province.code, 1) if u.province else 3 for u in case_units]
    roles, role_w = zip(*ROLE_WEIGHTS)
    for unit in rng.choices(case_units, weights, k=count - len(assignments)):
        assignments.append((rng.choices(roles, role_w)[0], unit))
    ids = _Ids(User.__table__).take(len(assignments))
    now = clock.now()
    rows = []
    for user_id, (role, unit) in zip(ids, assignments):
        rows.append({"id": user_id, "email": f"{role}{user_id}@{EMAIL_DOMAIN}",
                     "name": f"{rng.choice(NAMES)} ({unit.code})", "password_hash": password_hash,
                     "role": role, "unit_id": unit.id, "active": True, "language": None,
                     "created_at": now})
    _insert(User.__table__, rows)
    db.session.commit()
    return rows


def _details_for(trigger: str, rng, when: datetime) -> dict:
    day = when.date().isoformat()
    if trigger == "form_committee":
        return {"committee_head": rng.choice(NAMES)}
    if trigger == "schedule_congress":
        return {"congress_date": (when.date() + timedelta(days=rng.randint(7, 21))).isoformat()}
    if trigger == "hold_congress":
        return {"held_on": day, "attendance": rng.randint(8, 60), "chair": rng.choice(NAMES),
                "committee_members": rng.sample(NAMES, rng.randint(3, 5))}
    if trigger == "submit_dossier":
        return {"documents": list(DOCUMENTS)}
    if trigger in ("recognise", "establish"):
        data = {"decision_number": f"{rng.randint(1, 999)}/QĐ-LĐLĐ", "decision_date": day,
                "signer": rng.choice(NAMES)}
        if trigger == "establish":
            data["committee_members"] = rng.sample(NAMES, 3)
        return data
    return {}


def seed_national(scale_factor: float = 1.0, seed: int = 2026,
                  progress: Callable[[int], None] | None = None) -> Report:
    """Write the national data set; `progress(n)` is called with the cases written per batch."""
    seed_reference()
    db.session.commit()
    rng = random.Random(seed)
    report = Report()
    provinces = {p.code: p.id for p in db.session.scalars(sa.select(Province))}
    report.provinces = len(provinces)
    report.units = _units(rng, scale_factor)
    units = list(db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.id)))
    users = _users(rng, scale_factor, units)
    report.users = len(users)
    unit_by_id = {u.id: u for u in units}
    organisers: dict[int, list[dict]] = {}
    for user in users:
        if user["role"] == "organiser":
            organisers.setdefault(user["unit_id"], []).append(user)
    by_province: dict[str, list[int]] = {}
    for unit in units:
        if unit.province is not None and unit.id in organisers:
            by_province.setdefault(unit.province.code, []).append(unit.id)
    sector_units = [u.id for u in units if u.type == "sector_union" and u.id in organisers]
    codes = sorted(by_province)
    code_weights = [PROVINCE_WEIGHTS.get(c, 1) for c in codes]
    kinds, kind_w = zip(*KIND_WEIGHTS)

    taken = set(db.session.scalars(sa.select(Enterprise.tax_code)))
    tax_codes = _tax_codes(taken)
    case_ids, ent_ids = _Ids(Case.__table__), _Ids(Enterprise.__table__)
    step_ids, audit_ids = _Ids(Step.__table__), _Ids(AuditEntry.__table__)
    now = clock.now()
    total = max(1, round(CASES * scale_factor))
    done = 0
    while done < total:
        n = min(CHUNK, total - done)
        cases, enterprises, links, steps, audit = [], [], [], [], []
        kind_list = rng.choices(kinds, kind_w, k=n)
        ents_per_case = [rng.randint(2, 4) if k == "small_units" else 1 for k in kind_list]
        ent_iter = iter(ent_ids.take(sum(ents_per_case)))
        for case_id, kind, n_ents in zip(case_ids.take(n), kind_list, ents_per_case):
            province = rng.choices(codes, code_weights)[0]
            if sector_units and rng.random() < 0.03:
                unit_id = rng.choice(sector_units)
            else:
                pool = by_province[province]
                # federation itself for ~40 %, a commune / park union below it otherwise
                unit_id = pool[0] if len(pool) == 1 or rng.random() < 0.4 else rng.choice(pool[1:])
            unit = unit_by_id[unit_id]
            organiser = rng.choice(organisers[unit_id])
            flow = flow_for(kind)
            pilot = kind == "conglomerate_pilot"
            path = PILOT_PATH if pilot else GRASSROOTS_PATH
            main = flow.state_names[:len(path) + 1]
            depth = rng.choices(range(len(main)), PILOT_DEPTH if pilot else GRASSROOTS_DEPTH)[0]
            side = None
            if depth < len(main) - 1:
                roll = rng.random()
                side = "on_hold" if roll < 0.05 else "closed" if roll < 0.11 else None
            transitions = [(path[i], main[i], main[i + 1]) for i in range(depth)]
            if side == "on_hold":
                transitions.append(("put_on_hold", main[depth], "on_hold"))
            elif side == "closed":
                transitions.append(("close", main[depth], "closed"))
            state = side or main[depth]
            created = now - timedelta(days=rng.uniform(20, 540))
            span = (now - timedelta(hours=1) - created).total_seconds()
            times = sorted(created + timedelta(seconds=rng.uniform(0, span))
                           for _ in transitions)
            times = [max(t, created + timedelta(seconds=i + 1)) for i, t in enumerate(times)]

            # enterprises and links
            names = []
            for position in range(n_ents):
                word = rng.choice(COMPANY_WORDS)
                name = f"Công ty TNHH {word} {rng.choice(COMPANY_SUFFIX)} {rng.randint(1, 999)}"
                tax = next(tax_codes)
                ownership = rng.choices(("private", "fdi", "state", "conglomerate_member"),
                                        (55, 35, 7, 3))[0]
                workforce = rng.randint(5, 24) if kind == "small_units" \
                    else int(rng.lognormvariate(5.3, 1.0)) + 25
                ent_id = next(ent_iter)
                enterprises.append({
                    "id": ent_id, "name": name, "tax_code": tax,
                    "province_id": provinces[province], "ownership": ownership,
                    "investor_country": rng.choice(INVESTORS) if ownership == "fdi" else None,
                    "sector": SECTOR_OF.get(word, "other"), "address": f"{province} Việt Nam",
                    "workforce": workforce, "workforce_women": workforce * rng.randint(30, 80) // 100,
                    "workforce_foreign": rng.randint(0, 5) if ownership == "fdi" else 0,
                    "search_text": search_key(f"{name} {tax}")})
                links.append({"case_id": case_id, "enterprise_id": ent_id, "tax_code": tax,
                              "position": position, "active": state not in flow.terminal})
                names.append(f"{name} {tax}")
            workforce_total = sum(e["workforce"] for e in enterprises[-n_ents:])

            # steps: ~10 per case, dated between creation and now; applications sum onto the case
            reached = {t for t, _f, _to in transitions}
            collecting = "form_committee" in reached or "start_survey" in reached
            n_steps = rng.randint(4, 12) + depth
            step_times = sorted(created + timedelta(seconds=rng.uniform(0, span))
                                for _ in range(n_steps))
            vn_total = fo_total = 0
            need = 5 if depth >= 3 and not pilot else 0
            app_steps = (max(1, n_steps // 3) if collecting else 0)
            for i, moment in enumerate(step_times):
                vn = fo = 0
                if pilot:
                    kind_s = "survey_report" if i == 0 else rng.choice(LATER_KINDS)
                elif i >= n_steps - app_steps:
                    kind_s = "applications_collected"
                    vn = rng.randint(1, 12)
                    fo = rng.randint(0, 2) if rng.random() < 0.2 else 0
                    if i == n_steps - 1 and vn_total + vn < need:
                        vn = need - vn_total
                elif i < 3:
                    kind_s = rng.choice(OUTREACH_KINDS)
                else:
                    kind_s = rng.choice(LATER_KINDS)
                vn_total += vn
                fo_total += fo
                steps.append({"case_id": case_id, "kind": kind_s, "date": moment.date(),
                              "note": "Gặp gỡ người lao động" if vn == 0 else "Thu đơn gia nhập",
                              "applications_vietnamese": vn, "applications_foreign": fo,
                              "author_id": organiser["id"], "created_at": moment})

            # details, deadline, founding, history
            details, deadline, founded_members, founded_on = {}, None, None, None
            actor = {"actor_id": organiser["id"], "actor_name": organiser["name"],
                     "actor_role": "organiser", "actor_unit": unit.code}
            audit.append({"case_id": case_id, "action": "created", "trigger": None,
                          "from_state": None, "to_state": main[0], "comment": "",
                          "data": {"enterprises": [x.split()[-1] for x in names]},
                          "created_at": created, **actor})
            for (trigger, src, dst), moment in zip(transitions, times):
                data = _details_for(trigger, rng, moment)
                if trigger in ("announce", "complete_transfer"):
                    founded_members = max(5, vn_total + fo_total) if not pilot \
                        else rng.randint(500, 5000)
                    founded_on = moment.date()
                    data = ({"announced_on": founded_on.isoformat(),
                             "founding_members": founded_members} if not pilot else
                            {"member_unions": rng.randint(3, 20),
                             "founding_members": founded_members})
                if data:
                    details["decision" if "decision_number" in data else trigger] = data
                if trigger == "submit_dossier":
                    deadline = (moment + timedelta(days=21)).date()
                if trigger == "recognise":
                    deadline = None
                comment = {"put_on_hold": "Doanh nghiệp tạm ngừng sản xuất",
                           "close": "Chủ doanh nghiệp không hợp tác"}.get(trigger, "")
                audit.append({"case_id": case_id, "action": "transition", "trigger": trigger,
                              "from_state": src, "to_state": dst, "comment": comment,
                              "data": data, "created_at": moment, **actor})
            if side == "closed":
                deadline = None
            changed = times[-1] if times else created
            ref = f"{province}-{created:%Y}-{case_id:06d}"
            cases.append({
                "id": case_id, "ref": ref, "kind": kind, "state": state,
                "resume_state": main[depth] if side == "on_hold" else None,
                "version": 1 + len(transitions), "unit_id": unit_id,
                "organiser_id": organiser["id"], "province_id": provinces[province],
                "target_members": workforce_total // 2,
                "applications_vietnamese": vn_total, "applications_foreign": fo_total,
                "deadline": deadline, "founded_members": founded_members,
                "founded_on": founded_on, "details": details,
                "search_text": search_key(" ".join([ref] + names))[:1000],
                "created_by_id": organiser["id"], "created_at": created,
                "updated_at": max([changed] + step_times), "state_changed_at": changed})
            report.states[state] = report.states.get(state, 0) + 1
        for row, step_id in zip(steps, step_ids.take(len(steps))):
            row["id"] = step_id
        for row, audit_id in zip(audit, audit_ids.take(len(audit))):
            row["id"] = audit_id
        _insert(Enterprise.__table__, enterprises)
        _insert(Case.__table__, cases)
        tallies.add_rows(cases)   # the pipeline's counts, committed with the cases
        _insert(CaseEnterprise.__table__, links)
        _insert(Step.__table__, steps)
        _insert(AuditEntry.__table__, audit)
        db.session.commit()
        report.cases += len(cases)
        report.enterprises += len(enterprises)
        report.links += len(links)
        report.steps += len(steps)
        report.audit += len(audit)
        done += n
        if progress:
            progress(n)
    report.membership = seed_membership(scale_factor, seed)  # issue 14: unions, monthly reports
    return report
