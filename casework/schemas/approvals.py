"""What deciding or withdrawing an approval request takes, and the list's query."""
from __future__ import annotations

from marshmallow import fields

from casework.models.approval import APPROVAL_STATUSES
from casework.schemas.base import N_, OneOf, Schema
from casework.schemas.fields import NUL, BlankOr, Choice, JsonObject, Text, text_pattern
from casework.schemas.limits import COMMENT_LENGTH
from casework.schemas.transitions import FIELD_TYPES, unique_triggers

DECISIONS = ("approve", "reject")
COMMENT_MESSAGE = N_("The comment must be text of at most %(maximum)d characters")


def comment_field(**metadata):
    return Text(refused=NUL, max_length=COMMENT_LENGTH, empty="", message=COMMENT_MESSAGE,
                metadata=metadata)


class ApprovalQuery(Schema):
    status = Choice(APPROVAL_STATUSES, empty="pending", code="bad_request", status=400,
                    message=N_("status must be one of %(choices)s"),
                    metadata={"default": "pending"})


class DecisionInput(Schema):
    """Approve (a comment is optional), or reject with the reason; `data`: what the approver
    enters (the service loads it through the trigger's schema)."""

    decision = Choice(DECISIONS, required=True,
                      message=N_("Decision must be 'approve' or 'reject'"))
    comment = comment_field()
    data = JsonObject(empty=None, message=N_("data must be an object"))


def _decision_data() -> type[Schema]:
    """What an approver may enter when approving, for every trigger that takes it (the
    document's: the service loads it through the trigger's own schema)."""
    triggers = unique_triggers().values()
    specs = {f.name: f for t in triggers for f in t.decision_fields}
    attrs = {name: BlankOr(FIELD_TYPES[f.type].schema(f, False),
                           metadata={"description": f.label}) for name, f in specs.items()}
    attrs["__doc__"] = ("When approving " + ", ".join(sorted(t.name for t in triggers
                                                             if t.decision_fields))
                        + ": the decision, if the request did not carry it (it wins over the "
                          "request's); other keys are ignored.")
    return type("DecisionData", (Schema,), attrs)


DecisionData = _decision_data()


class Approve(Schema):
    decision = Choice(["approve"], required=True)
    comment = comment_field()
    data = fields.Nested(DecisionData, allow_none=True)


class Reject(Schema):
    decision = Choice(["reject"], required=True)
    comment = Text(refused=NUL, max_length=COMMENT_LENGTH, required=True,
                   metadata={"description": "Why", "pattern": text_pattern(NUL, required=True)})
    data = fields.Nested(DecisionData, allow_none=True)


DECISION_INPUT = OneOf("DecisionInput", (Approve, Reject),
                       description="Approve (a comment is optional), or reject with the reason")


class WithdrawInput(Schema):
    comment = comment_field(description="Optional: why it is withdrawn")
