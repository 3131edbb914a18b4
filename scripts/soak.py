#!/usr/bin/env python3
"""Race soak: the app under gunicorn on PostgreSQL, N client processes racing on K cases.

    python scripts/soak.py [--clients 6] [--seconds 30] [--cases 8] [--workers 3]
                           [--database-url postgresql://postgres@127.0.0.1:5432/casework_soak]
                           [--port P] [--max-requests R] [--seed S] [--keep]

It creates the scratch database named in --database-url (dropping a leftover one of that name),
builds the schema (`flask db upgrade`), seeds the reference data, creates organisers and
supervisors in LDLD-79 with API tokens, creates K cases through the API, starts gunicorn, and runs
the clients for a bounded time (and a bounded number of requests). Each client loops: read a
case, then fire one of its allowed triggers with valid data (using the version it just read),
log a step (sometimes a negative correction), or (supervisors) decide a pending approval. Cases
that reach founded/closed are replaced so K stay active.

After stopping gunicorn (SIGTERM) it checks in the database, with SQL:
  - each case's transition history is a chain from its 'created' entry to its current state,
    every link allowed by the workflow table (resume returns to the state that was left);
  - the case version is never below 1 + its history rows that change it (a version bumped
    more often than that is printed as a note, not counted as a violation);
  - each approval request is decided at most once: one 'approval_decided' entry per decided
    request, none for pending/superseded ones; an approved one fired exactly one transition;
    at most one request pending per case;
  - each case's application counts equal the sums over its steps;
  - no response was a 5xx (and no request failed to get a response).
It prints a summary and exits 1 when any of these fails. The scratch database is dropped at the
end unless --keep.

The clients use `requests`. Run from the repository root with the project's virtualenv.
"""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import queue
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework.workflow.definition import (  # noqa: E402  (after the path is set)
    DOCUMENTS, FLOWS, TERMINAL_STATES, initial_state)

UNIT = "LDLD-79"
PROVINCE = "79"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # the zone of every date the app takes
PASSWORD = "soak-pass-2026-" + "x" * 8
# databases other people use: never create, drop or write to them
PROTECTED_DATABASES = {"test", "test_main", "test_ui", "test_core", "test_lead", "test_visits",
                       "postgres", "template0", "template1", "casework_dev"}
MIN_FOUNDERS = 5
SIDE_TRIGGER_WEIGHTS = {"put_on_hold": 0.6, "close": 0.15, "return_dossier": 0.8}
OUTREACH_KINDS = ("contact_employer", "worker_meeting", "propaganda")
STEP_KINDS = OUTREACH_KINDS + ("applications_collected", "committee_formed", "other")


# --------------------------------------------------------------------------- set-up helpers

def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin_url(url: str) -> str:
    """The same server, the `postgres` maintenance database (for CREATE/DROP DATABASE)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.replace("+psycopg", ""), parts.netloc, "/postgres",
                       parts.query, ""))


def plain_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.replace("+psycopg", ""),) + tuple(parts[1:]))


def create_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(database_name(url))))


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({result.returncode}):\n"
                         f"{result.stdout}\n{result.stderr}")
    return result.stdout


def flask_parallel(env: dict, commands: list[tuple[str, ...]]) -> list[str]:
    """Run independent flask commands at once (each start-up takes a second or two)."""
    procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in commands]
    outputs = []
    for args, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed ({proc.returncode}):\n{out}\n{err}")
        outputs.append(out)
    return outputs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tax_code(rng: random.Random) -> str:
    """A random valid Vietnamese tax code (10 digits, the 10th a check digit)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(0, 9)
        weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
        check = 10 - sum(d * w for d, w in zip(digits, weights)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def new_case_body(rng: random.Random, organiser: str, label: str) -> dict:
    return {"kind": "grassroots", "unit": UNIT, "organiser": organiser,
            "target_members": rng.randint(20, 300),  # never above the workforce (refused)
            "enterprises": [{"name": f"Công ty Soak {label}", "tax_code": tax_code(rng),
                             "province": PROVINCE, "workforce": rng.randint(300, 2000),
                             "ownership": rng.choice(["private", "state"]),
                             "sector": "electronics"}]}


# --------------------------------------------------------------------------- the clients

class Client:
    """One client process: its own user, its own HTTP session, its own counters."""

    def __init__(self, index: int, base: str, user: dict, organisers: list[str],
                 case_ids: list[int], target_active: int, deadline: float, max_requests: int,
                 seed: int):
        import requests  # imported in the child: each process has its own session and pool
        self.index = index
        self.base = base
        self.user = user
        self.organisers = organisers
        self.case_ids = list(case_ids)
        self.target_active = target_active
        self.deadline = deadline
        self.max_requests = max_requests
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {user['token']}"
        self.requests_exc = requests.RequestException
        self.done = 0
        self.by_status: collections.Counter = collections.Counter()
        self.by_action: collections.Counter = collections.Counter()  # (action, status, code)
        self.failures: list[dict] = []   # 5xx and requests with no response
        self.created = 0
        self.serial = 0

    @property
    def supervisor(self) -> bool:
        return self.user["role"] == "supervisor"

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline and self.done < self.max_requests

    def call(self, action: str, method: str, path: str, body=None, params=None):
        """One request; returns (status, json or None). Counts everything."""
        self.done += 1
        try:
            resp = self.session.request(method, self.base + path, json=body, params=params,
                                        timeout=60)
        except self.requests_exc as exc:
            self.by_status["no response"] += 1
            self.by_action[(action, "no response", type(exc).__name__)] += 1
            self.failures.append({"action": action, "method": method, "path": path,
                                  "body": body, "status": None, "error": repr(exc)[:500],
                                  "at": time.time()})
            return None, None
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        code = ""
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            code = payload["error"].get("code", "")
        self.by_status[resp.status_code] += 1
        self.by_action[(action, resp.status_code, code)] += 1
        if resp.status_code >= 500:
            self.failures.append({"action": action, "method": method, "path": path,
                                  "body": body, "status": resp.status_code,
                                  "response": resp.text[:500], "at": time.time()})
        return resp.status_code, payload

    # ---- the loop

    def run(self) -> dict:
        iteration = 0
        while self.time_left():
            iteration += 1
            if iteration % 25 == 0 or not self.case_ids:
                self.refresh_cases()
                if not self.time_left():
                    break
            if not self.case_ids:
                time.sleep(0.05)
                continue
            case_id = self.rng.choice(self.case_ids)
            status, case = self.call("get_case", "GET", f"/cases/{case_id}")
            if status != 200:
                continue
            if case["state"] in TERMINAL_STATES:
                self.case_ids.remove(case_id)
                continue
            if self.rng.random() < 0.3:
                time.sleep(self.rng.random() * 0.02)  # widen the race window a little
            roll = self.rng.random()
            if self.supervisor and roll < 0.3:
                self.decide_one()
            elif roll < 0.45:
                self.log_random_step(case)
            elif roll < 0.65:
                self.register_one(case)
            else:
                self.fire_one(case)
        return {"index": self.index, "user": self.user["email"], "done": self.done,
                "by_status": dict(self.by_status),
                "by_action": {json.dumps(list(k)): v for k, v in self.by_action.items()},
                "failures": self.failures, "created": self.created}

    def refresh_cases(self) -> None:
        status, body = self.call("list_cases", "GET", "/cases",
                                 params={"open": "1", "unit": UNIT, "per_page": "200"})
        if status != 200:
            return
        self.case_ids = [c["id"] for c in body["items"] if c["state"] not in TERMINAL_STATES]
        # keep K active cases: replace the founded and closed ones (a race may add one or two)
        if len(self.case_ids) < self.target_active and self.time_left():
            self.serial += 1
            label = f"c{self.index}-{self.serial}-{self.rng.randrange(10**6)}"
            status, created = self.call(
                "create_case", "POST", "/cases",
                new_case_body(self.rng, self.rng.choice(self.organisers), label))
            if status == 201:
                self.created += 1
                self.case_ids.append(created["id"])

    def log_step(self, case: dict, kind: str, vietnamese: int = 0, foreign: int = 0):
        # today in Vietnam: a step is not dated before its case's own dates nor in the future
        body = {"kind": kind, "date": datetime.now(VIETNAM).date().isoformat(),
                "note": f"soak client {self.index}",
                "applications_vietnamese": vietnamese, "applications_foreign": foreign}
        return self.call("log_step", "POST", f"/cases/{case['id']}/steps", body)

    def log_random_step(self, case: dict) -> None:
        kind = self.rng.choice(STEP_KINDS)
        if self.rng.random() < 0.2:  # a correction of an earlier count, maybe one too many
            vietnamese = -self.rng.randint(1, 4)
            foreign = -self.rng.randint(0, 1) if self.rng.random() < 0.3 else 0
        else:
            vietnamese = self.rng.randint(0, 4)
            foreign = self.rng.randint(0, 2) if self.rng.random() < 0.3 else 0
        self.log_step(case, kind, vietnamese, foreign)

    def register_one(self, case: dict) -> None:
        """The register racing the steps: add an application, or decide one (verify, reject,
        withdraw, re-verify) with the version seen, which another client may have moved."""
        path = f"/cases/{case['id']}/applications"
        if self.rng.random() < 0.4:
            foreign = self.rng.random() < 0.2
            self.call("add_application", "POST", path, {
                "full_name": f"Người lao động {self.rng.randrange(10**6)}",
                "nationality": "KR" if foreign else "VN",
                "contract_12_months": True if foreign else None, "channel": "paper"})
            return
        status, body = self.call("list_applications", "GET", path)
        if status != 200 or not body["items"]:
            return
        application = self.rng.choice(body["items"])
        decision = self.rng.choice(("verified", "verified", "rejected", "withdrawn"))
        self.call("decide_application", "PATCH", f"{path}/{application['id']}", {
            "status": decision, "version": application["version"], "not_duplicate": True,
            "reason": "Không phải người lao động của doanh nghiệp"
            if decision == "rejected" else ""})

    def decide_one(self) -> None:
        status, body = self.call("list_approvals", "GET", "/approvals",
                                 params={"status": "pending"})
        if status != 200:
            return
        mine = [a for a in body["items"] if a.get("can_decide")]
        if not mine:
            return
        approval = self.rng.choice(mine)
        roll = self.rng.random()
        if roll < 0.7:
            decision = {"decision": "approve", "comment": "soak: approved"}
        elif roll < 0.95:
            decision = {"decision": "reject", "comment": "soak: rejected, redo it"}
        else:
            decision = {"decision": "reject"}  # no comment: refused with 422
        self.call("decide", "POST", f"/approvals/{approval['id']}/decision", decision)

    def trigger_data(self, case: dict, trigger: str) -> tuple[dict, str | None]:
        today = datetime.now(VIETNAM).date()   # the app's dates are Vietnam's
        names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]
        if trigger == "form_committee":
            return {"committee_head": self.rng.choice(names)}, None
        if trigger == "schedule_congress":
            # held today once scheduled (a congress is not held before its date)
            return {"congress_date": today.isoformat()}, None
        if trigger == "hold_congress":
            return {"held_on": today.isoformat(), "attendance": self.rng.randint(MIN_FOUNDERS, 60),
                    "chair": names[0], "committee_members": names[1:]}, None
        if trigger == "submit_dossier":
            documents = list(DOCUMENTS)
            if self.rng.random() < 0.05:  # incomplete: refused with 422
                documents.remove(self.rng.choice(documents))
            return {"documents": documents}, None
        if trigger in ("recognise", "appoint_provisional"):
            data = {"decision_number": f"{self.rng.randint(1, 999)}/QĐ-LĐLĐ",
                    "decision_date": today.isoformat(),   # not before the dossier's day
                    "signer": names[3]}
            if trigger == "appoint_provisional":
                data["committee_members"] = names[:3]
            return data, None
        if trigger == "announce":
            return {"announced_on": today.isoformat(),
                    "founding_members": max(MIN_FOUNDERS, case["applications"]["vietnamese"])}, None
        if trigger in ("put_on_hold", "return_dossier", "close"):
            return {}, f"soak: {trigger.replace('_', ' ')}"
        return {}, None

    def fire_one(self, case: dict) -> None:
        allowed = case.get("allowed_triggers") or []
        if not allowed:
            return
        weights = [SIDE_TRIGGER_WEIGHTS.get(t, 0.3 if t == "appoint_provisional" else 3.0)
                   for t in allowed]
        trigger = self.rng.choices(allowed, weights)[0]
        # what the guard needs, logged first (a step does not change the case's version)
        if trigger == "form_committee" and not any(
                s["kind"] in OUTREACH_KINDS for s in case.get("steps", [])):
            self.log_step(case, self.rng.choice(OUTREACH_KINDS))
        if trigger == "confirm_eligibility" and case["applications"]["vietnamese"] < MIN_FOUNDERS:
            missing = MIN_FOUNDERS - case["applications"]["vietnamese"]
            self.log_step(case, "applications_collected", missing + self.rng.randint(0, 3))
        data, comment = self.trigger_data(case, trigger)
        body = {"trigger": trigger, "version": case["version"], "data": data}
        if comment:
            body["comment"] = comment
        self.call(f"fire {trigger}", "POST", f"/cases/{case['id']}/transitions", body)


def client_main(kwargs: dict, results) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        results.put(Client(**kwargs).run())
    except Exception as exc:  # noqa: BLE001  a bug in the soak itself: report, do not hang
        import traceback
        results.put({"index": kwargs["index"], "crash": traceback.format_exc(),
                     "error": repr(exc)})


# --------------------------------------------------------------------------- invariants

def check_invariants(url: str) -> tuple[list[str], list[str], dict]:
    """(violations, notes, facts). Notes are oddities reported but not counted as failures."""
    violations: list[str] = []
    notes: list[str] = []
    facts: dict = {}
    flows = {kind: flow for flow in FLOWS for kind in flow.kinds}
    with psycopg.connect(plain_url(url)) as conn:
        cases = conn.execute("SELECT id, kind, state, resume_state, version, "
                             "applications_vietnamese, applications_foreign FROM cases "
                             "ORDER BY id").fetchall()
        entries = collections.defaultdict(list)
        for row in conn.execute(
                "SELECT case_id, id, action, trigger, from_state, to_state, "
                "data->>'approval_id' FROM audit_entries ORDER BY case_id, id"):
            entries[row[0]].append(row[1:])
        facts["cases"] = len(cases)
        facts["states"] = collections.Counter(c[2] for c in cases)
        facts["transitions"] = 0

        for case_id, kind, state, resume_state, version, apps_vn, apps_fr in cases:
            history = entries[case_id]
            created = [e for e in history if e[1] == "created"]
            if len(created) != 1 or created[0][4] != initial_state(kind):
                violations.append(f"case {case_id}: {len(created)} 'created' entries "
                                  f"(to {[e[4] for e in created]}), expected one to "
                                  f"{initial_state(kind)}")
                continue
            flow = flows[kind]
            current = created[0][4]
            left: list[str] = []   # the states on_hold was entered from
            changes = 0
            for _, action, trigger, from_state, to_state, _approval in history:
                if action != "transition":
                    continue
                changes += 1
                spec = flow.trigger(trigger)
                if from_state != current:
                    violations.append(f"case {case_id}: transition {trigger} {from_state}->"
                                      f"{to_state} recorded while the history has it in {current}")
                if from_state == to_state:
                    violations.append(f"case {case_id}: transition {trigger} does not change the "
                                      f"state ({from_state})")
                if spec is None or from_state not in spec.sources:
                    violations.append(f"case {case_id}: {trigger} is not allowed from {from_state}")
                elif spec.dest is None:
                    expected = left[-1] if left else None
                    if to_state != expected:
                        violations.append(f"case {case_id}: resume to {to_state}, but the case "
                                          f"was put on hold from {expected}")
                elif to_state != spec.dest:
                    violations.append(f"case {case_id}: {trigger} went to {to_state}, the "
                                      f"workflow says {spec.dest}")
                if to_state == "on_hold":
                    left.append(from_state)
                current = to_state
            facts["transitions"] += changes
            if current != state:
                violations.append(f"case {case_id}: in state {state}, its history ends in "
                                  f"{current}")
            if state == "on_hold" and resume_state != (left[-1] if left else None):
                violations.append(f"case {case_id}: on hold with resume_state {resume_state}, "
                                  f"the history says it left {left[-1] if left else None}")
            # each change of the case should bump its version once and write one history row;
            # more bumps than rows is a note (a client sees a version jump), not a violation
            changing = sum(1 for e in history
                           if e[1] in ("transition", "approval_requested", "reassigned", "edited"))
            if version != 1 + changing:
                (violations if version < 1 + changing else notes).append(
                    f"case {case_id}: version {version}, but its history has {changing} "
                    f"changes after creation (expected version {1 + changing})")

        # approvals: decided at most once, and an approval fires exactly one transition
        approvals = conn.execute(
            "SELECT id, case_id, trigger, from_state, status, requester_id, decided_by_id "
            "FROM approval_requests ORDER BY id").fetchall()
        facts["approvals"] = collections.Counter(a[4] for a in approvals)
        decided = collections.Counter()
        decisions = {}
        fired = collections.defaultdict(list)
        requested = collections.Counter()
        for case_id, history in entries.items():
            for _, action, trigger, from_state, to_state, approval_id in history:
                if approval_id is None:
                    continue
                if action == "approval_decided":
                    decided[int(approval_id)] += 1
                elif action == "transition":
                    fired[int(approval_id)].append((case_id, trigger, from_state))
                elif action == "approval_requested":
                    requested[int(approval_id)] += 1
        for row in conn.execute(
                "SELECT (data->>'approval_id')::int, data->>'decision' FROM audit_entries "
                "WHERE action = 'approval_decided'"):
            decisions.setdefault(row[0], []).append(row[1])
        known = set()
        for approval_id, case_id, trigger, from_state, status, requester, decider in approvals:
            known.add(approval_id)
            expected = 1 if status in ("approved", "rejected") else 0
            if decided[approval_id] != expected:
                violations.append(f"approval {approval_id} ({status}): {decided[approval_id]} "
                                  f"'approval_decided' entries, expected {expected}")
            if expected:
                want_decision = {"approved": "approve", "rejected": "reject"}[status]
                if decisions.get(approval_id) != [want_decision]:
                    violations.append(f"approval {approval_id} is {status}, the history says "
                                      f"{decisions.get(approval_id)}")
            if requested[approval_id] != 1:
                violations.append(f"approval {approval_id}: {requested[approval_id]} "
                                  "'approval_requested' entries, expected 1")
            want = [(case_id, trigger, from_state)] if status == "approved" else []
            if fired.get(approval_id, []) != want:
                violations.append(f"approval {approval_id} ({status}): transitions "
                                  f"{fired.get(approval_id, [])}, expected {want}")
            if expected and decider == requester:
                violations.append(f"approval {approval_id} decided by its own requester")
            if not expected and decider is not None:
                violations.append(f"approval {approval_id} ({status}) has a decider")
        for approval_id in set(decided) | set(fired) | set(requested):
            if approval_id not in known:
                violations.append(f"history names approval {approval_id}, which does not exist")
        for case_id, count in conn.execute(
                "SELECT case_id, count(*) FROM approval_requests WHERE status = 'pending' "
                "GROUP BY case_id HAVING count(*) > 1"):
            violations.append(f"case {case_id}: {count} approvals pending at once")

        # application counts equal the sums over the steps
        facts["steps"] = conn.execute("SELECT count(*) FROM steps").fetchone()[0]
        for case_id, vn, fr, sum_vn, sum_fr in conn.execute(
                "SELECT c.id, c.applications_vietnamese, c.applications_foreign, "
                "coalesce(sum(s.applications_vietnamese), 0), "
                "coalesce(sum(s.applications_foreign), 0) "
                "FROM cases c LEFT JOIN steps s ON s.case_id = c.id "
                "GROUP BY c.id HAVING c.applications_vietnamese "
                "<> coalesce(sum(s.applications_vietnamese), 0) "
                "OR c.applications_foreign <> coalesce(sum(s.applications_foreign), 0)"):
            violations.append(f"case {case_id}: applications {vn} Vietnamese / {fr} foreign, "
                              f"its steps add up to {sum_vn} / {sum_fr}")

        # the register: its steps add up to its verified applications, each counted once
        for case_id, vn, fr, step_vn, step_fr in conn.execute(
                "SELECT c.id, "
                "(SELECT count(*) FROM case_applications a WHERE a.case_id = c.id "
                " AND a.counted_as = 'vietnamese'), "
                "(SELECT count(*) FROM case_applications a WHERE a.case_id = c.id "
                " AND a.counted_as = 'foreign'), "
                "(SELECT coalesce(sum(s.applications_vietnamese), 0) FROM steps s "
                " WHERE s.case_id = c.id AND s.application_id IS NOT NULL), "
                "(SELECT coalesce(sum(s.applications_foreign), 0) FROM steps s "
                " WHERE s.case_id = c.id AND s.application_id IS NOT NULL) FROM cases c"):
            if (vn, fr) != (step_vn, step_fr):
                violations.append(f"case {case_id}: {vn} / {fr} applications verified in the "
                                  f"register, its steps add up to {step_vn} / {step_fr}")
        facts["applications"] = conn.execute(
            "SELECT count(*) FROM case_applications").fetchone()[0]
    return violations, notes, facts


# --------------------------------------------------------------------------- the run

def wait_until_up(base: str, token: str, proc: subprocess.Popen, log_path: Path,
                  timeout: float = 60) -> None:
    import requests
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{log_path.read_text()}")
        try:
            if requests.get(base + "/workflow", timeout=2,
                            headers={"Authorization": f"Bearer {token}"}).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout}s:\n{log_path.read_text()}")


def stop_gunicorn(proc: subprocess.Popen) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Detected|Failure)\b")


def tracebacks(text: str, limit: int = 6) -> list[str]:
    """The error blocks of gunicorn's log (Flask logs each unhandled exception there), one of
    each kind (same project frames, same exception class)."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("[") and ("ERROR" in line or "CRITICAL" in line
                                     or "WORKER TIMEOUT" in line):
            if current:
                blocks.append("\n".join(current))
            current = [line]
        elif current is not None:
            if line.startswith("[") and " [INFO] " in line:
                blocks.append("\n".join(current))
                current = None
            else:
                current.append(line)
    if current:
        blocks.append("\n".join(current))
    distinct, seen = [], set()
    for block in blocks:
        frames = tuple(line for line in app_frames(block)[1:] if line.lstrip().startswith("File"))
        exceptions = [line.split(":")[0] for line in block.splitlines()
                      if EXCEPTION_LINE.match(line)]
        key = (frames, exceptions[-1] if exceptions else block.strip().splitlines()[-1])
        if key not in seen:
            seen.add(key)
            distinct.append(block)
    more = len(blocks) - min(len(distinct), limit)
    return distinct[:limit] + ([f"... {more} more error block(s) in the log"] if more else [])


def app_frames(block: str) -> list[str]:
    """An error block cut to its first line, the project's own frames, and the exception lines
    (with PostgreSQL's DETAIL and CONTEXT)."""
    lines = block.rstrip().splitlines()
    if len(lines) <= 3:
        return lines
    kept = [lines[0]]
    for i, line in enumerate(lines[1:], start=1):
        if line.lstrip().startswith("File ") and str(ROOT) in line and "/.venv/" not in line:
            kept.append(line)
            if i + 1 < len(lines):
                kept.append(lines[i + 1])
        elif (EXCEPTION_LINE.match(line) or line.startswith(("DETAIL:", "CONTEXT:", "Process "))) \
                and line not in kept:
            kept.append(line)
    return kept


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/casework_soak")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--max-requests", type=int, default=50_000,
                        help="per client; the run also stops after --seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    name = database_name(args.database_url)
    if not name or name in PROTECTED_DATABASES:
        parser.error(f"refusing to use the database {name!r}: name a scratch database")
    if args.clients < 1 or args.cases < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--clients, --cases, --workers and --seconds must be positive")
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="casework-soak-"))
    gunicorn_log = workdir / "gunicorn.log"
    import requests

    log(f"seed {seed}; database {name}; {args.clients} clients x {args.seconds:g}s on "
        f"{args.cases} cases; gunicorn -w {args.workers} on port {port}; "
        f"requests {requests.__version__}")
    create_database(args.database_url)
    env = {**os.environ, "DATABASE_URL": args.database_url,
           "SECRET_KEY": secrets.token_urlsafe(48), "PYTHONUNBUFFERED": "1"}
    env.pop("CASEWORK_ENV", None)  # production settings, as deployed
    env["LOG_FORMAT"] = "text"  # tracebacks() reads the error blocks of a text log
    proc = None
    exit_code = 1
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed", "reference")
        # two organisers and two supervisors (a supervisor never decides their own request);
        # clients share them, half of the clients acting as supervisors
        users = ([{"email": f"organiser{i}@soak.casework.vn", "role": "organiser"}
                  for i in range(2)]
                 + [{"email": f"supervisor{i}@soak.casework.vn", "role": "supervisor"}
                    for i in range(2)])
        flask_parallel(env, [("users", "create", u["email"], "--name", f"Soak {u['email']}",
                              "--role", u["role"], "--unit", UNIT, "--password", PASSWORD)
                             for u in users])
        outputs = flask_parallel(env, [("users", "token", u["email"]) for u in users])
        for user, out in zip(users, outputs):
            user["token"] = out.strip().splitlines()[-1].strip()
        log(f"set up {len(users)} users in {time.monotonic() - started:.1f}s")

        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "-w", str(args.workers),
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "30", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=gunicorn_log.open("w"), stderr=subprocess.STDOUT)
        wait_until_up(base, users[0]["token"], proc, gunicorn_log)

        organisers = [u["email"] for u in users if u["role"] == "organiser"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {users[0]['token']}"
        case_ids = []
        for i in range(args.cases):
            resp = session.post(base + "/cases", timeout=30,
                                json=new_case_body(rng, organisers[i % len(organisers)], f"s{i}"))
            if resp.status_code != 201:
                raise SystemExit(f"creating a case failed: {resp.status_code} {resp.text}")
            case_ids.append(resp.json()["id"])
        log(f"gunicorn up, {len(case_ids)} cases; racing for {args.seconds:g}s")

        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        clients = []
        for i in range(args.clients):
            kwargs = {"index": i, "base": base, "user": users[2 * (i % 2) + (i // 2) % 2],
                      "organisers": organisers, "case_ids": case_ids,
                      "target_active": args.cases, "deadline": 0.0,
                      "max_requests": args.max_requests, "seed": rng.randrange(10**9)}
            clients.append((kwargs, ctx.Process(target=_client_entry,
                                                args=(kwargs, results, args.seconds))))
        race_started = time.monotonic()
        for _, p in clients:
            p.start()
        reports = []
        while len(reports) < len(clients):
            try:
                reports.append(results.get(timeout=args.seconds + 120))
            except queue.Empty:
                break
        for _, p in clients:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
        race_seconds = time.monotonic() - race_started
        log(f"clients done in {race_seconds:.1f}s; stopping gunicorn")
        rc = stop_gunicorn(proc)

        # ---- tally
        by_status = collections.Counter()
        by_action = collections.Counter()
        failures, crashes = [], []
        done = created = 0
        for report in reports:
            if "crash" in report:
                crashes.append(report)
                continue
            done += report["done"]
            created += report["created"]
            by_status.update({str(k): v for k, v in report["by_status"].items()})
            by_action.update({tuple(json.loads(k)): v for k, v in report["by_action"].items()})
            failures.extend(report["failures"])
        missing = len(clients) - len(reports)
        server_errors = sum(v for k, v in by_status.items() if k.isdigit() and int(k) >= 500)
        no_response = by_status.get("no response", 0)

        violations, notes, facts = check_invariants(args.database_url)
        log_text = gunicorn_log.read_text(errors="replace")
        errors_in_log = tracebacks(log_text)
        if crashes:
            violations += [f"client {c['index']} crashed: {c['error']}" for c in crashes]
        if missing:
            violations.append(f"{missing} client(s) reported nothing")
        if rc not in (0, None):
            violations.append(f"gunicorn exited with {rc}")

        # ---- report
        print()
        print("=" * 72)
        print(f"casework race soak: seed {seed}, {args.clients} clients, {args.workers} "
              f"gunicorn workers, {race_seconds:.1f}s, {args.cases} active cases kept")
        print("=" * 72)
        print(f"{'requests done':<34}{done:>10}   ({done / max(race_seconds, 0.001):.0f}/s)")
        for status in sorted(by_status, key=lambda s: (not s.isdigit(), s)):
            print(f"{'  status ' + status:<34}{by_status[status]:>10}")
        print(f"{'conflicts (409) returned':<34}{by_status.get('409', 0):>10}")
        print(f"{'refusals (422) returned':<34}{by_status.get('422', 0):>10}")
        print(f"{'server errors (5xx)':<34}{server_errors:>10}")
        print(f"{'requests with no response':<34}{no_response:>10}")
        print(f"{'cases (created during the run)':<34}{facts['cases']:>10}   ({created})")
        print(f"{'state changes in the history':<34}{facts['transitions']:>10}")
        print(f"{'steps logged':<34}{facts['steps']:>10}")
        print(f"{'approval requests':<34}{sum(facts['approvals'].values()):>10}   "
              + ", ".join(f"{k} {v}" for k, v in sorted(facts["approvals"].items())))
        print("final states: " + ", ".join(f"{k} {v}" for k, v in sorted(facts["states"].items())))
        print("-" * 72)
        print("by action (status, code):")
        actions = collections.defaultdict(list)
        for (action, status, code), count in sorted(by_action.items(), key=lambda kv: str(kv[0])):
            actions[action].append(f"{status}{' ' + code if code else ''}: {count}")
        for action in sorted(actions):
            print(f"  {action:<30}" + "; ".join(actions[action]))
        print("-" * 72)
        print(f"{'invariant violations':<34}{len(violations):>10}")
        for v in violations[:50]:
            print(f"  - {v}")
        if len(violations) > 50:
            print(f"  ... and {len(violations) - 50} more")
        if notes:
            print(f"notes (not counted as violations): {len(notes)}")
            for n in notes[:10]:
                print(f"  - {n}")
            if len(notes) > 10:
                print(f"  ... and {len(notes) - 10} more")
        if failures:
            print("failed requests (first 5):")
            for f in failures[:5]:
                print("  " + json.dumps(f, ensure_ascii=False)[:800])
        if errors_in_log:
            print("errors in gunicorn's log (" + str(gunicorn_log) + "):")
            for block in errors_in_log:
                print("  " + "\n  ".join(app_frames(block)))
        ok = not violations and server_errors == 0 and no_response == 0
        print("=" * 72)
        print(("PASS" if ok else "FAIL") + f" ({time.monotonic() - started:.1f}s in all)")
        exit_code = 0 if ok else 1
        if ok:
            gunicorn_log.unlink(missing_ok=True)
            workdir.rmdir()
        else:
            print(f"gunicorn's log kept in {gunicorn_log}")
    finally:
        if proc is not None and proc.poll() is None:
            stop_gunicorn(proc)
        if args.keep:
            log(f"kept the database {name}")
        else:
            drop_database(args.database_url)
    return exit_code


def _client_entry(kwargs: dict, results, seconds: float) -> None:
    # the deadline is taken in the child, on its own monotonic clock, once it has started
    kwargs = {**kwargs, "deadline": time.monotonic() + seconds}
    client_main(kwargs, results)


if __name__ == "__main__":
    sys.exit(main())
