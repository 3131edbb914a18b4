"""What the API answers with: cases, their enterprises, steps, history and approval requests.

Dumped with `casework.schemas.base.dump(Schema, obj, user=..., authz=..., triggers=...)`: the
reader decides what is shown (the workers' names only to those who work the case), and the
functions that say what a reader may do come in the context (`casework.api.answers` gives
them), so the schemas stay below the services.
"""
from __future__ import annotations

from marshmallow import fields

from casework.models.approval import APPROVAL_STATUSES
from casework.models.enterprise import Ownership
from casework.models.step import STEP_KINDS
from casework.schemas.base import Schema, context
from casework.schemas.fields import Day, Instant, Whole, computed, given
from casework.workflow.definition import ALL_STATES, FLOWS, KINDS, PERSONAL_FIELDS

TRIGGER_NAMES = tuple(dict.fromkeys(t.name for flow in FLOWS for t in flow.triggers))


def shows_personal(case) -> bool:
    user = context().get("user")
    return user is not None and context()["authz"].can(user, "case.personal_details", case)


def without_personal(values, case):
    """Trigger data with the workers' names left out for readers who do not work the case."""
    if not isinstance(values, dict) or shows_personal(case):
        return values
    return {k: v for k, v in values.items() if k not in PERSONAL_FIELDS}


class Enterprise(Schema):
    name = given()
    tax_code = given()
    province = computed(lambda e: e.province.code, type="string",
                        description="Province code")
    workforce = given(fields.Integer, metadata={"minimum": 0})
    ownership = given(metadata={"enum": [o.value for o in Ownership]})
    sector = given(nullable=True)


class Applications(Schema):
    """vietnamese and foreign: the verified applications (typed in steps or verified in the
    register), each once; received: the register's not yet decided"""

    vietnamese = given(fields.Integer, attribute="applications_vietnamese",
                       metadata={"minimum": 0})
    foreign = given(fields.Integer, attribute="applications_foreign", metadata={"minimum": 0})
    # the register's applications not yet decided (counted once verified)
    received = given(fields.Integer, attribute="applications_received", metadata={"minimum": 0})


class FoundedUnit(Schema):
    """The grassroots union a founded case became."""

    code = computed(lambda union: union.unit.code, type="string")
    name = computed(lambda union: union.unit.name, type="string")


class Case(Schema):
    id = given(fields.Integer)
    ref = given(nullable=True)
    kind = given(metadata={"enum": list(KINDS)})
    state = given(metadata={"enum": list(ALL_STATES)})
    version = given(fields.Integer, metadata={"minimum": 1})
    unit = computed(lambda c: c.unit.code, type="string")
    province = computed(lambda c: c.province.code, type="string")
    organiser = computed(lambda c: c.organiser.email if c.organiser else None, type="string",
                         nullable=True)
    enterprises = given(fields.List, cls_or_instance=fields.Nested(Enterprise))
    target_members = given(fields.Integer, metadata={"minimum": 0})
    applications = Whole(Applications, required=True)
    deadline = given(Day, nullable=True)
    allowed_triggers = computed(
        lambda c: [t.name for t in context()["triggers"](c, context()["user"])],
        type="array", items={"type": "string", "enum": list(TRIGGER_NAMES)})
    resume_state = given(nullable=True)
    founded_members = given(fields.Integer, nullable=True, metadata={"minimum": 0})
    founded_unit = given(fields.Nested, nested=FoundedUnit, attribute="founded_union",
                         nullable=True,
                         metadata={"description": "The grassroots union the case founded "
                                                  "(null until founded)"})
    details = computed(lambda c: {key: without_personal(values, c)
                                  for key, values in (c.details or {}).items()},
                       type="object")
    created_at = given(Instant)
    updated_at = given(Instant)


class Step(Schema):
    """A step; its note (which may name workers) only for those who work the case."""

    id = given(fields.Integer)
    kind = given(metadata={"enum": list(STEP_KINDS)})
    date = given(Day)
    note = computed(lambda s: s.note if context().get("case") is None
                    or shows_personal(context()["case"]) else None, type="string",
                    nullable=True, description="null for those who may not read it (it may "
                                               "name workers)")
    applications_vietnamese = given(fields.Integer)
    applications_foreign = given(fields.Integer)
    author = computed(lambda s: s.author.email, type="string")
    created_at = given(Instant)


class AuditEntry(Schema):
    id = given(fields.Integer)
    action = given()
    trigger = given(nullable=True)
    from_ = given(nullable=True, data_key="from", attribute="from_state")
    to = given(nullable=True, attribute="to_state")
    actor = given(attribute="actor_name")
    actor_role = given()
    actor_unit = given()
    comment = given(nullable=True)
    data = computed(lambda e: e.data if context().get("case") is None
                    else without_personal(e.data, context()["case"]), type="object",
                    nullable=True)
    at = given(Instant, attribute="created_at")


class CaseDetail(Case):
    history = given(fields.List, cls_or_instance=fields.Nested(AuditEntry))
    steps = given(fields.List, cls_or_instance=fields.Nested(Step))
    blocked_triggers = given(fields.Dict, keys=fields.String(), values=fields.String(),
                             metadata={"description": "The allowed triggers whose guards "
                                       "cannot pass yet (no outreach step, too few "
                                       "applications, a congress date still to come ...), each "
                                       "with the reason: firing one is refused with it"})


class Approval(Schema):
    id = given(fields.Integer)
    case_id = given(fields.Integer)
    case_ref = computed(lambda a: a.case.ref, type="string", nullable=True)
    trigger = given()
    data = computed(lambda a: without_personal(a.data, a.case), type="object", nullable=True)
    comment = given(nullable=True)
    from_state = given()
    status = given(metadata={"enum": list(APPROVAL_STATUSES)})
    requester = computed(lambda a: a.requester.email, type="string")
    requested_at = given(Instant)
    decided_by = computed(lambda a: a.decided_by.email if a.decided_by else None,
                          type="string", nullable=True)
    decided_at = given(Instant, nullable=True)
    decision_comment = given(nullable=True)
    can_decide = fields.Function(
        lambda a: a.status == "pending" and context()["authz"].can(context()["user"],
                                                                   "approval.decide", a),
        metadata={"type": "boolean", "description": "Whether you may decide it now"})


def page_of(item_schema, name: str) -> type[Schema]:
    """`{"items", "total", "page", "per_page"}` of `item_schema` (casework.api.paginated)."""
    count = {"minimum": 0}
    return type(name, (Schema,), {
        "items": given(fields.List, cls_or_instance=fields.Nested(item_schema)),
        "total": given(fields.Integer, metadata=count),
        "page": given(fields.Integer, metadata=count),
        "per_page": given(fields.Integer, metadata=count)})


CaseList = page_of(Case, "CaseList")


class ApprovalList(Schema):
    items = given(fields.List, cls_or_instance=fields.Nested(Approval))
    total = given(fields.Integer, metadata={"minimum": 0})


class Route(Schema):
    """Who decides it: the unit of the nearest people who may; escalated when no one at the
    requester's unit but the requester may, so it went to the unit above; nobody when no one
    but the requester may (withdraw it, or have one named)"""

    unit = given()
    escalated = given(fields.Boolean)
    nobody = given(fields.Boolean)
    message = given()


class ApprovalFiled(Schema):
    approval = fields.Nested(Approval, required=True)
    route = fields.Nested(Route)


class DecisionResult(Schema):
    approval = fields.Nested(Approval, required=True)
    case = fields.Nested(Case, required=True)

