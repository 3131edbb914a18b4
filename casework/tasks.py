"""The work that runs as background jobs (casework.jobs runs them, each in its own app context).

Each function registers under its name with `@task` (the name RQ stores with a queued job:
never rename one); the app imports this module once when it is set up (casework.create_app).

Each task takes plain arguments (ids), loads what it needs, and commits its own work. A task
that raises is tried again when it was queued with retry intervals (mail) — so a task must be
safe to run twice: an import or export already started is not started again.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from casework import clock
from casework.errors import DomainError
from casework.extensions import db
from casework.jobs import task
from casework.mail import deliver
from casework.models import Job, Notification
from casework.services import exports, imports
from casework.services.notifications import daily_overdue_digest
from casework.services.pdf import make_pdf
from casework.services.application_files import erase_closed_not_feasible
from casework.services.queries import CaseFilters

log = logging.getLogger(__name__)


class MailNotSent(RuntimeError):
    """Raised so the queue tries again later; the notifications keep their email_error."""


@task("send_notifications")
def send_notifications(ids: list[int]) -> int:
    notifications = list(db.session.scalars(
        sa.select(Notification).where(Notification.id.in_(ids),
                                      Notification.emailed_at.is_(None))
        .order_by(Notification.id)))
    sent = deliver(notifications)
    unsent = [n for n in notifications if n.emailed_at is None]
    if unsent:
        raise MailNotSent(f"{len(unsent)} of {len(notifications)} email(s) not sent: "
                          f"{unsent[0].email_error}")
    return sent


@task("send_overdue_digest")
def send_overdue_digest() -> int:
    """Today's overdue digest, once a day however often it is queued (a second scheduler, a
    retried job, `flask notify overdue` too): the day's digest is not made again. Its commit
    queues the emails (casework.services.notifications)."""
    made = daily_overdue_digest()
    if made is not None:  # the unions not reported, in the same digest (issue 14)
        from casework.services.membership_digest import add_membership_section
        made = add_membership_section(made)
    if not made:
        return 0
    db.session.commit()
    return len(made)


@task("erase_closed_applications")
def erase_closed_applications() -> int:
    """The personal data of the applications of cases closed as not feasible long enough
    (casework/services/application_files.py), committed."""
    erased = erase_closed_not_feasible()
    db.session.commit()
    return erased


# --- jobs that report to a person ------------------------------------------------------------------

def _start(job_id: int, kind: str) -> Job | None:
    """The job, marked running; None when it is not (or no longer) waiting to run."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != kind or job.status != "queued":
        return None
    job.status = "running"
    job.started_at = job.heartbeat_at = clock.now()
    db.session.commit()
    return job


@contextmanager
def _heartbeat(job_id: int):
    """While the block runs, a thread tells the database every JOB_HEARTBEAT_SECONDS that the
    job is alive, on a connection of its own; it stops with the block, or with the process."""
    engine, interval = db.engine, float(current_app.config["JOB_HEARTBEAT_SECONDS"])
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with engine.begin() as connection:
                    connection.execute(sa.update(Job).where(Job.id == job_id,
                                                            Job.status == "running")
                                       .values(heartbeat_at=clock.now()))
            except Exception:     # the next beat tries again; the sweeper has a margin
                log.warning("heartbeat of job %s failed", job_id, exc_info=True)
    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(interval + 5)


@task("sweep_stale_jobs")
def sweep_stale_jobs() -> int:
    """Mark failed the jobs still `running` whose process has not been heard of for
    JOB_STALE_AFTER seconds (a worker killed, a web process restarted); returns how many."""
    cutoff = clock.now() - timedelta(seconds=current_app.config["JOB_STALE_AFTER"])
    stale = sa.and_(Job.status == "running",
                    sa.func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at) < cutoff)
    swept = 0
    for job in db.session.scalars(sa.select(Job).where(stale).order_by(Job.id)):
        with _in_language_of(job):
            error = _("The work stopped unexpectedly: the process doing it ended. "
                      "Start it again.")
        # the condition again in the UPDATE: a job that beat meanwhile is left running
        swept += db.session.execute(
            sa.update(Job).where(Job.id == job.id, stale)
            .values(status="failed", error=error, finished_at=clock.now())
            .execution_options(synchronize_session=False)).rowcount or 0
    db.session.commit()
    if swept:
        log.warning("marked %s job(s) failed: their process was no longer running", swept)
    return swept


def _finish(job: Job, *, result: dict | None = None, error: str | None = None) -> None:
    job.status = "failed" if error else "done"
    job.result, job.error, job.finished_at = result, error and error[:500], clock.now()
    if not error and job.total is not None:
        job.progress = job.total
    db.session.commit()


@task("convert_to_pdf")
def convert_to_pdf(attachment_id: int, user_id: int) -> None:
    """A generated document's PDF, by LibreOffice with a time limit (casework.services.pdf)."""
    make_pdf(attachment_id, user_id)
    db.session.commit()


@task("job_failed")
def job_failed(task: str, args: tuple, reason: str) -> None:
    """A task that raised (or whose process died) leaves its job failed, not running forever."""
    if task in ("import_enterprises", "export_cases") and args:
        db.session.rollback()
        job = db.session.get(Job, args[0])
        if job is not None and not job.finished:
            _finish(job, error=_("The work stopped unexpectedly (%(reason)s). Start it again.",
                                 reason=reason[:300]))


def _in_language_of(job: Job):
    """Messages (a rejection's reason, the headers of an export) in the language of the person
    who started the job, as they saw the page."""
    return force_locale(job.params.get("lang") or current_app.config["DEFAULT_LANGUAGE"])


def _report_progress(job_id: int, done: int) -> None:
    """On a connection of its own: the task's session may be mid-transaction or mid-cursor."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id)
                           .values(progress=done, heartbeat_at=clock.now()))


@task("import_enterprises")
def import_enterprises(job_id: int) -> None:
    job = _start(job_id, "import")
    if job is None:
        return
    params = job.params
    directory = imports.imports_directory()
    upload = directory / f"{job.token}.upload"
    with _heartbeat(job_id), _in_language_of(job):
        try:
            source = imports.open_source(upload)
        except (DomainError, OSError) as exc:
            _finish(job, error=getattr(exc, "message", None) or str(exc))
            return
        job.total = source.total
        db.session.commit()
        sink = imports.RejectedRowsCsv(directory / f"{job.token}.rejected.csv")
        try:
            with source:
                report = imports.import_enterprises(
                    source, job.user, params["unit"], rejected=sink,
                    start_row=params.get("start_row"), file_label=params.get("file", ""),
                    progress=lambda position: _report_progress(job_id, position))
        except DomainError as exc:          # the importer lost the right since they asked
            db.session.rollback()
            _finish(job, error=exc.message)
            return
        finally:
            sink.close()
            upload.unlink(missing_ok=True)
        db.session.refresh(job)
        _finish(job, result=report.as_dict())


@task("export_cases")
def export_cases(job_id: int) -> None:
    job = _start(job_id, "export")
    if job is None:
        return
    params = job.params
    fmt = params["format"]
    path = exports.exports_directory() / f"{job.token}.{fmt}"
    with _heartbeat(job_id), _in_language_of(job):
        filters = CaseFilters.from_args(params.get("filters") or {})
        headers = [_(h) for h in exports.CASE_COLUMNS]

        def counted(rows):
            for done, row in enumerate(rows, start=1):
                if done % 2000 == 0:
                    _report_progress(job_id, done)
                yield row
        rows = counted(exports.case_rows(job.user, filters, label=_))
        try:
            exports.write_table(path, fmt, headers, rows, _("Cases"))
        except OSError as exc:
            db.session.rollback()
            path.unlink(missing_ok=True)
            _finish(job, error=str(exc))
            return
        db.session.rollback()               # end the read transaction the rows came from
        db.session.refresh(job)
        _finish(job, result={"file": path.name, "bytes": path.stat().st_size,
                             "name": exports.export_name("cases", fmt)})
