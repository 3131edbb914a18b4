"""Parsing the data a trigger takes (from a form or the API's "data" object)."""
from __future__ import annotations

from datetime import date

from casework.errors import Invalid

from casework.i18n import _
from casework.schemas.limits import TRIGGER_NUMBER, TRIGGER_TEXT_LENGTH, YEARS
from casework.text import nfc
from casework.workflow.definition import DOCUMENTS, Field, Trigger


class GuardFailed(Invalid):
    code = "guard_failed"


def parse_date(value, label: str, name: str) -> date:
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise GuardFailed(_("%(label)s: not a date in the form YYYY-MM-DD", label=_(label)),
                              field=name)
    if not YEARS.least <= parsed.year <= YEARS.most:
        raise GuardFailed(_("%(label)s: date out of range", label=_(label)), field=name)
    return parsed


def parse_int(value, label: str, name: str) -> int:
    if isinstance(value, bool):
        raise GuardFailed(_("%(label)s: must be a whole number", label=_(label)), field=name)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise GuardFailed(_("%(label)s: must be a whole number", label=_(label)), field=name)
    if not TRIGGER_NUMBER.least <= number <= TRIGGER_NUMBER.most:
        raise GuardFailed(_("%(label)s: must be between 0 and %(maximum)d", label=_(label),
                            maximum=TRIGGER_NUMBER.most), field=name)
    return number


def parse_text(value, label: str, name: str) -> str:
    if not isinstance(value, str):
        raise GuardFailed(_("%(label)s: must be text", label=_(label)), field=name)
    text = nfc(value)
    if len(text) > TRIGGER_TEXT_LENGTH:
        raise GuardFailed(_("%(label)s: at most %(maximum)d characters", label=_(label),
                            maximum=TRIGGER_TEXT_LENGTH), field=name)
    if any(ord(ch) < 32 for ch in text):
        raise GuardFailed(_("%(label)s: contains control characters", label=_(label)),
                          field=name)
    return text


def parse_names(value, label: str, name: str) -> list[str]:
    if isinstance(value, str):  # a form's textarea: one name per line (commas accepted too)
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list):
        raise GuardFailed(_("%(label)s: must be a list of names", label=_(label)), field=name)
    names = [parse_text(item, label, name) for item in value]
    return [n for n in names if n]


def parse_documents(value, label: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GuardFailed(_("%(label)s: must be a list of checklist items", label=_(label)),
                          field=name)
    unknown = sorted(set(value) - set(DOCUMENTS))
    if unknown:
        raise GuardFailed(_("%(label)s: unknown items %(items)s", label=_(label),
                            items=", ".join(unknown)), field=name)
    return [d for d in DOCUMENTS if d in value]


PARSERS = {"date": parse_date, "int": parse_int, "text": parse_text, "names": parse_names,
           "documents": parse_documents}


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str)
                                                           and not value.strip())


def parse_trigger_data(trigger: Trigger, raw: dict | None, comment: str | None, *,
                       requesting: bool = False) -> dict:
    """Clean the trigger's fields; unknown keys are ignored, missing required ones refused.

    `requesting`: an approval request, in which the fields its approver enters are optional."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise GuardFailed(_("data must be an object"))
    later = trigger.decision_fields if requesting else ()
    cleaned = {}
    for spec in trigger.fields:
        value = raw.get(spec.name)
        if _is_blank(value):
            if spec.required and spec.type != "documents" and spec not in later:
                raise GuardFailed(_("%(label)s is required", label=_(spec.label)), field=spec.name)
            value = [] if spec.type in ("names", "documents") else None
            if value is None:
                continue
        cleaned[spec.name] = PARSERS[spec.type](value, spec.label, spec.name)
        if spec.type == "names" and spec.required and not cleaned[spec.name]:
            raise GuardFailed(_("%(label)s is required", label=_(spec.label)), field=spec.name)
    if trigger.comment_required and not nfc(comment or ""):
        raise GuardFailed(_("A comment (the reason) is required"), field="comment")
    return cleaned


def to_json(data: dict) -> dict:
    """Dates as ISO strings, so the data can be stored in a JSON column."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def field_spec(field: Field, trigger: Trigger | None = None) -> dict:
    spec = {"name": field.name, "type": field.type, "required": field.required}
    if trigger is not None and field in trigger.decision_fields:
        spec["entered_by"] = "approver"  # when approving; optional in the request
    return spec
