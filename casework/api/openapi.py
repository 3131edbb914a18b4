"""The OpenAPI 3 document of the JSON API, served without a token at /api/v1/openapi.json.

The paths come from the URL map (every rule of the blueprint), each operation from the
`@operation(...)` on its view (casework/api/docs.py), whose marshmallow schemas apispec's
MarshmallowPlugin writes into the components; a view not converted yet is described by the
hand-written `operations()` below. Nothing can drift from the code: tests/test_openapi.py fails
when a route has no operation.
"""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow import resolver as default_resolver
from flask import current_app, jsonify
from werkzeug.routing import IntegerConverter

from casework.api import bp, public
from casework.api.docs import OneOf, Operation, operation
from casework.models.approval import APPROVAL_STATUSES
from casework.models.enterprise import SECTORS, Ownership
from casework.models.step import STEP_KINDS
from casework.models.visit import VISIT_STATUSES
from casework.routing import IdConverter
from casework.schemas.fields import year_pattern
from casework.schemas.limits import (ACTION_LENGTH, APPLICATIONS_CHANGE, CASES_PER_VISIT,
                                      COMMENT_LENGTH, ENTERPRISE_NAME_LENGTH,
                                      FOLLOW_UPS_PER_VISIT, HOST_NOTE_LENGTH, IDS, NAME_LENGTH,
                                      NOTE_LENGTH, OUTCOME_LENGTH, PAGES, PURPOSE_LENGTH,
                                      TARGET_MEMBERS, TRIGGER_NUMBER, TRIGGER_TEXT_LENGTH,
                                      WORKFORCE, YEARS)
from casework.schemas.meta import OpenAPIDocument
from casework.services.cases import SMALL_UNIT_LIMIT
from casework.services.pipeline import DIMENSIONS, NUMBERS
from casework.services.queries import FILTERS
from casework.services.visits import UPCOMING
from casework.workflow.definition import (
    ALL_STATES,
    DOCUMENTS,
    FLOWS,
    KINDS,
    Field,
    Trigger,
)

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
PREFIX = bp.url_prefix  # "/api/v1"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
# What the services refuse, said in the document (tests/test_schemathesis.py: both agree)
C0 = r"\u0000-\u001f"                                       # the control characters
C0_BUT_LINES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f"  # ... but tab and line breaks


def text(refused: str, *, required: bool = False) -> dict:
    """A string without the characters of `refused` (a regex class); `required`: not blank
    (the services trim what they are given)."""
    return {"type": "string", "pattern": f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"
            if required else f"^[^{refused}]*$"}


LINE = text(C0)              # one line: services/visits.py, enterprises.py, workflow/data.py
REQUIRED_LINE = text(C0, required=True)
TEXT = text(C0_BUT_LINES)    # several lines (a visit's notes)
REQUIRED_TEXT = text(C0_BUT_LINES, required=True)
NO_NUL = text(r"\u0000")     # comments, step notes: NUL only, refused in any body (api/__init__)
QUERY_TEXT = text(C0 + r"\u007f-\u009f")  # no control character at all (casework.routing)
# the dates the services take: the years of limits.YEARS (workflow/data.py)
DATE_PATTERN = year_pattern(*YEARS)
DATE = {"type": "string", "format": "date"}
INPUT_DATE = {**DATE, "pattern": DATE_PATTERN}
DATETIME = {"type": "string", "format": "date-time"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}


# --- the data each trigger takes, from the workflow definition ---------------------------------

def field_schema(field: Field) -> dict:
    """The JSON schema of one trigger field (docs/domain.md §6-7; parsed by workflow.data)."""
    if field.type == "date":
        schema = dict(INPUT_DATE)
    elif field.type == "int":
        schema = {"type": "integer", "minimum": 0, "maximum": TRIGGER_NUMBER.most}
    elif field.type == "text":
        schema = {**LINE, "maxLength": TRIGGER_TEXT_LENGTH}
    elif field.type == "names":
        schema = {"type": "array", "items": {**LINE, "maxLength": TRIGGER_TEXT_LENGTH}}
    elif field.type == "documents":
        schema = {"type": "array", "items": {"type": "string", "enum": list(DOCUMENTS)}}
    else:  # a new field type must be described here before it can be served
        raise ValueError(f"no schema for trigger field type {field.type!r}")
    return {**schema, "description": field.label}


def trigger_data_schema(trigger: Trigger) -> dict:
    later = trigger.decision_fields
    schema = {"type": "object",
              "properties": {f.name: field_schema(f) for f in trigger.fields},
              "description": f"The data of `{trigger.name}`"
                             + (" (none)" if not trigger.fields else "")
                             + (f"; {', '.join(f.name for f in later)}: optional here, entered by "
                                "the approver (DecisionInput.data)" if later else "")
                             + "; other keys are ignored."}
    required = [f.name for f in trigger.request_fields if f.required]
    if required:
        schema["required"] = required
    return schema


def decision_data_schema() -> dict:
    """What an approver may enter when approving, for every trigger that takes it."""
    fields = {f.name: f for t in unique_triggers().values() for f in t.decision_fields}
    return {"type": "object", "nullable": True,
            # null or "" is a field not entered (the request's value stands), as in the forms
            "properties": {name: {"anyOf": [field_schema(f), {"type": "string", "maxLength": 0}],
                                  "nullable": True, "description": f.label}
                           for name, f in fields.items()},
            "description": "When approving "
                           + ", ".join(sorted({t.name for t in unique_triggers().values()
                                               if t.decision_fields}))
                           + ": the decision, if the request did not carry it (it wins over "
                             "the request's); other keys are ignored."}


def unique_triggers() -> dict[str, Trigger]:
    """Every trigger name once; a name shared by flows (put_on_hold ...) takes the same data."""
    triggers: dict[str, Trigger] = {}
    for flow in FLOWS:
        for trigger in flow.triggers:
            seen = triggers.setdefault(trigger.name, trigger)
            if (seen.fields, seen.comment_required) != (trigger.fields, trigger.comment_required):
                raise ValueError(f"{trigger.name} takes different data in different flows")
    return triggers


def trigger_schema_name(name: str) -> str:
    return "Transition_" + name


def transition_schemas() -> dict[str, dict]:
    schemas = {}
    for name, trigger in unique_triggers().items():
        kinds = [k for flow in FLOWS if flow.trigger(name) for k in flow.kinds]
        comment = {**NO_NUL, "maxLength": COMMENT_LENGTH, "nullable": True,
                   "description": "Required (the reason)" if trigger.comment_required
                   else "Optional"}
        if trigger.comment_required:
            comment["minLength"] = 1
        required = ["trigger", "version"] + (["data"] if any(f.required for f in
                                                             trigger.request_fields) else [])
        if trigger.comment_required:
            required.append("comment")
        schemas[trigger_schema_name(name)] = {
            "type": "object",
            "description": f"Fire `{name}` on a case of kind {', '.join(kinds)}"
                           + (f"; approval by {trigger.approval.name}" if trigger.approval else "")
                           + ".",
            "properties": {
                "trigger": {"type": "string", "enum": [name]},
                "version": {"type": "integer", "minimum": 1,
                            "description": "The version of the case you saw (409 when stale)"},
                "comment": comment,
                "data": trigger_data_schema(trigger),
            },
            "required": required,
        }
    return schemas


SMALL_UNITS = "small_units"  # the kind that groups several small enterprises


def case_input(kinds: list[str], fewest: int, most: int | None) -> dict:
    """A new case of one of `kinds`, with `fewest` to `most` enterprises (services/cases.py);
    several (small units) each employ fewer than SMALL_UNIT_LIMIT."""
    enterprise = ref("EnterpriseInput")
    if most is None:
        enterprise = {"allOf": [enterprise, {"type": "object", "properties": {"workforce": {
            "type": "integer", "minimum": 0, "maximum": SMALL_UNIT_LIMIT - 1}}}]}
    enterprises = {"type": "array", "minItems": fewest, "items": enterprise}
    if most is not None:
        enterprises["maxItems"] = most
    return {
        "type": "object", "required": ["kind", "unit", "enterprises"],
        "properties": {
            "kind": {"type": "string", "enum": kinds},
            "unit": {**LINE, "description": "Code of the managing unit"},
            "organiser": {**LINE, "nullable": True,
                          "description": "Email of the assigned organiser (default: you)"},
            "target_members": {"type": "integer", "minimum": 0, "maximum": TARGET_MEMBERS.most,
                               "nullable": True},
            "enterprises": enterprises}}


# --- the shapes of requests and responses (casework/api/serializers.py, visits.py) -------------

def schemas() -> dict[str, dict]:
    ownership = [o.value for o in Ownership]
    triggers = unique_triggers()
    out = {
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "minLength": 1,
                             "description": "Machine-readable, e.g. invalid, guard_failed, "
                                            "stale_version, not_found, unauthorized"},
                    "message": {"type": "string", "minLength": 1,
                                "description": "Why, for people"},
                    "field": {"type": "string",
                              "description": "The input the refusal is about, when one is"},
                    "missing": {"type": "array", "items": {"type": "string"},
                                "description": "The checklist items a dossier lacks "
                                               "(guard_failed on documents)"},
                }}},
        },
        "Enterprise": {
            "type": "object",
            "required": ["name", "tax_code", "province", "workforce", "ownership", "sector"],
            "properties": {
                "name": STRING, "tax_code": STRING,
                "province": {"type": "string", "description": "Province code"},
                "workforce": COUNT, "ownership": {"type": "string", "enum": ownership},
                "sector": nullable(STRING)}},
        "EnterpriseInput": {
            "type": "object", "required": ["name", "tax_code", "province"],
            "properties": {
                "name": {**REQUIRED_LINE, "minLength": 1, "maxLength": ENTERPRISE_NAME_LENGTH},
                "tax_code": {"type": "string", "pattern": r"^[0-9]{10}(-[0-9]{3})?$",
                             "description": "10 digits (the 10th a check digit), or "
                                            "NNNNNNNNNN-NNN for a branch"},
                "province": {**LINE, "description": "Province code, e.g. 79"},
                "workforce": {"type": "integer", "minimum": 0, "maximum": WORKFORCE.most},
                "ownership": {"type": "string", "enum": ownership, "default": "private"},
                "sector": {**LINE, "maxLength": 100, "nullable": True,
                           "description": "e.g. " + ", ".join(SECTORS)}}},
        "CaseInput": {
            "description": "One enterprise, or at least two for small_units",
            "oneOf": [case_input([k for k in KINDS if k != SMALL_UNITS], 1, 1),
                      case_input([SMALL_UNITS], 2, None)]},
        "Case": {
            "type": "object",
            "required": ["id", "ref", "kind", "state", "version", "unit", "province",
                         "organiser", "enterprises", "target_members", "applications",
                         "deadline", "allowed_triggers", "resume_state", "founded_members",
                         "founded_unit", "details", "created_at", "updated_at"],
            "properties": {
                "id": INTEGER, "ref": nullable(STRING),
                "kind": {"type": "string", "enum": list(KINDS)},
                "state": {"type": "string", "enum": list(ALL_STATES)},
                "version": {"type": "integer", "minimum": 1},
                "unit": STRING, "province": STRING, "organiser": nullable(STRING),
                "enterprises": {"type": "array", "items": ref("Enterprise")},
                "target_members": COUNT,
                "applications": {
                    "type": "object", "required": ["vietnamese", "foreign", "received"],
                    "description": "vietnamese and foreign: the verified applications (typed "
                                   "in steps or verified in the register), each once; "
                                   "received: the register's not yet decided",
                    "properties": {"vietnamese": COUNT, "foreign": COUNT, "received": COUNT}},
                "deadline": nullable(DATE),
                "allowed_triggers": {"type": "array",
                                     "items": {"type": "string", "enum": list(triggers)}},
                "resume_state": nullable(STRING),
                "founded_members": nullable(COUNT),
                "founded_unit": nullable({"type": "object", "required": ["code", "name"],
                                          "properties": {"code": STRING, "name": STRING},
                                          "description": "The grassroots union the case "
                                                         "founded (null until founded)"}),
                "details": {"type": "object"},
                "created_at": DATETIME, "updated_at": DATETIME}},
        "CaseDetail": {
            "allOf": [ref("Case"), {
                "type": "object", "required": ["history", "steps", "blocked_triggers"],
                "properties": {"history": {"type": "array", "items": ref("AuditEntry")},
                               "steps": {"type": "array", "items": ref("Step")},
                               "blocked_triggers": {
                                   "type": "object", "additionalProperties": STRING,
                                   "description": "The allowed triggers whose guards cannot "
                                   "pass yet (no outreach step, too few applications, a "
                                   "congress date still to come ...), each with the reason: "
                                   "firing one is refused with it"}}}]},
        "CaseList": {
            "type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": ref("Case")}, "total": COUNT,
                           "page": COUNT, "per_page": COUNT}},
        "StepInput": {
            "type": "object", "required": ["kind", "date"],
            "properties": {
                "kind": {"type": "string", "enum": list(STEP_KINDS)},
                "date": {**INPUT_DATE, "description": "Not in the future"},
                "note": {**NO_NUL, "maxLength": NOTE_LENGTH, "nullable": True},
                **{name: {"type": "integer", "minimum": APPLICATIONS_CHANGE.least,
                          "maximum": APPLICATIONS_CHANGE.most, "nullable": True,
                          "description": "Applications gained (or, negative, withdrawn); "
                                         "null or absent: 0"}
                   for name in ("applications_vietnamese", "applications_foreign")}}},
        "Step": {
            "type": "object",
            "required": ["id", "kind", "date", "note", "applications_vietnamese",
                         "applications_foreign", "author", "created_at"],
            "properties": {
                "id": INTEGER, "kind": {"type": "string", "enum": list(STEP_KINDS)},
                "date": DATE, "applications_vietnamese": INTEGER,
                "note": nullable({**STRING, "description": "null for those who may not "
                                                           "read it (it may name workers)"}),
                "applications_foreign": INTEGER, "author": STRING, "created_at": DATETIME}},
        "AuditEntry": {
            "type": "object",
            "required": ["id", "action", "trigger", "from", "to", "actor", "actor_role",
                         "actor_unit", "comment", "data", "at"],
            "properties": {
                "id": INTEGER, "action": STRING, "trigger": nullable(STRING),
                "from": nullable(STRING), "to": nullable(STRING), "actor": STRING,
                "actor_role": STRING, "actor_unit": STRING, "comment": nullable(STRING),
                "data": nullable({"type": "object"}), "at": DATETIME}},
        "TransitionInput": {
            "oneOf": [ref(trigger_schema_name(name)) for name in triggers],
            "discriminator": {"propertyName": "trigger",
                              "mapping": {name: f"#/components/schemas/"
                                                f"{trigger_schema_name(name)}"
                                          for name in triggers}}},
        "Approval": {
            "type": "object",
            "required": ["id", "case_id", "case_ref", "trigger", "data", "comment",
                         "from_state", "status", "requester", "requested_at", "decided_by",
                         "decided_at", "decision_comment"],
            "properties": {
                "id": INTEGER, "case_id": INTEGER, "case_ref": nullable(STRING),
                "trigger": STRING, "data": nullable({"type": "object"}),
                "comment": nullable(STRING), "from_state": STRING,
                "status": {"type": "string", "enum": list(APPROVAL_STATUSES)},
                "requester": STRING, "requested_at": DATETIME,
                "decided_by": nullable(STRING), "decided_at": nullable(DATETIME),
                "decision_comment": nullable(STRING),
                "can_decide": {"type": "boolean",
                               "description": "Whether you may decide it now"}}},
        "ApprovalList": {
            "type": "object", "required": ["items", "total"],
            "properties": {"items": {"type": "array", "items": ref("Approval")},
                           "total": COUNT}},
        "ApprovalFiled": {
            "type": "object", "required": ["approval"],
            "properties": {"approval": ref("Approval"), "route": {
                "type": "object", "required": ["unit", "escalated", "nobody", "message"],
                "description": "Who decides it: the unit of the nearest people who may; "
                               "escalated when no one at the requester's unit but the "
                               "requester may, so it went to the unit above; nobody when no "
                               "one but the requester may (withdraw it, or have one named)",
                "properties": {"unit": STRING, "escalated": {"type": "boolean"},
                               "nobody": {"type": "boolean"}, "message": STRING}}}},
        "DecisionInput": {
            "description": "Approve (a comment is optional), or reject with the reason",
            "oneOf": [
                {"type": "object", "required": ["decision"],
                 "properties": {
                     "decision": {"type": "string", "enum": ["approve"]},
                     "comment": {**NO_NUL, "maxLength": COMMENT_LENGTH, "nullable": True},
                     "data": decision_data_schema()}},
                {"type": "object", "required": ["decision", "comment"],
                 "properties": {
                     "decision": {"type": "string", "enum": ["reject"]},
                     "comment": {**text(r"\u0000", required=True),
                                 "maxLength": COMMENT_LENGTH, "description": "Why"},
                     "data": decision_data_schema()}}]},
        "WithdrawInput": {
            "type": "object",
            "properties": {
                "comment": {**NO_NUL, "maxLength": COMMENT_LENGTH, "nullable": True,
                            "description": "Optional: why it is withdrawn"}}},
        "DecisionResult": {
            "type": "object", "required": ["approval", "case"],
            "properties": {"approval": ref("Approval"), "case": ref("Case")}},
        "Workflow": {
            "type": "object", "required": ["kinds"],
            "properties": {"kinds": {"type": "object", "additionalProperties": {
                "type": "object",
                "required": ["label", "flow", "initial", "states", "triggers"],
                "properties": {
                    "label": STRING, "flow": STRING, "initial": STRING,
                    "states": {"type": "array", "items": {
                        "type": "object", "required": ["name", "label", "terminal"],
                        "properties": {"name": STRING, "label": STRING,
                                       "terminal": {"type": "boolean"}}}},
                    "triggers": {"type": "array", "items": {
                        "type": "object",
                        "required": ["name", "label", "from", "to", "roles", "needs_approval",
                                     "approved_by", "comment_required", "data", "guards"],
                        "properties": {
                            "name": STRING, "label": STRING,
                            "from": {"type": "array", "items": STRING}, "to": STRING,
                            "roles": {"type": "array", "items": STRING},
                            "needs_approval": {"type": "boolean"},
                            "approved_by": nullable(STRING),
                            "comment_required": {"type": "boolean"},
                            "data": {"type": "array", "items": {
                                "type": "object", "required": ["name", "type", "required"],
                                "properties": {"name": STRING, "type": STRING,
                                               "required": {"type": "boolean"},
                                               "entered_by": {
                                                   "type": "string", "enum": ["approver"],
                                                   "description": "Entered when approving; "
                                                   "optional in the request"}}}},
                            "guards": {"type": "array", "items": STRING}}}}}}}}},
        "PipelineRow": {
            "type": "object", "required": ["key", "label", "states", *NUMBERS],
            "properties": {"key": STRING, "label": STRING,
                           "states": {"type": "object", "additionalProperties": COUNT},
                           **{n: {"type": "number"} for n in NUMBERS}}},
        "Pipeline": {
            "type": "object", "required": ["by", "flow", "kind", "year", "states", "rows",
                                           "totals"],
            "properties": {
                "by": {"type": "string", "enum": list(DIMENSIONS)}, "flow": STRING,
                "kind": nullable({"type": "string", "enum": list(KINDS)}),
                "year": INTEGER, "states": {"type": "array", "items": STRING},
                "rows": {"type": "array", "items": ref("PipelineRow")},
                "totals": {"type": "object", "required": ["states", *NUMBERS],
                           "properties": {"states": {"type": "object",
                                                     "additionalProperties": COUNT},
                                          **{n: {"type": "number"} for n in NUMBERS}}}}},
        "StateTiming": {
            "type": "object",
            "required": ["stays", "median_days", "p90_days", "entered", "converted",
                         "conversion"],
            "properties": {"stays": COUNT, "median_days": nullable({"type": "number"}),
                           "p90_days": nullable({"type": "number"}), "entered": COUNT,
                           "converted": COUNT, "conversion": nullable({"type": "number"})}},
        "Timings": {
            "type": "object", "required": ["from", "to", "flow", "states", "overall", "rows"],
            "properties": {
                "from": DATE, "to": DATE, "flow": STRING,
                "states": {"type": "array", "items": STRING},
                "overall": {"type": "object", "additionalProperties": ref("StateTiming")},
                "rows": {"type": "array", "items": {
                    "type": "object", "required": ["key", "label", "states"],
                    "properties": {"key": STRING, "label": STRING,
                                   "states": {"type": "object",
                                              "additionalProperties": ref("StateTiming")}}}}}},
        "TargetRow": {
            "type": "object",
            "required": ["unit", "label", "type", "target", "founded_members", "founded_unions",
                         "members_share", "unions_share", "open_cases", "forecast_members",
                         "forecast_unions", "members_now", "admitted_members",
                         "left_members", "net_members", "members_unreported", "on_track"],
            "properties": {
                "unit": STRING, "label": STRING, "type": STRING,
                "target": {"type": "object",
                           "required": ["new_members", "new_unions", "baseline_members",
                                        "total_members"],
                           "properties": {k: nullable(INTEGER) for k in
                                          ("new_members", "new_unions", "baseline_members",
                                           "total_members")}},
                "founded_members": INTEGER, "founded_unions": INTEGER,
                "members_share": nullable({"type": "number"}),
                "unions_share": nullable({"type": "number"}),
                "open_cases": INTEGER, "forecast_members": INTEGER,
                "forecast_unions": INTEGER, "members_now": nullable(INTEGER),
                "admitted_members": COUNT, "left_members": COUNT,
                "net_members": {**INTEGER, "description": "founded + admitted - left"},
                "members_unreported": {**COUNT, "description": "Part of members_now: the "
                                       "founders of unions that never reported"},
                "on_track": nullable({"type": "boolean"})}},
        "Targets": {
            "type": "object", "required": ["year", "elapsed_share", "unit", "rows"],
            "properties": {"year": INTEGER, "elapsed_share": {"type": "number"},
                           "unit": STRING,
                           "rows": {"type": "array", "items": ref("TargetRow")}}},
        "FollowUp": {
            "type": "object", "required": ["id", "action", "owner", "due_date", "done"],
            "properties": {"id": INTEGER, "action": STRING, "owner": STRING,
                           "due_date": DATE, "done": {"type": "boolean"}}},
        "FollowUpInput": {
            "type": "object", "required": ["action", "owner", "due_date"],
            "properties": {
                "id": {"type": "integer", "description": "Updates that follow-up; without "
                                                         "it a new one is added"},
                "action": {**REQUIRED_TEXT, "minLength": 1, "maxLength": ACTION_LENGTH},
                "owner": {**REQUIRED_LINE, "minLength": 1, "maxLength": NAME_LENGTH,
                          "description": "A user's email, or a person's name"},
                "due_date": INPUT_DATE, "done": {"type": "boolean", "default": False}}},
        "Visit": {
            "type": "object",
            "required": ["id", "leader", "leader_name", "province", "host_unit", "host_note",
                         "planned_date", "purpose", "status", "outcome", "follow_ups",
                         "cases", "version", "created_at", "updated_at"],
            "properties": {
                "id": INTEGER, "leader": STRING, "leader_name": STRING, "province": STRING,
                "host_unit": STRING, "host_note": nullable(STRING), "planned_date": DATE,
                "purpose": nullable(STRING),
                "status": {"type": "string", "enum": list(VISIT_STATUSES)},
                "outcome": nullable(STRING),
                "follow_ups": {"type": "array", "items": ref("FollowUp")},
                "cases": {"type": "array", "items": {
                    "type": "object", "required": ["id", "ref"],
                    "properties": {"id": INTEGER, "ref": nullable(STRING)}}},
                "version": {"type": "integer", "minimum": 1},
                "created_at": DATETIME, "updated_at": DATETIME}},
        "VisitList": {
            "type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": ref("Visit")}, "total": COUNT,
                           "page": COUNT, "per_page": COUNT}},
        "VisitInput": {
            "type": "object", "required": ["province", "host_unit", "planned_date", "purpose"],
            "properties": {
                "leader": {**LINE, "nullable": True,
                           "description": "Email of the leader who visits (default: you, "
                                          "when you are a leader)"},
                "province": {**LINE, "description": "Province code"},
                "host_unit": {**LINE, "description": "Unit code, e.g. LDLD-79"},
                "host_note": {**TEXT, "maxLength": HOST_NOTE_LENGTH},
                "planned_date": INPUT_DATE,
                "purpose": {**REQUIRED_TEXT, "minLength": 1, "maxLength": PURPOSE_LENGTH},
                "cases": {"type": "array", "maxItems": CASES_PER_VISIT, "items": ref("CaseRef")}}},
        "VisitPatch": {
            "type": "object", "additionalProperties": False,
            "description": "Any of these (and no other field); all are checked before anything "
                           "changes. The leader and the province cannot be changed.",
            "properties": {
                "version": {"type": "integer", "minimum": 1,
                            "description": "The version you saw (409 when stale)"},
                "planned_date": INPUT_DATE,
                "purpose": {**REQUIRED_TEXT, "minLength": 1, "maxLength": PURPOSE_LENGTH},
                "status": {"type": "string", "enum": list(VISIT_STATUSES)},
                "outcome": {**TEXT, "maxLength": OUTCOME_LENGTH},
                "host_unit": {**REQUIRED_LINE, "minLength": 1},
                "host_note": {**TEXT, "maxLength": HOST_NOTE_LENGTH},
                "follow_ups": {"type": "array", "maxItems": FOLLOW_UPS_PER_VISIT,
                               "items": ref("FollowUpInput"),
                               "description": "Replaces the visit's follow-ups"},
                "cases": {"type": "array", "maxItems": CASES_PER_VISIT, "items": ref("CaseRef"),
                          "description": "Replaces the linked cases you can see"}}},
        "CaseRef": {"oneOf": [{"type": "integer", "minimum": 1},
                              {**REQUIRED_LINE, "minLength": 1}],
                    "description": "A case id, or its reference"},
    }
    out.update(transition_schemas())
    return out


# --- parameters, responses and the operations of each endpoint ---------------------------------

ERRORS = {
    400: ("BadRequest", "The request is malformed (not a JSON object, a body holding NUL, a "
                        "bad page number, an unknown trigger)"),
    401: ("Unauthorized", "No valid API token"),
    403: ("Forbidden", "Your role may not do this"),
    404: ("NotFound", "No such resource, or it is outside your scope"),
    409: ("Conflict", "Stale version, invalid transition, already decided, duplicate case"),
    422: ("Invalid", "Bad or missing input (a query parameter holding a control character, on "
                     "any operation), or a guard of the workflow failed; `field` names the "
                     "input"),
}


def query(name: str, schema: dict, description: str = "") -> dict:
    """An optional query parameter; given empty (`?year=`, as a form sends it) it is absent."""
    param = {"name": name, "in": "query", "required": False, "allowEmptyValue": True,
             "schema": {**schema, "pattern": QUERY_TEXT["pattern"]}
             if schema.get("type") == "string" and not {"enum", "pattern"} & set(schema)
             else schema}
    if description:
        param["description"] = description
    return param


def paging(max_per_page: int, default_per_page: int) -> list[dict]:
    return [query("page", {"type": "integer", "minimum": 1, "maximum": PAGES.most, "default": 1}),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": max_per_page,
                               "default": default_per_page})]


def json_body(schema: str, description: str = "", required: bool = True) -> dict:
    body = {"required": required, "content": {"application/json": {"schema": ref(schema)}}}
    if description:
        body["description"] = description
    return body


def responds(ok: dict[int, tuple[str, str]], errors: tuple[int, ...]) -> dict:
    responses = {str(status): {"description": description,
                               "content": {"application/json": {"schema": ref(schema)}}}
                 for status, (schema, description) in ok.items()}
    # any operation refuses a body holding NUL (400, api/__init__.py) and a query parameter
    # holding a control character (422, casework.routing)
    for status in sorted({400, 401, 422, *errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return responses


# the period of the timings: the same years (services/pipeline.py parse_period)
PERIOD_DATE = {**DATE, "pattern": DATE_PATTERN}


def pipeline_params() -> list[dict]:
    return [
        query("by", {"type": "string", "enum": list(DIMENSIONS), "default": "province"}),
        query("kind", {"type": "string", "enum": list(KINDS)}),
        query("flow", {"type": "string", "enum": [f.name for f in FLOWS]}),
        query("year", {"type": "integer", "minimum": YEARS.least, "maximum": YEARS.most},
              "Default: this year"),
        query("sector", STRING),
        query("ownership", {"type": "string", "enum": [o.value for o in Ownership]}),
        query("unit", STRING, "A unit code: that unit's subtree"),
    ]


def operations(max_per_page: int) -> dict[str, dict[str, dict]]:
    """endpoint -> method -> operation. Every endpoint of the blueprint must be here."""
    case_filters = [query(name, STRING) for name in FILTERS]
    return {
        "api.workflow": {"get": {
            "summary": "Every kind's states and triggers, from the workflow definition",
            "tags": ["workflow"], "responses": responds({200: ("Workflow", "The flows")}, ())}},
        "api.list_cases": {"get": {
            "summary": "Cases in your scope; q ignores Vietnamese diacritics",
            "tags": ["cases"],
            "parameters": case_filters + paging(max_per_page, 25),
            "responses": responds({200: ("CaseList", "A page of cases")}, (400,))}},
        "api.post_case": {"post": {
            "summary": "Create a case", "tags": ["cases"],
            "requestBody": json_body("CaseInput"),
            "responses": responds({201: ("Case", "The new case")},
                                  (400, 403, 409, 422))}},
        "api.get_case": {"get": {
            "summary": "A case with its history and steps", "tags": ["cases"],
            "responses": responds({200: ("CaseDetail", "The case")}, (404,))}},
        "api.add_step": {"post": {
            "summary": "Log a step (corrections are new steps)", "tags": ["cases"],
            "requestBody": json_body("StepInput"),
            "responses": responds({201: ("Step", "The step")}, (400, 403, 404, 409, 422))}},
        "api.transition": {"post": {
            "summary": "Fire a trigger, or request the approval it needs", "tags": ["cases"],
            "description": "`data` takes the fields of the trigger (see the Transition_* "
                           "schemas, generated from the workflow definition).",
            "requestBody": json_body("TransitionInput"),
            "responses": responds({200: ("Case", "The case, moved"),
                                   202: ("ApprovalFiled", "The approval request filed")},
                                  (400, 403, 404, 409, 422))}},
        "api.list_approvals": {"get": {
            "summary": "Approval requests on cases in your scope", "tags": ["approvals"],
            "parameters": [query("status", {"type": "string", "enum": list(APPROVAL_STATUSES),
                                            "default": "pending"})],
            "responses": responds({200: ("ApprovalList", "At most 500, oldest first")},
                                  (400,))}},
        "api.decision": {"post": {
            "summary": "Approve or reject (a comment is required to reject)",
            "tags": ["approvals"], "requestBody": json_body("DecisionInput"),
            "responses": responds({200: ("DecisionResult", "The request and its case")},
                                  (400, 403, 404, 409, 422))}},
        "api.withdraw_request": {"post": {
            "summary": "Withdraw your own pending request (audited)", "tags": ["approvals"],
            "requestBody": json_body("WithdrawInput", required=False),
            "responses": responds({200: ("DecisionResult", "The request and its case")},
                                  (400, 403, 404, 409, 422))}},
        "api.pipeline_json": {"get": {
            "summary": "Cases per state, by province, unit, sector or ownership",
            "tags": ["leadership"], "parameters": pipeline_params(),
            "responses": responds({200: ("Pipeline", "The pipeline")}, (422,))}},
        "api.timings_json": {"get": {
            "summary": "Time in each state and conversion over a period", "tags": ["leadership"],
            "parameters": pipeline_params() + [
                query("from", PERIOD_DATE, "Default: 364 days before `to`; with `year`, the "
                      "year's first day (a date outside the year is ignored)"),
                query("to", PERIOD_DATE, "Default: today; with `year`, the year's last day")],
            "responses": responds({200: ("Timings", "The timings")}, (422,))}},
        "api.targets_json": {"get": {
            "summary": "Progress of the units in scope against their targets",
            "tags": ["leadership"],
            "parameters": [query("year", {"type": "integer", "minimum": YEARS.least,
                                          "maximum": YEARS.most}),
                           query("unit", STRING)],
            "responses": responds({200: ("Targets", "The progress")}, (403, 422))}},
        "api.list_visits": {"get": {
            "summary": "Leadership visits in your scope", "tags": ["visits"],
            "parameters": [query("leader", STRING, "Email"),
                           query("province", STRING, "Province code"),
                           query("status", {"type": "string", "enum": list(VISIT_STATUSES)}),
                           query("upcoming", {"type": "string", "enum": list(UPCOMING)})]
            + paging(max_per_page, 50),
            "responses": responds({200: ("VisitList", "A page of visits")}, (400, 422))}},
        "api.post_visit": {"post": {
            "summary": "Plan a visit (leaders)", "tags": ["visits"],
            "requestBody": json_body("VisitInput"),
            "responses": responds({201: ("Visit", "The visit")}, (400, 403, 409, 422))}},
        "api.show_visit": {"get": {
            "summary": "A visit", "tags": ["visits"],
            "responses": responds({200: ("Visit", "The visit")}, (404,))}},
        "api.patch_visit": {"patch": {
            "summary": "Change or record a visit", "tags": ["visits"],
            "requestBody": json_body("VisitPatch"),
            "responses": responds({200: ("Visit", "The visit")}, (400, 403, 404, 409, 422))}},
    }


# --- the paths, from the URL map ----------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:[a-zA-Z_][\w]*(?:\([^)]*\))?:)?([a-zA-Z_][\w]*)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith(bp.name + ".")), key=lambda r: r.rule)


def openapi_path(rule) -> str:
    """'/api/v1/cases/<int:case_id>' -> '/cases/{case_id}' (relative to the server URL)."""
    path = _ARGUMENT.sub(r"{\1}", rule.rule)
    return path[len(PREFIX):] or "/"


def path_parameter(name: str, converter) -> dict:
    schema = {"type": "string"}
    if isinstance(converter, IdConverter):
        schema = {"type": "integer", "minimum": 1, "maximum": IDS.most}
    elif isinstance(converter, IntegerConverter):
        schema = {"type": "integer"}
        if converter.min is not None:
            schema["minimum"] = converter.min
        elif not converter.signed:
            schema["minimum"] = 0
        if converter.max is not None:
            schema["maximum"] = converter.max
    return {"name": name, "in": "path", "required": True, "schema": schema}


def rule_methods(rule) -> list[str]:
    return sorted(m.lower() for m in rule.methods - IGNORED_METHODS)


def schema_name(schema) -> str | None:
    """A schema's component name: its `openapi_name`, else its class name without "Schema"."""
    cls = schema if isinstance(schema, type) else type(schema)
    return getattr(cls, "openapi_name", None) or default_resolver(cls)


class Writer:
    """Writes the operation of a decorated view (casework/api/docs.py) into the spec."""

    def __init__(self, spec: APISpec, plugin: MarshmallowPlugin):
        self.spec, self.plugin = spec, plugin

    def schema(self, schema) -> dict:
        """A $ref to the component of `schema` (a marshmallow schema or a OneOf), registered
        on first use."""
        if isinstance(schema, OneOf):
            if schema.name not in self.spec.components.schemas:
                variants = [self.schema(v) for v in schema.variants]
                body = {"oneOf": variants}
                if schema.discriminator:
                    body["discriminator"] = {
                        "propertyName": schema.discriminator,
                        "mapping": {self.discriminant(v, schema.discriminator): r["$ref"]
                                    for v, r in zip(schema.variants, variants)}}
                if schema.description:
                    body["description"] = schema.description
                self.spec.components.schema(schema.name, body)
            return ref(schema.name)
        return self.plugin.converter.resolve_nested_schema(schema)

    @staticmethod
    def discriminant(schema, prop: str) -> str:
        cls = schema if isinstance(schema, type) else type(schema)
        return cls._declared_fields[prop].choices[0]

    def query(self, schema) -> list[dict]:
        params = self.plugin.converter.schema2parameters(schema, location="query")
        for param in params:  # given empty (`?year=`, as a form sends it) it is absent
            param["allowEmptyValue"] = True
            inner = param["schema"]
            if inner.get("type") == "string" and not {"enum", "pattern"} & set(inner):
                inner["pattern"] = QUERY_TEXT["pattern"]
        return params

    def response(self, status: int, answer) -> dict:
        if answer is None:
            return {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        schema, description = answer if isinstance(answer, tuple) else (answer, None)
        if schema is None:  # (None, "description"): an answer without a body (204)
            return {"description": description}
        if description is None:
            cls = schema if isinstance(schema, type) else type(schema)
            description = ((getattr(schema, "description", None) or cls.__doc__ or "OK")
                           .strip().splitlines()[0])
        return {"description": description,
                "content": {"application/json": {"schema": self.schema(schema)}}}

    def operation(self, described: Operation) -> dict:
        out: dict = {"summary": described.summary}
        if described.description:
            out["description"] = described.description
        if described.tags:
            out["tags"] = list(described.tags)
        if described.security is not None:
            out["security"] = described.security
        if described.query is not None:
            out["parameters"] = self.query(described.query)
        if described.body is not None:
            out["requestBody"] = {"required": described.body_required, "content": {
                "application/json": {"schema": self.schema(described.body)}}}
        statuses = dict(described.responses)
        if described.security != []:  # errors a route that needs a token may answer
            for status in (400, 401, 422):
                statuses.setdefault(status, None)
        out["responses"] = {str(status): self.response(status, statuses[status])
                            for status in sorted(statuses)}
        return out


def build_document(app) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="casework API", version=API_VERSION, openapi_version=OPENAPI_VERSION,
        info={"description": "The campaign to found grassroots trade unions (công đoàn cơ sở): "
                             "cases, steps, transitions, approvals, visits and the leadership "
                             "pipeline. Authenticate with `Authorization: Bearer <token>` (from "
                             "`flask users token EMAIL`); this document needs none. Errors are "
                             "`{\"error\": {\"code\", \"message\"}}`."},
        servers=[{"url": PREFIX}],
        security=[{"bearerAuth": []}],
        plugins=[plugin],
    )
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token from `flask users token EMAIL`"})
    for name, schema in schemas().items():
        spec.components.schema(name, schema)
    for status, (name, description) in ERRORS.items():
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}}})
    writer = Writer(spec, plugin)
    documented = operations(app.config["API_MAX_PER_PAGE"])
    paths: dict[str, dict] = {}
    for rule in api_rules(app):
        described = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        ops = documented.get(rule.endpoint, {})
        path = paths.setdefault(openapi_path(rule), {})
        params = [path_parameter(name, rule._converters[name]) for name in
                  sorted(rule.arguments)]
        if params:
            path.setdefault("parameters", params)
        for method in rule_methods(rule):
            if described is not None:
                path[method] = {"operationId": rule.endpoint.split(".", 1)[1],
                                **writer.operation(described)}
            elif method in ops:
                path[method] = {"operationId": rule.endpoint.split(".", 1)[1],
                                **ops[method]}
    for path, item in paths.items():
        spec.path(path=path, operations={k: v for k, v in item.items() if k != "parameters"},
                  parameters=item.get("parameters"))
    return spec.to_dict()


def undocumented(app, document: dict) -> list[str]:
    """'METHOD /api/v1/...' of every rule of the blueprint without an operation in `document`."""
    missing = []
    for rule in api_rules(app):
        item = document["paths"].get(openapi_path(rule), {})
        missing += [f"{m.upper()} {rule.rule}" for m in rule_methods(rule) if m not in item]
    return missing


def document_for(app) -> dict:
    cached = app.extensions.get("casework.openapi")
    if cached is None:
        cached = app.extensions["casework.openapi"] = build_document(app)
    return cached


@bp.get("/openapi.json")
@public
@operation(summary="This document (no token needed)", responses={200: OpenAPIDocument},
           tags=["meta"], security=[])
def openapi():
    """The OpenAPI document of this API; the one route that needs no token."""
    return jsonify(document_for(current_app))
