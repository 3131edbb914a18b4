"""Running work outside the web request, on an existing queue.

With REDIS_URL set, jobs go to RQ queues on Redis and `flask jobs worker` runs them (on any
machine); `flask jobs scheduler` queues the periodic ones. A job whose process died (a killed
worker) is marked failed by the sweeper: when a worker starts, every few minutes from the
scheduler, and by `flask jobs sweep`. Without it (`make run` on SQLite) a
thread of the web process runs them, so a newcomer needs nothing else. The "inline" backend
runs a job before `enqueue` returns: for tests and commands.

A job is named by a task: a function registered under its name with `@task("name")` (the
tasks of casework.tasks register when the app is set up). The name is what RQ stores, so a
task keeps its name for the jobs already queued; the worker runs it in a fresh app context.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

from flask import Flask, current_app, has_app_context

from casework.extensions import db
from casework.transaction import after_commit

log = logging.getLogger(__name__)

# notifications go first: a long import never holds up an email
QUEUES = ("default", "long")
LONG_JOB_TIMEOUT = 3 * 3600      # seconds an import or export may take before RQ stops it
ERASURE_CRON = "30 19 * * *"     # 02:30 in Vietnam: the register's erasure job
SWEEP_CRON = "*/5 * * * *"       # when the scheduler looks for jobs whose process died

TASKS: dict[str, Callable] = {}   # name -> function, filled by @task
_threads: list[threading.Thread] = []
_fork_hooked: set[Flask] = set()
_worker_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None


def task(name: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the task `name` (the name stored with each job)."""
    def register(function: Callable) -> Callable:
        if TASKS.setdefault(name, function) is not function:
            raise RuntimeError(f"two tasks are named {name!r}")
        return function
    return register


def backend(app: Flask | None = None) -> str:
    return (app or current_app).config["JOBS_BACKEND"]


def redis_connection(app: Flask | None = None):
    """A client of the configured Redis, or None without REDIS_URL (one per app)."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("casework_redis")
    if client is None:
        from redis import Redis
        client = app.extensions["casework_redis"] = Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=30)
    return client


def queue(name: str = "default", app: Flask | None = None):
    from rq import Queue
    return Queue(name, connection=redis_connection(app))


def queue_depths(app: Flask | None = None) -> dict[str, int]:
    """Jobs waiting in each queue; empty when jobs do not go through Redis."""
    app = app or current_app
    if backend(app) != "rq":
        return {}
    return {name: queue(name, app).count for name in QUEUES}


def enqueue(task: str, *args, queue_name: str = "default",
            retry_intervals: Sequence[int] = ()) -> None:
    """Run the task named `task` with *args in the background. `retry_intervals`: seconds to wait
    before each new attempt when the task raises (none by default)."""
    _task(task)                       # a typo fails here, in the request, not in the worker
    app = current_app._get_current_object()
    mode = backend(app)
    if mode == "rq":
        from rq import Callback, Retry
        queue(queue_name, app).enqueue(
            run, task, *args,
            retry=Retry(max=len(retry_intervals), interval=list(retry_intervals))
            if retry_intervals else None,
            job_timeout=LONG_JOB_TIMEOUT if queue_name == "long" else None,
            on_failure=Callback(_failed_on_rq),
            description=f"casework.tasks.{task}")
    elif mode == "inline":
        _attempts(app, task, args, ())
    elif mode == "thread":
        thread = threading.Thread(target=_attempts, args=(app, task, args, retry_intervals),
                                  name=f"job-{task}", daemon=True)
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
        thread.start()
    else:
        raise RuntimeError(f"JOBS_BACKEND must be rq, thread or inline, not {mode!r}")


def enqueue_after_commit(task: str, *args, queue_name: str = "default",
                         retry_intervals: Sequence[int] = ()) -> None:
    """`enqueue` once the current transaction has committed (the worker then finds the rows
    the task reads), never if it rolls back. Should the queue refuse it then, the task's job is
    recorded failed (the job_failed task), not left waiting forever."""
    _task(task)                       # a typo fails here, before the commit
    app = current_app._get_current_object()

    def start() -> None:
        try:
            enqueue(task, *args, queue_name=queue_name, retry_intervals=retry_intervals)
        except Exception as exc:
            log.exception("queueing job %s failed", task)
            _record_failure(app, task, args, exc)
    after_commit(start)


def wait_for_threads(timeout: float = 30) -> None:
    """Until the jobs this process started in threads have ended (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    for thread in list(_threads):
        thread.join(max(deadline - time.monotonic(), 0))


def _attempts(app: Flask, task: str, args: tuple, retry_intervals: Sequence[int]) -> None:
    for wait in (*retry_intervals, None):
        try:
            _run_in(app, task, args)
            return
        except Exception as exc:
            if wait is None:
                log.exception("job %s failed; no attempts left", task)
                _record_failure(app, task, args, exc)
                return
            log.warning("job %s failed; trying again in %s s", task, wait, exc_info=True)
            time.sleep(wait)


def _failed_on_rq(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's failure callback: the task raised, timed out or its process died."""
    task, *args = rq_job.args
    app = current_app._get_current_object() if has_app_context() else _app_for_worker()
    _record_failure(app, task, tuple(args), exc_value)


def _record_failure(app: Flask, task: str, args: tuple, exc) -> None:
    """What the person waiting on the job's page sees: that it failed, and why."""
    with app.app_context():
        try:
            _task("job_failed")(task, args, f"{type(exc).__name__}: {exc}")
        except Exception:
            log.exception("could not record the failure of job %s", task)
        finally:
            db.session.remove()


def run(task: str, *args):
    """What the RQ worker calls: the task in a fresh app context (its own session)."""
    app = current_app._get_current_object() if has_app_context() else _app_for_worker()
    return _run_in(app, task, args)


def _run_in(app: Flask, task: str, args: tuple):
    with app.app_context():
        try:
            return _task(task)(*args)
        finally:
            db.session.remove()


def _task(name: str) -> Callable:
    try:
        return TASKS[name]
    except KeyError:
        raise LookupError(f"no task named {name!r}") from None


def make_worker_app_with(factory: Callable[[], Flask]) -> None:
    """How a worker started by `rq worker` instead of `flask jobs worker` makes the app it has
    not got: the package hands its factory over when it is imported, which RQ does before it
    imports this module to find `run`."""
    global _app_factory
    _app_factory = factory


def _app_for_worker() -> Flask:
    global _worker_app
    if _worker_app is None:
        if _app_factory is None:
            raise RuntimeError("no app factory: import casework before running its jobs")
        _worker_app = _app_factory()
    return _worker_app


def sweep() -> int:
    """Mark failed the jobs left `running` by a process that died (the sweep_stale_jobs task)."""
    try:
        return _task("sweep_stale_jobs")()
    except Exception:      # never stop a worker from starting
        db.session.rollback()
        log.exception("sweeping the stale jobs failed")
        return 0


def work(*, burst: bool = False, queues: Sequence[str] = QUEUES) -> bool:
    """Run an RQ worker on the queues until stopped (SIGTERM: it finishes the job in hand)."""
    from rq import Worker
    app = current_app._get_current_object()
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inside the web process, no worker "
                           "is needed")
    sweep()    # the jobs a killed worker left running: failed, not running forever
    # each job runs in a forked child: it must open its own database connections
    db.engine.dispose()
    if app not in _fork_hooked:
        os.register_at_fork(after_in_child=lambda: _dispose_inherited_pool(app))
        _fork_hooked.add(app)
    worker = Worker([queue(name, app) for name in queues], connection=connection)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def _dispose_inherited_pool(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose(close=False)


def scheduler(app: Flask | None = None):
    """The periodic jobs, on RQ's cron scheduler (one per installation)."""
    from rq.cron import CronScheduler
    app = app or current_app
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("REDIS_URL is not set: run `flask notify overdue` from cron instead")
    cron = CronScheduler(connection=connection, logging_level="INFO")
    cron.register(run, queue_name="default", args=("send_overdue_digest",),
                  cron=app.config["OVERDUE_DIGEST_CRON"], name="overdue_digest")
    cron.register(run, queue_name="default", args=("sweep_stale_jobs",),
                  cron=SWEEP_CRON, name="sweep_jobs")
    cron.register(run, queue_name="default", args=("erase_closed_applications",),
                  cron=ERASURE_CRON, name="erase_closed_applications")
    return cron


def schedule() -> None:
    """Queue the periodic jobs when they fall due, until stopped (SIGTERM or Ctrl-C)."""
    scheduler().start()
