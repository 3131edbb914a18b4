#!/usr/bin/env python3
"""National-scale benchmark: one small server must carry the whole country.

    .venv/bin/python bench/run.py [--databases sqlite,postgresql] [--reuse] [--quick]
                                  [--iterations 100] [--throughput-seconds 10]
                                  [--import-rows 100000] [--skip-import] [--skip-throughput]

For each database it seeds (unless --reuse finds the data already there) the national data set
(`flask demo seed --scale national`: 34 provinces, ~300 units, 2,000 users, 200,000 cases,
~2,000,000 steps, ~660,000 history rows) into a scratch database — the SQLite file
instance/bench/national.sqlite and the PostgreSQL database of --pg-url (default `bench_pg`) —
brings it to the head migration (`flask db upgrade`) and runs ANALYZE, then measures:

  * server time, p50 and p95 over --iterations requests after a warm-up, through the Flask test
    client in this process (time.perf_counter around each request), signed in as a real user:
    the case list's first page (a supervisor of LDLD-79, the largest province), the list filtered
    by province (a VGCL leader, every province in turn), a text search (a VGCL leader: all
    200,000 cases; names typed without diacritics, tax codes, a word found nowhere), a case's
    page, the pipeline dashboard by province (a VGCL leader), and a transition through the JSON
    API (`start_outreach` on a different identified case each time, with its version);
  * the raw `SELECT province_id, state, count(*) … GROUP BY` the pipeline stands on, timed the
    same way, and the ratio of the pipeline page's p50 to it;
  * throughput: the app under gunicorn (2 sync workers), and then a bare Flask "hello" app under
    the same gunicorn settings, each loaded for --throughput-seconds by `wrk` (or, without wrk,
    Python threads), and the ratio of the case list's requests/s to hello's; then the peak RSS
    (VmHWM) of the app's workers, which by then have also served every page measured above;
  * the import of --import-rows valid enterprises (CSV) with `flask import enterprises`, as a
    child process, into a copy of the national database (so reruns start from the same data):
    wall time and the child's peak RSS (os.wait4).

It prints one table per database (markdown, for the README), and exits 0 even when a goal is
missed: it measures, the README explains. Not part of `make test`.

Note: the transitions are fired on the national database itself (a few hundred `identified`
cases move to `outreach` per run); --reuse therefore measures slightly different data each run.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.soak import (admin_url, database_name, free_port,  # noqa: E402  (after the path)
                          stop_gunicorn)

DEFAULT_SQLITE = ROOT / "instance" / "bench" / "national.sqlite"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_pg"
# databases other people use: never create, drop or write to them
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1", "casework_dev"}
PROVINCE_UNIT = "LDLD-79"           # the largest province: the heaviest provincial list
NATIONAL_CASES = 200_000

# goals of the issue, in milliseconds (p95) unless said otherwise
GOALS = {
    "list_first_page": 30.0, "list_province": 30.0, "list_search": 30.0, "case_detail": 30.0,
    "pipeline": 50.0, "pipeline_page": 50.0, "transition": 20.0,
    "membership_page": 50.0, "targets_api": 50.0,     # issue 14
}
IMPORT_SECONDS_GOAL = 60.0
WORKER_MB_GOAL = 300.0
THROUGHPUT_RATIO_GOAL = 0.20


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- statistics

def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, PostgreSQL's
    percentile_cont): percentile([1, 2, 3, 4], 0.5) == 2.5."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Row:
    """One line of a result table."""
    metric: str
    p50: str
    p95: str
    goal: str
    met: bool | None          # None: informational, no goal

    def cells(self) -> list[str]:
        mark = "—" if self.met is None else ("yes" if self.met else "**no**")
        return [self.metric, self.p50, self.p95, self.goal, mark]


@dataclass
class Result:
    database: str
    version: str
    counts: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def latency(self, key: str, label: str, samples: list[float]) -> None:
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        goal = GOALS.get(key)
        self.raw[key] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "n": len(samples)}
        self.rows.append(Row(label, f"{p50:.1f} ms", f"{p95:.1f} ms",
                             f"p95 < {goal:g} ms" if goal else "—",
                             None if goal is None else p95 < goal))

    def table(self) -> str:
        header = ["metric", "p50", "p95", "goal", "met"]
        lines = [f"#### {self.database} ({self.version}): "
                 + ", ".join(f"{v:,} {k}" for k, v in self.counts.items()), "",
                 "| " + " | ".join(header) + " |",
                 "|" + "|".join([" --- "] * len(header)) + "|"]
        lines += ["| " + " | ".join(r.cells()) + " |" for r in self.rows]
        return "\n".join(lines)


# --------------------------------------------------------------------------- databases

@dataclass
class Target:
    name: str          # "sqlite" | "postgresql"
    url: str           # as DATABASE_URL takes it

    @property
    def sqlalchemy_url(self) -> str:
        if self.url.startswith("postgresql://"):
            return "postgresql+psycopg://" + self.url[len("postgresql://"):]
        return self.url

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url[len("sqlite:///"):])


def cli_env(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "CASEWORK_ENV": "development",
           "PYTHONUNBUFFERED": "1"}
    env.pop("FLASK_APP", None)
    return env


def flask(url: str, *args: str, timeout: float = 1800, log_path: Path | None = None) -> str:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(command, cwd=ROOT, env=cli_env(url), stdout=out,
                                stderr=subprocess.STDOUT, text=True, timeout=timeout,
                                check=False)
        out.seek(0)
        text = out.read()
    if log_path is not None:
        log_path.write_text(text)
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({result.returncode}):\n{text[-3000:]}")
    return text


def pg_admin(url: str):
    import psycopg
    return psycopg.connect(admin_url(url), autocommit=True)


def pg_exists(url: str) -> bool:
    with pg_admin(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (database_name(url),)).fetchone() is not None


def _own_database(url: str) -> str:
    name = database_name(url)
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to touch the database {name!r}")
    return name


def pg_drop(url: str) -> None:
    from psycopg import sql
    name = _own_database(url)
    with pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def pg_recreate(url: str, template: str | None = None) -> None:
    from psycopg import sql
    name = _own_database(url)
    pg_drop(url)
    with pg_admin(url) as conn:
        if template:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)))
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def national_counts(target: Target) -> dict | None:
    """Row counts when the national data set is there, else None."""
    import sqlalchemy as sa
    if target.name == "sqlite" and not target.sqlite_path.exists():
        return None
    if target.name == "postgresql" and not pg_exists(target.url):
        return None
    engine = sa.create_engine(target.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if not {"cases", "steps", "audit_entries", "org_units"} <= tables:
                return None
            if conn.execute(sa.text("SELECT count(*) FROM org_units WHERE code LIKE 'CDX-%'")
                            ).scalar() == 0:
                return None
            return {name: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                    for name, table in (("cases", "cases"), ("steps", "steps"),
                                        ("history rows", "audit_entries"),
                                        ("users", "users"), ("units", "org_units"))}
    finally:
        engine.dispose()


def prepare(target: Target, reuse: bool, workdir: Path) -> dict:
    """The national data set at the head migration, analysed; returns its row counts."""
    counts = national_counts(target) if reuse else None
    if counts is None or counts["cases"] < NATIONAL_CASES:
        log(f"{target.name}: seeding the national data set (a few minutes)")
        if target.name == "sqlite":
            target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(str(target.sqlite_path) + suffix).unlink(missing_ok=True)
        else:
            pg_recreate(target.url)
        started = time.monotonic()
        flask(target.url, "db", "upgrade", "heads")
        flask(target.url, "demo", "seed", "--scale", "national", timeout=3600,
              log_path=workdir / f"seed-{target.name}.log")
        log(f"{target.name}: seeded in {time.monotonic() - started:.0f}s")
    else:
        log(f"{target.name}: reusing the national data set ({counts['cases']:,} cases)")
    flask(target.url, "db", "upgrade", "heads")      # the indexes of newer migrations
    analyse(target)
    return national_counts(target)


def analyse(target: Target) -> None:
    """Planner statistics, as an operator keeps them (autovacuum; `PRAGMA optimize`)."""
    if target.name == "sqlite":
        with sqlite3.connect(target.sqlite_path) as conn:
            conn.execute("ANALYZE")
    else:
        import psycopg
        with psycopg.connect(target.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def server_version(target: Target) -> str:
    if target.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg
    with psycopg.connect(target.url) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


# --------------------------------------------------------------------------- in-process timings

def timed(call, n: int, warmup: int) -> list[float]:
    """Milliseconds of `call(i)` for i in range(n), after `warmup` untimed calls."""
    for i in range(warmup):
        call(-1 - i)
    samples = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def make_app(target: Target, secret: str, outbox: Path):
    import logging

    from casework import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": target.sqlalchemy_url, "SECRET_KEY": secret,
                      "ENVIRONMENT": "production", "RATELIMIT_ENABLED": False,
                      "MAIL_SERVER": None, "MAIL_OUTBOX_DIR": str(outbox)})
    # the access log is still written (its cost is part of a request), to a file, not stderr
    sink = (outbox.parent / f"app-{target.name}.log").open("a")
    for logger in [logging.getLogger(), app.logger,
                   *[logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stderr,
                                                                                 sys.stdout):
                handler.setStream(sink)
    # as wsgi.py does in every worker: what start-up made stays out of the collector's passes
    import gc
    gc.collect()
    gc.freeze()
    return app


@dataclass
class Actors:
    supervisor_id: int          # a supervisor of LDLD-79 itself (the whole province)
    leader_id: int              # a leader of the VGCL (the whole country)
    supervisor_email: str
    detail_ids: list[int]       # cases of LDLD-79's subtree with steps and history
    transition_cases: list[tuple[int, int]]   # (id, version) of identified grassroots cases
    provinces: list[str]
    searches: list[str]
    token: str                  # the supervisor's API token
    leader_token: str           # the VGCL leader's
    union_codes: list[str] = field(default_factory=list)   # grassroots unions of LDLD-79


def find_actors(app, transitions_needed: int) -> Actors:
    import sqlalchemy as sa

    from casework.extensions import db
    from casework.models import Case, Enterprise, OrgUnit, Province, User
    from casework.services.users import issue_token

    with app.app_context():
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == PROVINCE_UNIT))
        vgcl = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.is_root))
        supervisor = db.session.scalar(sa.select(User).where(
            User.role == "supervisor", User.unit_id == unit.id, User.active).order_by(User.id))
        leader = db.session.scalar(sa.select(User).where(
            User.role == "leader", User.unit_id == vgcl.id, User.active).order_by(User.id))
        subtree = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))
        detail_ids = list(db.session.scalars(
            sa.select(Case.id).where(Case.unit_id.in_(subtree), Case.state == "mobilising")
            .order_by(Case.id).limit(200)))
        transition_cases = [tuple(r) for r in db.session.execute(
            sa.select(Case.id, Case.version).where(
                Case.unit_id.in_(subtree), Case.state == "identified",
                Case.kind == "grassroots", Case.organiser_id.is_not(None))
            .order_by(Case.id.desc()).limit(transitions_needed))]
        provinces = sorted(db.session.scalars(sa.select(Province.code)))
        rng = random.Random(6)
        taxes = list(db.session.scalars(
            sa.select(Enterprise.tax_code).order_by(Enterprise.id).limit(5000)))
        # typed as people type them: no diacritics, a wrong-accent spelling, a tax code, a word
        # found nowhere (the worst case for a scan)
        searches = ["may mac hung thinh", "Giày da Sài Gòn 12", "dien tu thang long",
                    "go binh minh 7", "cong ty tnhh det", "khong co doanh nghiep nay",
                    *rng.sample(taxes, 4)]
        token, leader_token = issue_token(supervisor), issue_token(leader)
        db.session.commit()
        union_codes = list(db.session.scalars(
            sa.select(OrgUnit.code).where(OrgUnit.path.startswith(unit.path),
                                          OrgUnit.type == "grassroots")
            .order_by(OrgUnit.id).limit(200)))
        actors = Actors(supervisor.id, leader.id, supervisor.email, detail_ids,
                        transition_cases, provinces, searches, token, leader_token,
                        union_codes)
        db.session.remove()
    return actors


def session_user_id(app, user_id: int) -> str:
    """What a session cookie carries for the user: Flask-Login's id, with its generation."""
    from casework.extensions import db
    from casework.models import User
    with app.app_context():
        return db.session.get(User, user_id).get_id()


def signed_in_client(app, user_id: int):
    client = app.test_client()
    user_session = session_user_id(app, user_id)
    with client.session_transaction() as session:
        session["_user_id"] = user_session
        session["_fresh"] = True
    return client


def measure_in_process(target: Target, result: Result, actors: Actors, app, args) -> None:
    import sqlalchemy as sa

    from casework.extensions import db

    n, warmup = args.iterations, args.warmup
    supervisor = signed_in_client(app, actors.supervisor_id)
    leader = signed_in_client(app, actors.leader_id)

    def get(client, url):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}\n{response.get_data(True)[:500]}")
        return response

    log(f"{target.name}: case list")
    result.latency("list_first_page", f"case list, first page ({PROVINCE_UNIT} supervisor)",
                   timed(lambda i: get(supervisor, "/cases"), n, warmup))
    provinces = actors.provinces
    result.latency("list_province", "case list filtered by province (VGCL leader)",
                   timed(lambda i: get(leader, f"/cases?province={provinces[i % len(provinces)]}"),
                         n, warmup))
    searches = actors.searches
    result.latency("list_search", "case list, text search (VGCL leader, all cases)",
                   timed(lambda i: get(leader, "/cases?q=" + searches[i % len(searches)]),
                         n, warmup))
    details = actors.detail_ids
    result.latency("case_detail", "case detail (supervisor)",
                   timed(lambda i: get(supervisor, f"/cases/{details[i % len(details)]}"),
                         n, warmup))

    log(f"{target.name}: pipeline")
    leader_api = {"Authorization": f"Bearer {actors.leader_token}"}
    api_reader = app.test_client()

    def pipeline_json(i):
        response = api_reader.get("/api/v1/pipeline?by=province", headers=leader_api)
        if response.status_code != 200:
            raise SystemExit(f"pipeline API: {response.status_code}")
    pipeline = timed(pipeline_json, n, warmup)
    result.latency("pipeline", "pipeline by province, API (VGCL leader)", pipeline)
    result.latency("pipeline_page", "pipeline dashboard page by province, with target progress",
                   timed(lambda i: get(leader, "/leadership/pipeline?by=province"), n, warmup))
    raw_sql = sa.text("SELECT province_id, state, count(*) FROM cases "
                      "GROUP BY province_id, state")
    with app.app_context():
        with db.engine.connect() as conn:
            raw = timed(lambda i: conn.execute(raw_sql).all(), n, warmup)
        db.engine.dispose()
    result.latency("raw_group_by", "raw `SELECT province_id, state, count(*) … GROUP BY`", raw)
    ratio = percentile(pipeline, 0.5) / percentile(raw, 0.5)
    result.raw["pipeline_over_raw"] = round(ratio, 2)
    result.rows.append(Row("pipeline p50 ÷ raw GROUP BY p50", f"× {ratio:.1f}", "", "—", None))

    log(f"{target.name}: membership")
    unions = actors.union_codes
    if unions:
        result.latency("membership_page", "a union's membership page (supervisor)",
                       timed(lambda i: get(supervisor, f"/membership/units/"
                                                       f"{unions[i % len(unions)]}"), n, warmup))

    def targets_json(i):
        response = api_reader.get("/api/v1/targets", headers=leader_api)
        if response.status_code != 200:
            raise SystemExit(f"targets API: {response.status_code}")
    result.latency("targets_api", "targets API with members (VGCL leader)",
                   timed(targets_json, n, warmup))

    log(f"{target.name}: transitions")
    cases = actors.transition_cases
    if len(cases) < n + warmup:
        raise SystemExit(f"only {len(cases)} identified cases left for the transitions")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {actors.token}"}

    def fire(i):
        case_id, version = cases[i if i >= 0 else n - 1 - i]
        response = api.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                            json={"trigger": "start_outreach", "version": version,
                                  "comment": "bench"})
        if response.status_code != 200:
            raise SystemExit(f"transition on case {case_id}: {response.status_code} "
                             f"{response.get_data(True)[:300]}")
    result.latency("transition", "transition through the API (start_outreach)",
                   timed(fire, n, warmup))


# --------------------------------------------------------------------------- gunicorn

def gunicorn(app_path: str, env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app_path, "-w", "2", "-k", "sync",
         "-b", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "10"],
        cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not start:\n{log_path.read_text()}")


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children")
                .read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(url: str, cookie: str | None, seconds: float, connections: int = 4) -> float:
    """Requests per second of `url` under `connections` concurrent clients."""
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s",
                              *headers, url], capture_output=True, text=True, check=True).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise SystemExit(f"wrk {url}: {errors.group(1)} error responses\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return _load_with_threads(url, cookie, seconds, connections)


def _load_with_threads(url: str, cookie: str | None, seconds: float, connections: int) -> float:
    import http.client
    import threading
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    counts = [0] * connections
    deadline = time.monotonic() + seconds

    def client(index):
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                         headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{url}: {response.status}")
            counts[index] += 1
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def measure_gunicorn(target: Target, result: Result, actors: Actors, app, secret: str,
                     workdir: Path, args) -> None:
    import requests
    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]

    def cookie(user_id: int) -> str:
        user_session = session_user_id(app, user_id)
        return f"{cookie_name}={serializer.dumps({'_user_id': user_session, '_fresh': True})}"

    env = {**os.environ, "DATABASE_URL": target.url, "SECRET_KEY": secret,
           "PYTHONUNBUFFERED": "1", "RATELIMIT_ENABLED": "0"}
    env.pop("CASEWORK_ENV", None)   # production settings, as deployed
    proc, base = gunicorn("wsgi:app", env, workdir / f"gunicorn-{target.name}.log")
    try:
        # every page measured above, a few times each, so the workers' peak memory covers them
        session = requests.Session()
        warm = [(actors.supervisor_id, "/cases"), (actors.leader_id, "/cases?province=79"),
                (actors.leader_id, "/cases?q=may+mac"),
                (actors.leader_id, "/leadership/pipeline?by=province"),
                (actors.leader_id, "/leadership/pipeline?by=unit"),
                *[(actors.supervisor_id, f"/cases/{i}") for i in actors.detail_ids[:10]]]
        for _round in range(4):
            for user_id, path in warm:
                response = session.get(base + path, headers={"Cookie": cookie(user_id)},
                                       timeout=60, allow_redirects=False)
                if response.status_code != 200:
                    raise SystemExit(f"gunicorn GET {path}: {response.status_code}")
        log(f"{target.name}: throughput of the case list for {args.throughput_seconds:g}s")
        app_rps = load(base + "/cases", cookie(actors.supervisor_id), args.throughput_seconds)
        peak = max((peak_rss_mb(pid) for pid in worker_pids(proc.pid)), default=0.0)
    finally:
        stop_gunicorn(proc)
    hello_proc, hello_base = gunicorn("bench.hello:app", env, workdir / "gunicorn-hello.log")
    try:
        log(f"{target.name}: throughput of the hello route for {args.throughput_seconds:g}s")
        hello_rps = load(hello_base + "/", None, args.throughput_seconds)
    finally:
        stop_gunicorn(hello_proc)
    ratio = app_rps / hello_rps
    result.raw.update(list_rps=round(app_rps, 1), hello_rps=round(hello_rps, 1),
                      throughput_ratio=round(ratio, 3), worker_peak_mb=round(peak, 1))
    result.rows.append(Row("case list throughput ÷ hello route (gunicorn, 2 sync workers)",
                           f"{ratio:.0%}", f"{app_rps:.0f} vs {hello_rps:.0f} req/s",
                           f"≥ {THROUGHPUT_RATIO_GOAL:.0%}", ratio >= THROUGHPUT_RATIO_GOAL))
    result.rows.append(Row("peak RSS of a gunicorn worker (after every page above)",
                           f"{peak:.0f} MB", "", f"< {WORKER_MB_GOAL:g} MB",
                           peak < WORKER_MB_GOAL))


# --------------------------------------------------------------------------- the import

def import_csv(path: Path, rows: int) -> Path:
    """`rows` valid enterprises with valid tax codes none of the national data set uses."""
    from casework.services.enterprises import tax_code_with_check_digit
    from casework.seed.national import PROVINCE_WEIGHTS
    if path.exists() and sum(1 for _ in path.open(encoding="utf-8")) == rows + 1:
        return path
    rng = random.Random(100_000)
    provinces = sorted(PROVINCE_WEIGHTS)
    weights = [PROVINCE_WEIGHTS[c] for c in provinces]
    sectors = ("textile_garment", "footwear", "electronics", "construction", "logistics",
               "food_processing", "other")
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "tax_code", "province", "workforce", "ownership", "sector",
                         "address", "women", "foreign_workers"])
        body, written = 100_000_000, 0   # the national seed's codes start at 800,000,000
        while written < rows:
            body += 1
            code = tax_code_with_check_digit(f"{body:09d}")
            if not code:
                continue
            workforce = rng.randint(25, 3000)
            ownership = rng.choice(("private", "private", "fdi", "state"))
            writer.writerow([f"Công ty TNHH Nhập Khẩu {written + 1}", code,
                             rng.choices(provinces, weights)[0], workforce, ownership,
                             rng.choice(sectors), f"Lô {rng.randint(1, 99)}, KCN",
                             workforce // 2, rng.randint(0, 3) if ownership == "fdi" else 0])
            written += 1
    return path


def measure_import(target: Target, result: Result, actors: Actors, workdir: Path,
                   args) -> None:
    source = import_csv(workdir / f"enterprises-{args.import_rows}.csv", args.import_rows)
    if target.name == "sqlite":
        copy = target.sqlite_path.with_name("import-copy.sqlite")
        copy.unlink(missing_ok=True)
        # SQLite's backup API, not a file copy: the database is in WAL mode, and the pages
        # still in its -wal file would be missing from a copy of the main file alone
        original, replica = sqlite3.connect(target.sqlite_path), sqlite3.connect(copy)
        try:
            original.backup(replica)
        finally:
            replica.close()
            original.close()
        copy_url = f"sqlite:///{copy}"
    else:
        copy_url = target.url.rsplit("/", 1)[0] + "/" + database_name(target.url) + "_import"
        pg_recreate(copy_url, template=database_name(target.url))
    rejected = Path(f"{source}.rejected.csv")
    rejected.unlink(missing_ok=True)
    try:
        log(f"{target.name}: importing {args.import_rows:,} enterprises")
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "import", "enterprises",
                   str(source), "--unit", PROVINCE_UNIT, "--user", actors.supervisor_email]
        started = time.monotonic()
        with (workdir / f"import-{target.name}.log").open("w") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env=cli_env(copy_url), stdout=out,
                                    stderr=subprocess.STDOUT)
            _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit("the import failed:\n"
                             + (workdir / f"import-{target.name}.log").read_text()[-2000:])
        refused = max(0, sum(1 for _ in rejected.open(encoding="utf-8")) - 1) \
            if rejected.exists() else 0
    finally:
        if target.name == "sqlite":
            Path(copy_url[len("sqlite:///"):]).unlink(missing_ok=True)
        else:
            pg_drop(copy_url)
    peak = usage.ru_maxrss / 1024     # kilobytes on Linux
    goal = IMPORT_SECONDS_GOAL * args.import_rows / 100_000
    result.raw.update(import_seconds=round(seconds, 1), import_peak_mb=round(peak, 1),
                      import_rows=args.import_rows, import_refused=refused)
    result.rows.append(Row(f"import of {args.import_rows:,} enterprises (CLI, into the national "
                           f"data)", f"{seconds:.1f} s", f"{peak:.0f} MB peak RSS"
                           + (f", {refused} refused" if refused else ""),
                           f"< {goal:g} s, < {WORKER_MB_GOAL:g} MB",
                           seconds < goal and peak < WORKER_MB_GOAL and refused == 0))


# --------------------------------------------------------------------------- the run

def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                          .splitlines() if line.startswith("MemTotal:")))
    except (OSError, StopIteration):
        mem_kb = 0
    return (f"{os.cpu_count()} CPU ({cpu}), {mem_kb / 1024 / 1024:.0f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def run_database(target: Target, args, workdir: Path) -> Result:
    counts = prepare(target, args.reuse, workdir)
    result = Result(target.name, server_version(target),
                    counts={k: counts[k] for k in ("cases", "steps", "history rows", "users",
                                                   "units")})
    secret = secrets.token_urlsafe(48)
    app = make_app(target, secret, workdir / "outbox")
    actors = find_actors(app, args.iterations + args.warmup)
    measure_in_process(target, result, actors, app, args)
    with app.app_context():
        from casework.extensions import db
        db.session.remove()
        db.engine.dispose()
    if not args.skip_throughput:
        measure_gunicorn(target, result, actors, app, secret, workdir, args)
    if not args.skip_import:
        measure_import(target, result, actors, workdir, args)
    return result


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="National-scale benchmark of casework on SQLite and PostgreSQL.")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default: both)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a national data set already seeded (else reseed)")
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="a scratch PostgreSQL database (dropped and recreated to seed)")
    parser.add_argument("--iterations", type=int, default=100,
                        help="timed requests per metric (default 100)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--throughput-seconds", type=float, default=10)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="30 iterations, 3 s of load, 10,000 rows imported")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.iterations, args.throughput_seconds, args.import_rows = 30, 3, 10_000
    names = [n.strip() for n in args.databases.split(",") if n.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown or not names:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown)) or '(none)'}")
    args.targets = [Target("sqlite", f"sqlite:///{args.sqlite_path.resolve()}")
                    if n == "sqlite" else Target("postgresql", args.pg_url) for n in names]
    if database_name(args.pg_url) in PROTECTED_DATABASES:
        parser.error(f"--pg-url must name a scratch database, not {database_name(args.pg_url)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    workdir = ROOT / "instance" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    results = [run_database(target, args, workdir) for target in args.targets]
    print(f"\nMachine: {machine()}")
    print(f"Command: {' '.join(['bench/run.py', *(argv if argv is not None else sys.argv[1:])])}"
          f" ({args.iterations} requests per latency after {args.warmup} warm-up; "
          f"{args.throughput_seconds:g} s of load; total {time.monotonic() - started:.0f} s)\n")
    for result in results:
        print(result.table() + "\n")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": [
            {"database": r.database, "version": r.version, "counts": r.counts, **r.raw}
            for r in results]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
