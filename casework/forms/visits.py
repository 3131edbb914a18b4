"""Forms for leadership visits and province assignments."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from casework.forms import CaseworkForm
from casework.schemas.limits import (ACTION_LENGTH, CASE_REF_LENGTH, HOST_NOTE_LENGTH, NAME_LENGTH,
                                      OUTCOME_LENGTH, PURPOSE_LENGTH, UNIT_CODE_LENGTH)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]


class _VisitPlanFields(CaseworkForm):
    """What planning a visit and editing its plan share."""
    host_unit = StringField(_l("Host unit (code, e.g. LDLD-79)"),
                            validators=[DataRequired(), Length(max=UNIT_CODE_LENGTH)])
    host_note = StringField(_l("Also received by (e.g. the Provincial Party Committee)"),
                            validators=[Optional(), Length(max=HOST_NOTE_LENGTH)])
    planned_date = DateField(_l("Planned date"), validators=[DataRequired()])
    purpose = TextAreaField(_l("Purpose"),
                            validators=[DataRequired(), Length(max=PURPOSE_LENGTH)])


class PlanVisitForm(_VisitPlanFields):
    leader = SelectField(_l("Leader"), validators=[DataRequired()], validate_choice=False)
    province = SelectField(_l("Province"), validators=[DataRequired()], validate_choice=False)
    submit = SubmitField(_l("Plan the visit"))


class EditVisitForm(_VisitPlanFields):
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class RecordVisitForm(CaseworkForm):
    version = HiddenField()
    status = SelectField(_l("Status"), choices=choices([("done", _l("Done")),
                                                        ("cancelled", _l("Cancelled"))]))
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=OUTCOME_LENGTH)])
    submit = SubmitField(_l("Record"))


class FollowUpForm(CaseworkForm):
    version = HiddenField()
    action = TextAreaField(_l("Action"), validators=[DataRequired(), Length(max=ACTION_LENGTH)])
    owner = StringField(_l("Owner (a user's email, or a name)"),
                        validators=[DataRequired(), Length(max=NAME_LENGTH)])
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
    submit = SubmitField(_l("Add follow-up"))


class LinkCaseForm(CaseworkForm):
    version = HiddenField()
    case = StringField(_l("Case reference"),
                       validators=[DataRequired(), Length(max=CASE_REF_LENGTH)])
    submit = SubmitField(_l("Link case"))


class VersionedActionForm(CaseworkForm):
    """A button that changes the visit (marks a follow-up done, unlinks a case)."""
    version = HiddenField()


class AssignProvinceForm(CaseworkForm):
    leader = SelectField(_l("Leader"), validators=[DataRequired()], validate_choice=False)
    province = SelectField(_l("Province"), validators=[DataRequired()], validate_choice=False)
    submit = SubmitField(_l("Assign"))


class UnassignProvinceForm(CaseworkForm):
    pass
