"""The shapes of the API's own answers: the OpenAPI document, the error body, the workflow."""
from __future__ import annotations

from marshmallow import fields

from casework.schemas.base import Schema
from casework.schemas.fields import given


class OpenAPIDocument(Schema):
    """The OpenAPI document"""

    openapi_name = "OpenAPI"
    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)


class ErrorDetail(Schema):
    openapi_inline = True  # written inside Error
    code = fields.String(required=True, metadata={
        "minLength": 1, "description": "Machine-readable, e.g. invalid, guard_failed, "
                                       "stale_version, not_found, unauthorized"})
    message = fields.String(required=True, metadata={"minLength": 1,
                                                     "description": "Why, for people"})
    field = fields.String(metadata={"description": "The input the refusal is about, when one "
                                                   "is"})
    missing = fields.List(fields.String(), metadata={
        "description": "The checklist items a dossier lacks (guard_failed on documents)"})


class Error(Schema):
    """The body of every refusal: {"error": {"code", "message", "field"}}"""

    error = fields.Nested(ErrorDetail, required=True)


# --- the workflow document (casework.workflow.describe) ---------------------------------------

class DataField(Schema):
    name = given()
    type = given()
    required = given(fields.Boolean)
    entered_by = fields.String(metadata={"enum": ["approver"], "description":
                                         "Entered when approving; optional in the request"})


class TriggerDescription(Schema):
    name = given()
    label = given()
    from_ = given(fields.List, cls_or_instance=fields.String(), data_key="from",
                  attribute="from")
    to = given()
    roles = given(fields.List, cls_or_instance=fields.String())
    needs_approval = given(fields.Boolean)
    approved_by = given(nullable=True)
    comment_required = given(fields.Boolean)
    data = given(fields.List, cls_or_instance=fields.Nested(DataField))
    guards = given(fields.List, cls_or_instance=fields.String())


class StateDescription(Schema):
    name = given()
    label = given()
    terminal = given(fields.Boolean)


class KindDescription(Schema):
    label = given()
    flow = given()
    initial = given()
    states = given(fields.List, cls_or_instance=fields.Nested(StateDescription))
    triggers = given(fields.List, cls_or_instance=fields.Nested(TriggerDescription))


class Workflow(Schema):
    kinds = given(fields.Dict, keys=fields.String(), values=fields.Nested(KindDescription))
