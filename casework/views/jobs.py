"""A person's background jobs: where one stands, and the file it leaves (a large export).

Only the person who started a job sees it: anyone else's is a 404, as a case outside one's
unit is. Imports have their own result page (casework.views.imports).
"""
from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user, login_required

from casework import jobs
from casework.extensions import db
from casework.models import Job
from casework.services import exports
from casework.transaction import commit

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

TOKEN = re.compile(r"[A-Za-z0-9_-]{12,64}")
TASK_QUEUES = {"export": "long", "import": "long"}


def new_token() -> str:
    return secrets.token_urlsafe(18)


def start_job(kind: str, task: str, *, params: dict, total: int | None = None,
              token: str | None = None) -> Job:
    """Record a job of the current user's and commit, which queues the task `task`(job id)."""
    job = Job(token=token or new_token(), kind=kind, user_id=current_user.id, params=params,
              total=total)
    db.session.add(job)
    db.session.flush()                # the job's id, for the task
    jobs.enqueue_after_commit(task, job.id, queue_name=TASK_QUEUES[kind])
    commit()
    return job


def own_job(token: str, kind: str) -> Job:
    """One of the current user's jobs; anyone else's does not exist."""
    if not TOKEN.fullmatch(token):
        abort(404)
    job = db.session.scalar(sa.select(Job).where(Job.token == token, Job.kind == kind))
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.get("/<token>")
@login_required
def show(token: str):
    return render_template("jobs/show.html", job=own_job(token, "export"))


@bp.get("/<token>/download")
@login_required
def download(token: str):
    job = own_job(token, "export")
    if job.status != "done":
        abort(404)
    path = exports.exports_directory() / job.result["file"]
    if not path.exists():
        abort(410)
    mimetype = exports.XLSX_MIME if path.suffix == ".xlsx" else exports.CSV_MIME
    return send_file(path, mimetype=mimetype, as_attachment=True,
                     download_name=job.result["name"])
