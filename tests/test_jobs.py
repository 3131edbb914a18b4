"""Background jobs: the web import and a large export run as jobs (in a thread of the process
without Redis; on RQ with a worker when REDIS_URL is set), email is retried with backoff, the
overdue digest is scheduled and sent once a day. The suite's own default is the inline backend.
"""
from __future__ import annotations

import csv
import io
import os
import secrets
import socket
import time
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from casework import clock, jobs, tasks
from casework.extensions import db
from casework.models import Job, Notification
from casework.services import notifications as notify
from tests.helpers import PASSWORD, new_user
from tests.test_exports import read_csv
from tests.test_imports import _csv_bytes, row
from tests.test_pipeline import build_country, login
from tests.browser import browser  # noqa: F401

REDIS = ("127.0.0.1", 6379)
# a database of its own, emptied by the tests; TEST_REDIS_URL gives another to a second run on the
# same machine (two runs flushing one database take each other's jobs)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, 1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def rq_backend(app, monkeypatch):
    """Jobs through a real Redis queue, run by `jobs.work(burst=True)` (RQ's forking worker)."""
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    app.extensions.pop("casework_redis", None)
    connection = jobs.redis_connection(app)
    connection.flushdb()
    yield connection
    connection.flushdb()
    app.extensions.pop("casework_redis", None)


def _upload(b, rows, name="list.csv"):
    return b.submit("/imports/", {"file": (io.BytesIO(_csv_bytes(rows)), name),
                                  "unit": "LDLD-79"}, content_type="multipart/form-data")


def _job(token: str) -> Job:
    db.session.expire_all()
    return db.session.scalar(sa.select(Job).where(Job.token == token))


# --- the web import -------------------------------------------------------------------------------

def test_web_import_on_the_thread_backend_returns_before_the_work_is_done(browser, app,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    started, release = [], []
    real = tasks.import_enterprises

    def held(job_id):            # the job waits until the test has seen the progress page
        started.append(job_id)
        deadline = time.monotonic() + 10
        while not release and time.monotonic() < deadline:
            time.sleep(0.02)
        return real(job_id)
    monkeypatch.setitem(jobs.TASKS, "import_enterprises", held)

    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    response = _upload(b, [row(), row(name="Công ty May Hai")])
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    page = b.get(f"/imports/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'http-equiv="refresh"' in text and 'data-status="queued"' in text
    release.append(True)
    jobs.wait_for_threads()
    assert started
    job = _job(token)
    assert (job.status, job.result["created"]) == ("done", 2)
    done = b.get(f"/imports/{token}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done
    assert 'data-count="created">2<' in done


def test_web_import_goes_through_redis_and_a_worker(browser, app, rq_backend):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    token = _upload(b, [row(), row(name="Công ty May Hai"), row(workforce="-4")]) \
        .headers["Location"].rsplit("/", 1)[1]
    assert _job(token).status == "queued"
    assert jobs.queue_depths() == {"default": 0, "long": 1}
    assert 'data-status="queued"' in b.get(f"/imports/{token}").get_data(as_text=True)
    scraped = b.get("/metrics").get_data(as_text=True)     # Prometheus, from this machine
    assert 'casework_job_queue_depth{queue="long"} 1.0' in scraped

    assert jobs.work(burst=True) is True
    job = _job(token)
    assert job.status == "done", job.error
    assert (job.result["created"], job.result["rejected"]) == (2, 1)
    assert job.progress == job.total and job.total > 0
    assert jobs.queue_depths() == {"default": 0, "long": 0}
    page = b.get(f"/imports/{token}").get_data(as_text=True)
    assert 'data-count="created">2<' in page and 'data-count="rejected">1<' in page


def test_an_import_whose_importer_lost_the_right_fails_with_the_reason(browser, app,
                                                                       rq_backend):
    organiser = new_user("organiser", "LDLD-79", password=PASSWORD)
    b = browser(organiser)
    token = _upload(b, [row()]).headers["Location"].rsplit("/", 1)[1]
    organiser.role = "leader"              # demoted while the job waited in the queue
    db.session.commit()
    jobs.work(burst=True)
    job = _job(token)
    assert job.status == "failed" and "organisers and supervisors" in job.error
    organiser.role = "organiser"
    db.session.commit()
    page = b.get(f"/imports/{token}").get_data(as_text=True)
    assert "The import could not be done." in page and "organisers and supervisors" in page


@pytest.mark.parametrize("backend", ["thread", "rq"])
def test_a_job_whose_task_crashes_is_shown_failed_not_running_forever(browser, app,
                                                                      monkeypatch, backend):
    if backend == "rq":
        if not _redis_answers():
            pytest.skip("no Redis on 127.0.0.1:6379")
        monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
        app.extensions.pop("casework_redis", None)
        jobs.redis_connection(app).flushdb()
    monkeypatch.setitem(app.config, "JOBS_BACKEND", backend)

    def crash(job_id):
        raise MemoryError("the worker ran out of memory")
    monkeypatch.setitem(jobs.TASKS, "import_enterprises", crash)
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    token = _upload(b, [row()]).headers["Location"].rsplit("/", 1)[1]
    if backend == "rq":
        jobs.work(burst=True)
        jobs.redis_connection(app).flushdb()
        app.extensions.pop("casework_redis", None)
    else:
        jobs.wait_for_threads()
    job = _job(token)
    assert job.status == "failed" and "MemoryError" in job.error
    page = b.get(f"/imports/{token}").get_data(as_text=True)
    assert "The import could not be done." in page and 'http-equiv="refresh"' not in page


# --- jobs whose process died: the sweeper --------------------------------------------------------

def _job_in(status: str, *, beat_ago: timedelta | None, lang: str = "en") -> Job:
    """A job as a killed worker leaves it: `running`, last heard of `beat_ago` ago."""
    moment = clock.now() - beat_ago if beat_ago is not None else None
    job = Job(token=secrets.token_urlsafe(16), kind="import", user=new_user("organiser"),
              status=status, params={"lang": lang, "unit": "LDLD-79"}, started_at=moment,
              heartbeat_at=moment)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_sweeper_fails_the_running_jobs_no_longer_heard_of(app, runner):
    bound = timedelta(seconds=app.config["JOB_STALE_AFTER"])
    dead = _job_in("running", beat_ago=bound + timedelta(minutes=1))
    dead_vi = _job_in("running", beat_ago=bound * 3, lang="vi")
    alive = _job_in("running", beat_ago=bound / 2)
    waiting, done = _job_in("queued", beat_ago=None), _job_in("done", beat_ago=bound * 3)
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert "2 job(s)" in result.output
    db.session.expire_all()
    assert [dead.status, dead_vi.status] == ["failed", "failed"]
    assert "stopped unexpectedly" in dead.error and dead.finished_at is not None
    assert dead_vi.error.startswith("Công việc")          # in the language of its page
    assert [alive.status, waiting.status, done.status] == ["running", "queued", "done"]
    assert "0 job(s)" in runner.invoke(args=["jobs", "sweep"]).output


def test_a_running_job_keeps_its_heartbeat(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_SECONDS", 0.05)
    job = _job_in("queued", beat_ago=None)
    beats = []

    def slow(source, *args, **kwargs):      # the import, long past a few heartbeats
        time.sleep(0.3)
        with db.engine.connect() as connection:
            beats.append(connection.scalar(sa.select(Job.heartbeat_at).where(Job.id == job.id)))
        raise tasks.DomainError("stop here")
    from casework.services import imports
    monkeypatch.setattr(imports, "open_source", lambda path: _Source())
    monkeypatch.setattr(imports, "import_enterprises", slow)
    started = clock.now()
    tasks.import_enterprises(job.id)
    [beat] = beats
    beat = beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc)
    assert beat > started + timedelta(seconds=0.1)    # refreshed while the work went on


class _Source:
    total = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_worker_sweeps_when_it_starts(app, rq_backend):
    dead = _job_in("running", beat_ago=timedelta(seconds=app.config["JOB_STALE_AFTER"] * 2))
    jobs.work(burst=True)
    db.session.expire_all()
    assert dead.status == "failed"


def test_someone_elses_import_job_does_not_exist(browser):
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    token = _upload(b, [row()]).headers["Location"].rsplit("/", 1)[1]
    other = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    assert other.get(f"/imports/{token}").status_code == 404
    assert other.get(f"/imports/{token}/rejected.csv").status_code == 404


# --- a large export ------------------------------------------------------------------------------

def test_a_large_case_export_is_a_job_whose_file_only_its_owner_downloads(client, app,
                                                                          monkeypatch):
    build_country()
    monkeypatch.setitem(app.config, "EXPORT_IN_REQUEST_MAX_ROWS", 3)
    leader = new_user("leader", "VGCL")
    login(client, leader)
    small = client.get("/leadership/exports/cases.csv?province=79&state=identified")
    assert small.status_code == 200 and len(read_csv(small)) == 1 + 1   # under the limit: at once

    response = client.get("/leadership/exports/cases.csv")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/jobs/")
    page = client.get(location)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Download" in text
    job = _job(location.rsplit("/", 1)[1])
    assert job.status == "done" and job.progress == job.total
    download = client.get(f"{location}/download")
    assert download.status_code == 200
    rows = read_csv(download)
    assert len(rows) - 1 == job.total > 3

    login(client, new_user("leader", "VGCL"))
    assert client.get(location).status_code == 404
    assert client.get(f"{location}/download").status_code == 404


# --- email, retried ------------------------------------------------------------------------------

def _failing_smtp(monkeypatch, failures: int) -> list[int]:
    """The mail server refuses the first `failures` attempts."""
    import casework.mail as mail
    attempts = []
    real = mail.send_messages

    def send(messages):
        attempts.append(len(messages))
        if len(attempts) <= failures:
            return ["SMTPServerDisconnected: try later"] * len(messages)
        return real(messages)
    monkeypatch.setattr(mail, "send_messages", send)
    return attempts


def _notification(user) -> Notification:
    """A notification, committed: which queues its email."""
    made = notify._add(user, "approval_decided", "Approved: x", "body")
    db.session.commit()
    return made


def test_email_is_retried_with_backoff_in_a_thread(app, monkeypatch):
    user = new_user("organiser", "LDLD-79")
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    monkeypatch.setitem(app.config, "MAIL_RETRY_INTERVALS", (0.05, 0.05, 0.05))
    attempts = _failing_smtp(monkeypatch, failures=2)
    made = _notification(user)
    jobs.wait_for_threads()
    db.session.expire_all()
    assert len(attempts) == 3
    assert made.emailed_at is not None and made.email_error is None


def test_email_the_server_refuses_is_retried_by_the_redis_queue(app, monkeypatch, rq_backend):
    from rq.registry import ScheduledJobRegistry
    monkeypatch.setitem(app.config, "MAIL_RETRY_INTERVALS", (1, 600))
    import casework.mail as mail
    user = new_user("organiser", "LDLD-79")
    with monkeypatch.context() as down:    # the mail server refuses everything for a while
        down.setattr(mail, "send_messages", lambda messages: ["SMTPServerDisconnected: try "
                                                              "later"] * len(messages))
        made = _notification(user)
        jobs.work(burst=True)              # the job runs in a forked child, and fails
    db.session.expire_all()
    assert made.emailed_at is None and "try later" in made.email_error
    scheduled = ScheduledJobRegistry("default", connection=rq_backend)
    assert scheduled.count == 1            # the retry, due in 1 s
    time.sleep(1.2)
    jobs.work(burst=True)                  # its scheduler queues the due retry, then it runs
    db.session.expire_all()
    assert made.emailed_at is not None and made.email_error is None
    assert scheduled.count == 0


# --- the overdue digest ------------------------------------------------------------------------

def test_the_overdue_digest_is_made_once_a_day_however_often_it_is_queued(client, app):
    build_country()                       # has cases past their recognition deadline
    new_user("supervisor", "LDLD-79")
    first = tasks.send_overdue_digest()
    assert first > 0
    assert tasks.send_overdue_digest() == 0
    digests = db.session.scalar(sa.select(sa.func.count(Notification.id))
                                .where(Notification.kind == "overdue_digest"))
    assert digests == first


def test_the_scheduler_queues_the_digest_on_its_cron(app, monkeypatch, rq_backend):
    monkeypatch.setitem(app.config, "OVERDUE_DIGEST_CRON", "30 1 * * 1-5")
    scheduled = jobs.scheduler(app).get_jobs()
    assert [(j.name, j.cron, j.queue_name, j.args) for j in scheduled] == [
        ("overdue_digest", "30 1 * * 1-5", "default", ("send_overdue_digest",)),
        ("sweep_jobs", "*/5 * * * *", "default", ("sweep_stale_jobs",)),
        ("erase_closed_applications", "30 19 * * *", "default",
         ("erase_closed_applications",))]


def test_without_redis_there_is_no_worker_to_start(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        jobs.work(burst=True)
    with pytest.raises(RuntimeError, match="notify overdue"):
        jobs.scheduler(app)
    assert jobs.queue_depths() == {}


def test_a_job_is_queued_once_its_transaction_commits_never_on_rollback(app, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda task, *args, **options: queued.append(args))
    job = _job_in("queued", beat_ago=None)
    db.session.rollback()                     # no transaction open: noting one opens it
    jobs.enqueue_after_commit("import_enterprises", "rolled back")
    db.session.rollback()
    db.session.commit()                       # the next commit does not queue it either
    assert queued == []
    jobs.enqueue_after_commit("import_enterprises", job.id)
    assert queued == []                       # not before the commit
    db.session.commit()
    assert queued == [(job.id,)]


def test_a_job_the_queue_refuses_after_the_commit_is_failed_not_left_waiting(app, monkeypatch):
    def refuse(task, *args, **options):
        raise ConnectionError("Redis is down")
    monkeypatch.setattr(jobs, "enqueue", refuse)
    job = _job_in("queued", beat_ago=None)
    jobs.enqueue_after_commit("import_enterprises", job.id)
    db.session.commit()
    db.session.expire_all()
    assert job.status == "failed" and "Redis is down" in job.error


def test_an_unknown_task_is_refused_when_queued():
    with pytest.raises(LookupError):
        jobs.enqueue("drop_everything")
