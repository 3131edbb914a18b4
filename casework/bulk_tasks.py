"""The background job of a bulk action on more cases than a request takes (casework.services.bulk):
it runs case by case, commits as it goes (each case whole or not at all), reports its progress
and leaves a CSV report of every case through casework.spreadsheet."""
from __future__ import annotations

from flask_babel import gettext as _

from casework.extensions import db
from casework.jobs import task
from casework.models import Job
from casework.services import bulk, exports
from casework.tasks import _finish, _in_language_of, _report_progress, _start

COMMIT_EVERY = 50         # cases done between two commits (and two progress reports)
REPORT_COLUMNS = ("Case", "Reference", "Outcome", "Reason")
OUTCOME_LABELS = {"done": "Done", "skipped": "Skipped", "failed": "Failed"}


def report_path(job: Job):
    return exports.exports_directory() / f"{job.token}.bulk.csv"


@task("bulk_action")
def bulk_action(job_id: int) -> None:
    job = _start(job_id, "bulk")
    if job is None:
        return
    params, user = job.params, job.user
    # no heartbeat thread: its writes, on a connection of their own, would race this session's
    # on SQLite (one writer: "database is locked"); the progress report after each commit
    # (every COMMIT_EVERY cases, about a second) tells the sweeper the job is alive instead
    with _in_language_of(job):
        def after_each(position: int, outcome: bulk.Outcome) -> None:
            if position % COMMIT_EVERY == 0:
                db.session.commit()
                _report_progress(job_id, position)
        outcomes = bulk.run_bulk(user, params["action"], params["case_ids"],
                                 params.get("data") or {}, params.get("comment") or "",
                                 versions=params.get("versions"), after_each=after_each)
        db.session.commit()
        refs = bulk.case_refs([o.case_id for o in outcomes])
        rows = ([o.case_id, refs.get(o.case_id, ""), _(OUTCOME_LABELS[o.outcome]),
                 o.reason or ""] for o in outcomes)
        path = report_path(job)
        try:
            exports.write_table(path, "csv", [_(h) for h in REPORT_COLUMNS], rows, "")
        except OSError as exc:
            db.session.rollback()
            _finish(job, error=str(exc))
            return
        db.session.refresh(job)
        _finish(job, result={**bulk.counts(outcomes), "file": path.name,
                             "name": exports.export_name("bulk", "csv")})
