"""Trigger forms, generated from a Trigger's fields; and the approval decision form."""
from flask_babel import gettext, lazy_gettext as _l
from wtforms import (DateField, HiddenField, IntegerField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.forms import CaseworkForm
from casework.forms.cases import DOCUMENT_LABELS, choices
from casework.workflow.definition import DOCUMENTS, Field, Trigger


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _field_for(spec: Field):
    label = _l(spec.label)
    required = [InputRequired()] if spec.required else [Optional()]
    if spec.type == "date":
        return DateField(label, validators=required)
    if spec.type == "int":
        return IntegerField(label, validators=required + [NumberRange(min=0)])
    if spec.type == "text":
        return StringField(label, validators=required + [Length(max=200)])
    if spec.type == "names":
        return TextAreaField(label, validators=required,
                             description=_l("One name per line"))
    if spec.type == "documents":
        return CheckboxListField(label,
                                 choices=choices((d, DOCUMENT_LABELS[d]) for d in DOCUMENTS),
                                 validate_choice=True,
                                 description=_l("Tick every document the dossier contains"))
    raise ValueError(spec.type)


def trigger_form_class(trigger: Trigger) -> type[CaseworkForm]:
    """A form with one field per trigger field, a comment, and the case version seen."""
    attrs = {spec.name: _field_for(spec) for spec in trigger.fields}
    comment_validators = [InputRequired(message=_l("A comment (the reason) is required."))] \
        if trigger.comment_required else [Optional()]
    attrs["comment"] = TextAreaField(
        _l("Reason") if trigger.comment_required else _l("Comment (optional)"),
        validators=comment_validators + [Length(max=5000)])
    attrs["version"] = HiddenField()
    attrs["submit"] = SubmitField(_l("Submit"))
    return type(f"{trigger.name.title().replace('_', '')}Form", (CaseworkForm,), attrs)


def trigger_data(form, trigger: Trigger) -> dict:
    """The trigger's data as the service takes it (blank fields left out)."""
    data = {}
    for spec in trigger.fields:
        value = form[spec.name].data
        if value is None or value == "" or value == []:
            continue
        data[spec.name] = value
    return data


def submit_label(trigger: Trigger) -> str:
    label = gettext(trigger.label)
    if trigger.needs_approval:
        return gettext("Request approval: %(action)s", action=label)
    return label


class DecisionForm(CaseworkForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)],
                            description=_l("Required to reject"))
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))
