"""Trigger forms, generated from a Trigger's fields; and the approval decision form."""
from datetime import date

from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from casework.forms import CaseworkForm
from casework.schemas.limits import COMMENT_LENGTH
from casework.schemas.transitions import form_field
from casework.services.decision_numbers import next_number
from casework.services.guards import date_bounds
from casework.workflow.definition import DATE_RULES, Field, Trigger, flow_for


def _field_for(spec: Field):
    return form_field(spec)


def explain_dates(form, case, specs) -> None:
    """Each date field says, before it is submitted, which days the case allows (DATE_RULES):
    as its help text and as the date picker's min and max."""
    for spec in specs:
        if spec.type != "date" or spec.name not in DATE_RULES:
            continue
        bounds = date_bounds(spec.name, case)
        field = form[spec.name]
        field.description = bounds.help_text()
        limits = {"min": bounds.earliest, "max": bounds.latest}
        field.render_kw = {**(field.render_kw or {}),
                           **{k: v.isoformat() for k, v in limits.items() if v}}


def trigger_form_class(trigger: Trigger) -> type[CaseworkForm]:
    """A form with one field per field the trigger's user enters (not those its approver enters
    when approving), a comment, and the case version seen."""
    attrs = {spec.name: _field_for(spec) for spec in trigger.request_fields}
    comment_validators = [InputRequired(message=_l("A comment (the reason) is required."))] \
        if trigger.comment_required else [Optional()]
    attrs["comment"] = TextAreaField(
        _l("Reason") if trigger.comment_required else _l("Comment (optional)"),
        validators=comment_validators + [Length(max=COMMENT_LENGTH)])
    attrs["version"] = HiddenField()
    attrs["submit"] = SubmitField(_l("Submit"))
    return type(f"{trigger.name.title().replace('_', '')}Form", (CaseworkForm,), attrs)


def trigger_data(form, trigger: Trigger, specs=None) -> dict:
    """The trigger's data as the service takes it (blank fields left out)."""
    data = {}
    for spec in trigger.request_fields if specs is None else specs:
        value = form[spec.name].data
        if value is None or value == "" or value == []:
            continue
        data[spec.name] = value
    return data


def offer_decision_number(form, user) -> None:
    """Fill a blank decision number with the next of the user's unit register (offered, not
    reserved: the service takes it, or refuses it if someone took it in the meantime)."""
    if "decision_number" in form and not form.decision_number.data:
        form.decision_number.data = next_number(user.unit)


def submit_label(trigger: Trigger) -> str:
    label = gettext(trigger.label)
    if trigger.needs_approval:
        return gettext("Request approval: %(action)s", action=label)
    return label


class DecisionForm(CaseworkForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=COMMENT_LENGTH)],
                            description=_l("Required to reject"))
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class WithdrawForm(CaseworkForm):
    comment = TextAreaField(_l("Why (optional)"), validators=[Length(max=COMMENT_LENGTH)])
    withdraw = SubmitField(_l("Withdraw my request"))


def decision_form(approval, *, submitted: bool = False) -> DecisionForm:
    """The Approve / Reject form of one request, with the fields its approver enters (the
    decision's number, date and signer), filled from the request if it carried them; the
    service requires them on approving only."""
    trigger = flow_for(approval.case.kind).trigger(approval.trigger)
    specs = trigger.decision_fields
    attrs = {spec.name: _field_for(Field(spec.name, spec.type, spec.label, required=False))
             for spec in specs}
    cls = type(f"Decide{trigger.name.title().replace('_', '')}Form", (DecisionForm,), attrs) \
        if specs else DecisionForm
    prefix = f"a{approval.id}"
    form = cls(prefix=prefix) if submitted else cls(formdata=None, prefix=prefix)
    if not submitted:
        for spec in specs:
            value = (approval.data or {}).get(spec.name)
            if value:
                form[spec.name].data = date.fromisoformat(value) if spec.type == "date" \
                    else value
        offer_decision_number(form, current_user)
    explain_dates(form, approval.case, specs)
    form.decision_specs = specs
    return form
