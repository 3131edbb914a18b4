#!/usr/bin/env python3
"""Benchmark of the application register (issue 13): it prints figures, it asserts nothing.

    .venv/bin/python bench/applications.py [--database-url URL] [--applications 2000]
                                           [--iterations 200] [--posts 10000]

On a scratch database (a fresh SQLite file under instance/bench/ unless --database-url names
another, whose tables are then dropped and created again: never point it at data you keep), it
builds one case with --applications applications (some verified, some flagged as duplicates,
phones shared with another open case) and an open application link, then measures, through the
Flask test client in this process (time.perf_counter around each request, after a warm-up), as
bench/run.py does:

  * the register page (`GET /cases/<id>/register`, the organiser: 50 rows, the counts, the
    link, every viewing audited), p50 and p95, and the SQL statements one page issues;
  * the public form, `GET /apply/<token>` and `POST /apply/<token>` (a valid application each
    time), p50 and p95;
  * --posts online applications posted in a row, and this process's peak RSS (VmHWM) before
    and after: the memory one worker needs to take them.

Goals (p95): register page < 30 ms, public form < 20 ms; a worker under 300 MB.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import peak_rss_mb, percentile, timed  # noqa: E402  (after the path)

GOALS_MS = {"register page": 30.0, "public form GET": 20.0, "public form POST": 20.0}
WORKER_MB_GOAL = 300.0
DEFAULT_SQLITE = ROOT / "instance" / "bench" / "applications.sqlite"
_TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--database-url", help="a scratch database (its tables are dropped); "
                        f"default: a fresh SQLite file, {DEFAULT_SQLITE.relative_to(ROOT)}")
    parser.add_argument("--applications", type=int, default=2000,
                        help="applications in the case's register (default 2000)")
    parser.add_argument("--iterations", type=int, default=200,
                        help="timed requests per page (default 200)")
    parser.add_argument("--posts", type=int, default=10_000,
                        help="online applications posted in a row (default 10000)")
    return parser.parse_args(argv)


def make_app(url: str, outbox: Path):
    import logging

    from casework import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-applications",
                      "ENVIRONMENT": "production", "RATELIMIT_ENABLED": False,
                      "MAIL_SERVER": None, "MAIL_OUTBOX_DIR": str(outbox),
                      "ATTACHMENTS_DIR": str(outbox / "attachments")})
    logging.disable(logging.INFO)  # the access log to the terminal would be measured
    return app


def build(app, applications: int) -> tuple[int, int, str]:
    """(the case's id, its organiser's id, the link's token)."""
    from casework.extensions import db
    from casework.schemas.applications import ApplicationInput, load
    from casework.services.application_links import open_link
    from casework.services.applications import add_application, change_status
    from casework.services.reference import seed_reference
    from casework.services.settings import set_setting
    from casework.transaction import commit
    from tests.helpers import make_case, make_team

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_reference()
        db.session.commit()
        team = make_team()
        case, other = make_case(team.organiser), make_case(team.organiser)
        # people change jobs: a tenth of the phones applied at another open case too
        for n in range(0, applications, 10):
            add_application(other, team.organiser, load(ApplicationInput, {
                "full_name": f"Người Khác {n}", "phone": f"09{n:08d}"}))
        commit()
        for n in range(applications):
            values = {"full_name": f"Nguyễn Văn {n}", "phone": f"09{n:08d}",
                      "birth_date": f"19{70 + n % 30}-0{1 + n % 9}-1{n % 10}",
                      "job": "Công nhân may", "gender": "female" if n % 2 else "male"}
            if n % 50 == 49:   # a possible duplicate of the one before it
                values["phone"] = f"09{n - 1:08d}"
            application = add_application(case, team.organiser, load(ApplicationInput, values))
            if n % 4 == 0:
                db.session.flush()
                change_status(application, team.organiser, status="verified",
                              version=application.version)
            if n % 200 == 199:
                commit()
        commit()
        set_setting("online_applications_per_link_per_day", 10_000_000)
        token = open_link(case, team.organiser).token
        commit()
        ids = case.id, team.organiser.id
        db.session.remove()
    return ids[0], ids[1], token


def signed_in(app, user_id: int):
    from casework.extensions import db
    from casework.models import User
    client = app.test_client()
    with app.app_context():
        user_session = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_session
        session["_fresh"] = True
    return client


def statements_of(app, call) -> int:
    """How many SQL statements `call()` issues."""
    import sqlalchemy as sa

    from casework.extensions import db
    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def timed_both(call, n: int, warmup: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `call(i)`, wall clock and this process's CPU time: on a shared machine
    the wall clock also counts the time other processes held the CPU, the CPU time does not."""
    cpu: list[float] = []

    def one(i):
        started = time.process_time()
        call(i)
        if i >= 0:
            cpu.append((time.process_time() - started) * 1000)
    return timed(one, n, warmup), cpu


def figure(name: str, samples: tuple[list[float], list[float]]) -> str:
    wall, cpu = samples
    p50, p95 = percentile(wall, 0.5), percentile(wall, 0.95)
    goal = GOALS_MS[name]
    return (f"| {name} | {p50:.1f} | {p95:.1f} | {percentile(cpu, 0.5):.1f} | "
            f"{percentile(cpu, 0.95):.1f} | < {goal:.0f}: {'met' if p95 < goal else 'MISSED'} |")


def vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-applications-"))
    if args.database_url:
        url = args.database_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
    else:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_SQLITE.unlink(missing_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
    app = make_app(url, workdir)
    started = time.perf_counter()
    case_id, organiser_id, token = build(app, args.applications)
    print(f"built a case of {args.applications} applications in "
          f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})", file=sys.stderr)

    organiser = signed_in(app, organiser_id)
    page = f"/cases/{case_id}/register"

    def register(_i):
        response = organiser.get(page)
        assert response.status_code == 200, response.status_code

    public = app.test_client()
    apply_url = f"/apply/{token}"

    def form(_i):
        response = public.get(apply_url)
        assert response.status_code == 200, response.status_code

    csrf = _TOKEN.search(public.get(apply_url).data).group(1).decode()
    serial = iter(range(10**9))

    def post(_i):
        n = next(serial)
        response = public.post(apply_url, data={
            "csrf_token": csrf, "full_name": f"Trần Thị {n}", "phone": f"03{n:08d}",
            "nationality": "VN", "consent": "yes", "website": ""})
        assert response.status_code == 200, (response.status_code, response.data[:300])

    n, warmup = args.iterations, max(5, args.iterations // 10)
    rows = [figure("register page", timed_both(register, n, warmup)),
            figure("public form GET", timed_both(form, n, warmup)),
            figure("public form POST", timed_both(post, n, warmup))]
    queries = statements_of(app, lambda: register(0))

    rss_before, peak_before = vm("VmRSS"), peak_rss_mb(int(Path("/proc/self/stat")
                                                         .read_text().split()[0]))
    started = time.perf_counter()
    for i in range(args.posts):
        post(i)
    seconds = time.perf_counter() - started
    rss_after, peak_after = vm("VmRSS"), vm("VmHWM")

    print(f"\n{args.applications} applications in the register, {n} timed requests each "
          f"after {warmup} untimed\n")
    print(f"load average {Path('/proc/loadavg').read_text().split()[0]} on "
          f"{os.cpu_count()} CPUs\n")
    print("| what | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | goal p95 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\nregister page: {queries} SQL statements a page")
    print(f"{args.posts} online posts in a row: {seconds:.1f} s "
          f"({args.posts / seconds:.0f}/s); RSS {rss_before:.0f} MB before, "
          f"{rss_after:.0f} MB after; peak RSS {peak_before:.0f} MB before, "
          f"{peak_after:.0f} MB after (goal < {WORKER_MB_GOAL:.0f} MB: "
          f"{'met' if peak_after < WORKER_MB_GOAL else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
