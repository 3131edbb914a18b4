"""Setting a unit's target for a year."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from casework.forms import CaseworkForm
from casework.schemas.limits import TARGET_FIGURE, TARGET_NOTE_LENGTH, YEARS
from casework import clock


def _figure(label):
    return IntegerField(label, validators=[Optional(), NumberRange(*TARGET_FIGURE)])


class TargetForm(CaseworkForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired()])   # choices set by the view
    year = IntegerField(_l("Year"), default=lambda: clock.today().year,
                        validators=[DataRequired(), NumberRange(*YEARS)])
    new_members = _figure(_l("New members"))
    new_unions = _figure(_l("New grassroots unions"))
    baseline_members = _figure(_l("Members at the start of the year (baseline)"))
    total_members = _figure(_l("Total members by the end of the year"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=TARGET_NOTE_LENGTH)])
    submit = SubmitField(_l("Save target"))
