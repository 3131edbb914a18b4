"""Forms of the membership pages (issue 14): a month's report, renaming, transferring and
dissolving a union, and the import of a membership file."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from casework.forms import CaseworkForm
from casework.schemas.limits import (MEMBERS, MONTH_TEXT_LENGTH, REASON_LENGTH, UNIT_CODE_LENGTH,
                                      UNIT_NAME_LENGTH)


def _figure(label, required=True):
    return IntegerField(label, validators=[InputRequired() if required else Optional(),
                                           NumberRange(*MEMBERS)])


class ReportForm(CaseworkForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(),
                                                           Length(max=MONTH_TEXT_LENGTH)])
    admitted_vietnamese = _figure(_l("Vietnamese members admitted"))
    admitted_foreign = _figure(_l("Foreign members admitted"))
    left = _figure(_l("Members who left"))
    closing = _figure(_l("Members at the end of the month"))
    submit = SubmitField(_l("Save the month"))


class RenameForm(CaseworkForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=UNIT_NAME_LENGTH)])
    submit = SubmitField(_l("Rename"))


class TransferForm(CaseworkForm):
    parent = StringField(_l("New managing unit (code)"), validators=[DataRequired(),
                                                                      Length(max=UNIT_CODE_LENGTH)])
    on = DateField(_l("From"), validators=[DataRequired()])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=REASON_LENGTH)])
    submit = SubmitField(_l("Transfer"))


class DissolveForm(CaseworkForm):
    on = DateField(_l("Dissolved on"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_LENGTH)])
    submit = SubmitField(_l("Dissolve"))


class MembershipImportForm(CaseworkForm):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))
