"""WTForms (through Flask-WTF, for CSRF), one module per area; every form derives from CaseworkForm."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

NUL_REFUSED = _l("Text must not contain NUL characters.")
_NOT_SHOWN = ("HiddenField", "CSRFTokenField")


def _fields(form):
    """The fields that hold what was typed, in sub-forms and lists too."""
    for field in form:
        if hasattr(field, "entries"):      # FieldList
            for entry in field.entries:
                yield from _fields(entry.form) if hasattr(entry, "form") else [entry]
        elif hasattr(field, "form") and hasattr(field.form, "_fields"):  # FormField
            yield from _fields(field.form)
        else:
            yield field


class CaseworkForm(FlaskForm):
    """A FlaskForm that refuses text holding NUL, next to the field it was typed in: no
    PostgreSQL text column stores one, so it would otherwise fail when saved or searched.
    Hidden fields are left to the service, which refuses a bad version with a message that
    the page shows above the form."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _fields(self):
            if field.type in _NOT_SHOWN:
                continue
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [*field.errors, NUL_REFUSED]
                valid = False
        return valid
