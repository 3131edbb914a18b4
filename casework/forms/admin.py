"""Administration forms: users and organisation units. Unit choices are set by the view."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, PasswordField, SelectField, StringField,
                     SubmitField)
from wtforms.validators import InputRequired, Length, Optional

from casework.forms import CaseworkForm
from casework.forms.cases import ROLE_LABELS, choices
from casework.models import Role
from casework.schemas.limits import EMAIL_LENGTH, NAME_LENGTH, PASSWORD_LENGTH, UNIT_CODE_LENGTH

UNIT_TYPE_LABELS = {
    "vgcl": _l("Vietnam General Confederation of Labour"),
    "provincial_federation": _l("Provincial federation of labour"),
    "sector_union": _l("National sector union"),
    "corporation_union": _l("Corporation union"),
    "commune_union": _l("Commune or ward union"),
    "industrial_park_union": _l("Industrial park union"),
    "grassroots": _l("Grassroots union"),
}

ROLE_CHOICES = choices((r.value, ROLE_LABELS[r.value]) for r in Role)


class UserCreateForm(CaseworkForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=EMAIL_LENGTH)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_LENGTH)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(max=PASSWORD_LENGTH.most)],
        description=_l("At least 8 characters, and not a common password, word or pattern"))
    submit = SubmitField(_l("Create user"))


class UserEditForm(CaseworkForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_LENGTH)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active (may log in)"))
    password = PasswordField(_l("New password"),
                             validators=[Optional(), Length(max=PASSWORD_LENGTH.most)],
                             description=_l("Leave empty to keep the current password"))
    submit = SubmitField(_l("Save"))


class RevokeTokensForm(CaseworkForm):
    submit = SubmitField(_l("Revoke all API tokens"))


class UnitForm(CaseworkForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=UNIT_CODE_LENGTH)],
                       description=_l("For example LDLD-79 or CD-DETMAY"))
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_LENGTH)])
    # the types the administrator may give (casework.authz.assignable_unit_types), set by the view
    type = SelectField(_l("Type"), choices=[])
    parent = SelectField(_l("Parent unit"), choices=[], validate_choice=False)
    province = SelectField(_l("Province"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save"))
