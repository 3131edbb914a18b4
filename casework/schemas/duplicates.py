"""Duplicate enterprises: what the check before saving takes and answers."""
from __future__ import annotations

from marshmallow import fields

from casework.schemas.base import N_, Schema
from casework.schemas.fields import Items, Text
from casework.schemas.limits import ENTERPRISES_PER_CHECK, FILTER_LENGTH


class EnterpriseProbe(Schema):
    openapi_name = "EnterpriseProbe"
    name = Text(max_length=FILTER_LENGTH, empty="",
                message=N_("At most %(maximum)s characters, one line"))
    tax_code = Text(max_length=FILTER_LENGTH, empty="",
                    message=N_("At most %(maximum)s characters, one line"))
    province = Text(max_length=FILTER_LENGTH, empty="",
                    message=N_("At most %(maximum)s characters, one line"))


class DuplicateCheckInput(Schema):
    """The enterprises of a case about to be created"""

    openapi_name = "DuplicateCheckInput"
    enterprises = Items(fields.Nested(EnterpriseProbe), required=True,
                        min_items=ENTERPRISES_PER_CHECK.least,
                        max_items=ENTERPRISES_PER_CHECK.most,
                        message=N_("enterprises: from %(minimum)s to %(maximum)s items"))


class DuplicateMatch(Schema):
    openapi_name = "DuplicateMatch"
    case_id = fields.Integer(allow_none=True, metadata={
        "description": "The case's id when it is in your scope"})
    ref = fields.String(allow_none=True)
    unit = fields.String(required=True)
    state = fields.String(required=True)
    name = fields.String(required=True)
    tax_code = fields.String(required=True)
    reason = fields.String(required=True, metadata={"enum": ["tax_code", "branch", "name"]})
    score = fields.Integer(required=True)


class DuplicateMatches(Schema):
    """Cases that may be of the same enterprise (the case may still be created)"""

    openapi_name = "DuplicateMatches"
    matches = fields.List(fields.Nested(DuplicateMatch), required=True)
