"""Bulk actions over JSON: at most BULK_INLINE_CASES cases answered at once, more as a job."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g, jsonify

from casework.api import bp, json_body
from casework.api.docs import operation
from casework.errors import Invalid, NotFound
from casework.extensions import db
from casework.i18n import _, select_locale
from casework.models import Job
from casework.schemas.base import dump, load
from casework.schemas.bulk import BulkInput, BulkJob, BulkJobAnswer, BulkResults
from casework.schemas.limits import BULK_INLINE_CASES
from casework.services import bulk
from casework.transaction import commit

TOKEN = re.compile(r"[A-Za-z0-9_-]{12,64}")


def start_bulk(user, values: dict):
    """(200, results) or (202, job) for loaded BulkInput values: shared with the page."""
    if (values["case_ids"] is None) == (values["filter"] is None):
        raise Invalid(_("Give either case_ids or filter"), field="case_ids")
    case_ids = bulk.resolve_cases(user, case_ids=values["case_ids"],
                                  filters=values["filter"])
    action, data, comment = values["action"], values["data"] or {}, values["comment"] or ""
    bulk.check_action(action, data, comment, case_ids)
    if len(case_ids) > BULK_INLINE_CASES:
        job = bulk.start_job(user, action=action, case_ids=case_ids, data=data,
                             comment=comment, versions=values["versions"],
                             language=select_locale())
        return 202, job
    outcomes = bulk.run_bulk(user, action, case_ids, data, comment,
                             versions=values["versions"])
    commit()
    return 200, outcomes


@bp.post("/bulk")
@operation(summary="One action on many cases (case_ids, or every case matching a filter)",
           description="Each case goes through the same guards, permissions, version and audit "
                       "as one at a time; a case refused is reported and the others proceed. "
                       "More than 100 cases run as a job (202).",
           body=BulkInput, responses={200: BulkResults, 202: BulkJobAnswer}, tags=["bulk"])
def post_bulk():
    status, answer = start_bulk(g.api_user, load(BulkInput, json_body()))
    if status == 202:
        return jsonify({"job": dump(BulkJob, answer)}), 202
    return jsonify({"results": [o.as_dict() for o in answer], "counts": bulk.counts(answer)})


@bp.get("/bulk/<token>")
@operation(summary="Where a bulk job of yours stands, and its counts once done",
           responses={200: BulkJob, 404: None}, tags=["bulk"])
def get_bulk_job(token: str):
    job = db.session.scalar(sa.select(Job).where(Job.token == token, Job.kind == "bulk")) \
        if TOKEN.fullmatch(token) else None
    if job is None or job.user_id != g.api_user.id:
        raise NotFound(_("No such job"))
    return jsonify(dump(BulkJob, job))
