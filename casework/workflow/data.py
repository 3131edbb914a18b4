"""Parsing the data a trigger takes (from a form or the API's "data" object)."""
from __future__ import annotations

from datetime import date

from casework.services import Invalid
from casework.text import nfc
from casework.workflow.definition import DOCUMENTS, Field, Trigger

MAX_TEXT = 200
MAX_INT = 10_000_000


class GuardFailed(Invalid):
    code = "guard_failed"


def parse_date(value, label: str, name: str) -> date:
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise GuardFailed(f"{label}: not a date in the form YYYY-MM-DD", field=name)
    if not 1990 <= parsed.year <= 2100:
        raise GuardFailed(f"{label}: date out of range", field=name)
    return parsed


def parse_int(value, label: str, name: str) -> int:
    if isinstance(value, bool):
        raise GuardFailed(f"{label}: must be a whole number", field=name)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise GuardFailed(f"{label}: must be a whole number", field=name)
    if not 0 <= number <= MAX_INT:
        raise GuardFailed(f"{label}: must be between 0 and {MAX_INT}", field=name)
    return number


def parse_text(value, label: str, name: str) -> str:
    if not isinstance(value, str):
        raise GuardFailed(f"{label}: must be text", field=name)
    text = nfc(value)
    if len(text) > MAX_TEXT:
        raise GuardFailed(f"{label}: at most {MAX_TEXT} characters", field=name)
    if any(ord(ch) < 32 for ch in text):
        raise GuardFailed(f"{label}: contains control characters", field=name)
    return text


def parse_names(value, label: str, name: str) -> list[str]:
    if isinstance(value, str):  # a form's textarea: one name per line (commas accepted too)
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list):
        raise GuardFailed(f"{label}: must be a list of names", field=name)
    names = [parse_text(item, label, name) for item in value]
    return [n for n in names if n]


def parse_documents(value, label: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GuardFailed(f"{label}: must be a list of checklist items", field=name)
    unknown = sorted(set(value) - set(DOCUMENTS))
    if unknown:
        raise GuardFailed(f"{label}: unknown items {', '.join(unknown)}", field=name)
    return [d for d in DOCUMENTS if d in value]


PARSERS = {"date": parse_date, "int": parse_int, "text": parse_text, "names": parse_names,
           "documents": parse_documents}


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str)
                                                           and not value.strip())


def parse_trigger_data(trigger: Trigger, raw: dict | None, comment: str | None) -> dict:
    """Clean the trigger's fields; unknown keys are ignored, missing required ones refused."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise GuardFailed("data must be an object")
    cleaned = {}
    for spec in trigger.fields:
        value = raw.get(spec.name)
        if _is_blank(value):
            if spec.required and spec.type != "documents":
                raise GuardFailed(f"{spec.label} is required", field=spec.name)
            value = [] if spec.type in ("names", "documents") else None
            if value is None:
                continue
        cleaned[spec.name] = PARSERS[spec.type](value, spec.label, spec.name)
        if spec.type == "names" and spec.required and not cleaned[spec.name]:
            raise GuardFailed(f"{spec.label} is required", field=spec.name)
    if trigger.comment_required and not nfc(comment or ""):
        raise GuardFailed("A comment (the reason) is required", field="comment")
    return cleaned


def to_json(data: dict) -> dict:
    """Dates as ISO strings, so the data can be stored in a JSON column."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def field_spec(field: Field) -> dict:
    return {"name": field.name, "type": field.type, "required": field.required}
