"""What a transition takes: the request (trigger, version, comment, data) and, generated from
the workflow definition (FLOWS), the data of each trigger.

FIELD_TYPES is the ONE map from a workflow `Field.type` to what reads it: the marshmallow field
(which the API and the services load through, and which apispec writes into the OpenAPI
document) and the WTForms field of the trigger's form (casework/forms/transitions.py). A new
field type is added here, once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.i18n import _
from casework.schemas.base import N_, OneOf, Schema, load
from casework.text import nfc
from casework.workflow.data import GuardFailed
from casework.schemas.fields import (C0, NUL, Choice, Day, Items, Text, WholeNumber,
                                     text_pattern)
from casework.schemas.limits import (COMMENT_LENGTH, TRIGGER_NUMBER, TRIGGER_TEXT_LENGTH,
                                     VERSIONS, YEARS)
from casework.workflow.definition import (DOCUMENT_LABELS, DOCUMENTS, FLOWS, Field, Trigger)

GUARD_FAILED = "guard_failed"   # what a trigger's data answers (casework.workflow.data)
REQUIRED = N_("%(label)s is required")


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class Names(Items):
    """Names, one per line in a form's textarea (commas accepted too), or a JSON list; blank
    ones are left out."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.replace(",", "\n").splitlines()
        names = [n for n in super()._deserialize(value, attr, data, **kwargs) if n]
        if self.required and not names:
            raise self.refuse(REQUIRED)
        return names


class Documents(Items):
    """Checklist items, in the checklist's order."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.refuse()
        chosen = super()._deserialize(value, attr, data, **kwargs)
        unknown = sorted(set(chosen) - set(DOCUMENTS))
        if unknown:
            raise self.refuse(N_("%(label)s: unknown items %(items)s"), items=", ".join(unknown))
        return [d for d in DOCUMENTS if d in chosen]


def _text(field: Field, required: bool):
    return Text(required=required, max_length=TRIGGER_TEXT_LENGTH, label=field.label,
                metadata={"pattern": text_pattern(C0), "description": field.label},
                code=GUARD_FAILED, message=N_("%(label)s: contains control characters"),
                messages={N_("Required"): REQUIRED, N_("Not text"): N_("%(label)s: must be text"),
                          N_("At most %(maximum)s characters"):
                          N_("%(label)s: at most %(maximum)d characters")})


def _date(field: Field, required: bool):
    return Day(required=required, years=YEARS, label=field.label, code=GUARD_FAILED,
               metadata={"description": field.label},
               message=N_("%(label)s: not a date in the form YYYY-MM-DD"),
               messages={N_("Required"): REQUIRED,
                         N_("Date out of range"): N_("%(label)s: date out of range")})


def _int(field: Field, required: bool):
    return WholeNumber(required=required, minimum=TRIGGER_NUMBER.least,
                       maximum=TRIGGER_NUMBER.most, label=field.label,
                       metadata={"description": field.label},
                       code=GUARD_FAILED, message=N_("%(label)s: must be a whole number"),
                       messages={N_("Required"): REQUIRED,
                                 N_("Must be from %(minimum)s to %(maximum)s"):
                                 N_("%(label)s: must be between 0 and %(maximum)d")})


def _names(field: Field, required: bool):
    item = Text(max_length=TRIGGER_TEXT_LENGTH, label=field.label, code=GUARD_FAILED,
                message=N_("%(label)s: contains control characters"),
                messages={N_("Not text"): N_("%(label)s: must be text"),
                          N_("At most %(maximum)s characters"):
                          N_("%(label)s: at most %(maximum)d characters")})
    return Names(item, flat=True, required=required, label=field.label, code=GUARD_FAILED,
                 metadata={"description": field.label},
                 **({} if required else {"load_default": list}),
                 message=N_("%(label)s: must be a list of names"),
                 messages={N_("Required"): REQUIRED})


def _documents(field: Field, required: bool):
    return Documents(fields.String(metadata={"enum": list(DOCUMENTS)}), label=field.label,
                     metadata={"description": field.label}, required=required,
                     code=GUARD_FAILED, **({} if required else {"load_default": list}),
                     message=N_("%(label)s: must be a list of checklist items"))


def _form_date(field: Field, validators):
    return DateField(_l(field.label), validators=validators)


def _form_int(field: Field, validators):
    return IntegerField(_l(field.label),
                        validators=validators + [NumberRange(*TRIGGER_NUMBER)])


def _form_text(field: Field, validators):
    return StringField(_l(field.label), validators=validators + [Length(max=TRIGGER_TEXT_LENGTH)])


def _form_names(field: Field, validators):
    return TextAreaField(_l(field.label), validators=validators,
                         description=_l("One name per line"))


def _form_documents(field: Field, validators):
    return CheckboxListField(_l(field.label),
                             choices=[SelectChoice(d, _l(DOCUMENT_LABELS[d])) for d in DOCUMENTS],
                             validate_choice=True,
                             description=_l("Tick every document the dossier contains"))


@dataclass(frozen=True)
class FieldType:
    schema: Callable   # (Field, required) -> a marshmallow field
    form: Callable     # (Field, validators) -> a WTForms field
    blank: object = None  # the value of the field left blank (None: absent)


FIELD_TYPES = {
    "date": FieldType(_date, _form_date),
    "int": FieldType(_int, _form_int),
    "text": FieldType(_text, _form_text),
    "names": FieldType(_names, _form_names, blank=()),
    "documents": FieldType(_documents, _form_documents, blank=()),
}


def form_field(field: Field, required: bool | None = None):
    """The WTForms field of a trigger's field (casework/forms/transitions.py)."""
    required = field.required if required is None else required
    return FIELD_TYPES[field.type].form(field, [InputRequired()] if required else [Optional()])


def _is_blank(value) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


class TriggerData(Schema):
    """The data of a trigger: blank fields are absent (a names or documents field: empty);
    unknown keys are ignored."""

    error_code = GUARD_FAILED
    error_class = GuardFailed
    trigger: Trigger

    @pre_load
    def _leave_out_blanks(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if not _is_blank(v)}


@cache
def trigger_data_schema(trigger: Trigger, *, requesting: bool = False,
                        documenting: bool = False) -> type[TriggerData]:
    """The schema of what `trigger` takes. `requesting`: an approval request, in which the
    fields its approver enters are optional (they are entered when deciding). A checklist
    (documents) is loaded even when absent, its guard saying what is missing; `documenting`:
    the document's version, which asks for it."""
    later = trigger.decision_fields if requesting else ()
    attrs = {f.name: FIELD_TYPES[f.type].schema(
        f, f.required and (documenting or f.type != "documents") and f not in later)
        for f in trigger.fields}
    attrs["trigger"] = trigger
    attrs["openapi_inline"] = True   # written inside the transition's schema
    attrs["__doc__"] = (f"The data of `{trigger.name}`" + (" (none)" if not trigger.fields else "")
                        + (f"; {', '.join(f.name for f in later)}: optional here, entered by the "
                           "approver (DecisionInput.data)" if later else "")
                        + "; other keys are ignored.")
    return type(f"TransitionData_{trigger.name}", (TriggerData,), attrs)


def load_trigger_data(trigger: Trigger, raw, comment: str | None, *,
                      requesting: bool = False) -> dict:
    """The typed data of `trigger` (what a form, the API or a stored request gives), or
    GuardFailed naming the first field that is wrong; a comment, where the trigger needs one."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GuardFailed(_("data must be an object"))
    data = load(trigger_data_schema(trigger, requesting=requesting), raw)
    if trigger.comment_required and not nfc(comment or ""):
        raise GuardFailed(_("A comment (the reason) is required"), field="comment")
    return data


class TransitionRequest(Schema):
    """Fire a trigger, or request the approval it needs: the trigger's data is loaded by the
    service, through the trigger's own schema (trigger_data_schema)."""

    trigger = fields.Raw(required=True)   # unknown to a case's flow: 400 unknown_trigger
    version = fields.Raw(load_default=None)  # checked against the case: casework.services.cases
    comment = Text(refused=NUL, max_length=COMMENT_LENGTH, empty="",
                   message=N_("The comment must be text of at most %(maximum)d characters"))
    data = fields.Raw(load_default=None)


def unique_triggers() -> dict[str, Trigger]:
    """Every trigger name once; a name shared by flows (put_on_hold ...) takes the same data."""
    triggers: dict[str, Trigger] = {}
    for flow in FLOWS:
        for trigger in flow.triggers:
            seen = triggers.setdefault(trigger.name, trigger)
            if (seen.fields, seen.comment_required) != (trigger.fields, trigger.comment_required):
                raise ValueError(f"{trigger.name} takes different data in different flows")
    return triggers


# --- the document's description of each trigger's request (generated from FLOWS) ------------

def transition_variant(trigger: Trigger) -> type[Schema]:
    """`Transition_<trigger>`: the request that fires `trigger` (the OpenAPI document's; the API
    loads TransitionRequest, then the service the trigger's data)."""
    kinds = [k for flow in FLOWS if flow.trigger(trigger.name) for k in flow.kinds]
    data = trigger_data_schema(trigger, requesting=trigger.needs_approval, documenting=True)
    needs_data = any(f.required for f in trigger.request_fields)
    comment = {"description": "Required (the reason)" if trigger.comment_required
               else "Optional"}
    attrs = {
        "trigger": Choice([trigger.name], required=True),
        "version": WholeNumber(minimum=VERSIONS.least, required=True, metadata={
            "description": "The version of the case you saw (409 when stale)"}),
        "comment": Text(refused=NUL, max_length=COMMENT_LENGTH, required=True,
                        metadata={**comment, "pattern": text_pattern(NUL, required=True)})
        if trigger.comment_required else
        Text(refused=NUL, max_length=COMMENT_LENGTH, empty="", metadata=comment),
        "data": fields.Nested(data, required=needs_data),
        "openapi_name": f"Transition_{trigger.name}",
        "__doc__": f"Fire `{trigger.name}` on a case of kind {', '.join(kinds)}"
                   + (f"; approval by {trigger.approval.name}" if trigger.approval else "")
                   + ".",
    }
    return type(f"Transition_{trigger.name}", (Schema,), attrs)


TRANSITION_INPUT = OneOf("TransitionInput",
                         tuple(transition_variant(t) for t in unique_triggers().values()),
                         discriminator="trigger")
