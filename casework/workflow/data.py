"""The data a trigger takes, as pure definitions: its refusal, its stored form, its description.

It is read (from a form, the API's "data" object or a stored request) through the schema
generated from the trigger's fields: casework/schemas/transitions.py.
"""
from __future__ import annotations

from datetime import date

from casework.errors import Invalid
from casework.workflow.definition import Field, Trigger


class GuardFailed(Invalid):
    code = "guard_failed"


def to_json(data: dict) -> dict:
    """Dates as ISO strings, so the data can be stored in a JSON column."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def field_spec(field: Field, trigger: Trigger | None = None) -> dict:
    spec = {"name": field.name, "type": field.type, "required": field.required}
    if trigger is not None and field in trigger.decision_fields:
        spec["entered_by"] = "approver"  # when approving; optional in the request
    return spec
