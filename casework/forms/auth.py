from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from casework.forms import CaseworkForm
from casework.schemas.limits import EMAIL_LENGTH, PASSWORD_LENGTH


class LoginForm(CaseworkForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=EMAIL_LENGTH)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=PASSWORD_LENGTH.most)])
    submit = SubmitField(_l("Log in"))
