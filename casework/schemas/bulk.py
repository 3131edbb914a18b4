"""Bulk actions: what POST /api/v1/bulk takes and answers."""
from __future__ import annotations

from marshmallow import fields, validate

from casework.schemas.base import N_, Schema
from casework.schemas.fields import NUL, Id, Items, Text
from casework.schemas.limits import BULK_ACTION_LENGTH, CASES_PER_BULK, COMMENT_LENGTH, IDS
from casework.schemas.lists import CaseFilterValues

OUTCOMES = ("done", "skipped", "failed")   # what a bulk action did with each case


class BulkInput(Schema):
    """An action on many cases: the cases named, or every case matching a case list filter"""

    openapi_name = "BulkInput"
    action = Text(required=True, max_length=BULK_ACTION_LENGTH, metadata={
        "description": "A trigger's name (its data in `data`), `reassign` (`data.organiser`: "
                       "an email) or `decide` (`data.decision`: approve or reject, for the "
                       "pending approval of each case)"},
        message=N_("action: a trigger's name, reassign or decide"))
    case_ids = Items(Id(message=N_("A case id is a whole number from 1 to %(maximum)s")),
                     min_items=CASES_PER_BULK.least, max_items=CASES_PER_BULK.most, empty=None,
                     message=N_("case_ids: from %(minimum)s to %(maximum)s case ids"))
    filter = fields.Nested(CaseFilterValues, load_default=None, allow_none=True)
    data = fields.Dict(load_default=dict)
    comment = Text(max_length=COMMENT_LENGTH, refused=NUL, empty="",
                   message=N_("The comment must be text of at most %(maximum)s characters"))
    versions = fields.Dict(keys=fields.String(), values=fields.Integer(
        validate=validate.Range(min=IDS.least, max=IDS.most)), load_default=None, allow_none=True, metadata={
        "description": "The version of each case seen (case id -> version): a case changed "
                       "since fails as stale"})


class BulkOutcome(Schema):
    openapi_name = "BulkOutcome"
    case_id = fields.Integer(required=True)
    outcome = fields.String(required=True, metadata={"enum": list(OUTCOMES)})
    reason = fields.String(allow_none=True)


class BulkCounts(Schema):
    openapi_name = "BulkCounts"
    done = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    failed = fields.Integer(required=True)


class BulkResults(Schema):
    """Each case's outcome"""

    openapi_name = "BulkResults"
    results = fields.List(fields.Nested(BulkOutcome), required=True)
    counts = fields.Nested(BulkCounts, required=True)


class BulkJob(Schema):
    """A bulk action running in the background"""

    openapi_name = "BulkJob"
    id = fields.String(attribute="token", required=True)
    status = fields.String(required=True)
    progress = fields.Integer(required=True)
    total = fields.Integer(allow_none=True)
    counts = fields.Method("job_counts", allow_none=True)
    error = fields.String(allow_none=True)

    def job_counts(self, job):
        if not job.result:
            return None
        return {k: job.result.get(k, 0) for k in OUTCOMES}


class BulkJobAnswer(Schema):
    """The bulk action was queued as a job"""

    openapi_name = "BulkJobAnswer"
    job = fields.Nested(BulkJob, required=True)
