"""WTForms (through Flask-WTF, for CSRF), one module per area; every form derives from CaseworkForm."""
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form

from casework.forms.messages import TRANSLATIONS

NUL_REFUSED = _l("Text must not contain NUL characters.")
# Flask-WTF words its CSRF refusals in English only, and the token is no field a person fills in
CSRF_REFUSED = _l("The form has expired; reload the page and try again.")
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


def own_errors(field) -> list:
    """A field's own messages: a FieldList's errors also hold its rows' (dicts and lists),
    which the rows' fields show themselves."""
    return [e for e in field.errors or () if not isinstance(e, (dict, list, tuple))]


def _labelled(form, prefix: str = ""):
    """(field, the label a person reads for it): 'Enterprise 2 — Workforce' in a row."""
    for field in form:
        label = prefix + str(field.label.text)
        if hasattr(field, "entries"):      # FieldList
            for n, entry in enumerate(field.entries, 1):
                row = f"{label} {n}"
                if hasattr(entry, "form"):
                    yield from _labelled(entry.form, row + " — ")
                else:
                    yield entry, row
            yield field, label
        elif hasattr(field, "form") and hasattr(field.form, "_fields"):  # FormField
            yield from _labelled(field.form, label + " — ")
        else:
            yield field, label


def error_summary(form) -> list[tuple[str | None, str | None, str]]:
    """What a failed form says, as (the id of the field to link to, its label, message): the
    form's own messages first (no field), then each field's in the order of the form."""
    items = [(None, None, str(message)) for message in form.form_errors]
    for field, label in _labelled(form):
        hidden = field.type in _NOT_SHOWN
        items += [(None if hidden else field.id, None if hidden else label, str(message))
                  for message in own_errors(field)]
    return items


def submitted_forms_summary() -> list[tuple[str | None, str | None, str]]:
    """The error summary of every form this request filled in (base.html shows it at the top
    of the page); read at render time, so refusals added after validation are in it."""
    forms = g.get("casework_submitted_forms", []) if has_request_context() else []
    return [item for form in forms for item in error_summary(form)]


class SubForm(Form):
    """A form nested in another (a FormField's rows): no CSRF of its own, WTForms' messages in
    the reader's language."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


class CaseworkForm(FlaskForm):
    """A FlaskForm that refuses text holding NUL, next to the field it was typed in: no
    PostgreSQL text column stores one, so it would otherwise fail when saved or searched.
    Hidden fields are left to the service, which refuses a bad version with a message that
    the page shows above the form. WTForms' own messages come from casework's catalogue."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if kwargs.get("formdata", True) is not None and has_request_context() \
                and self.is_submitted():
            g.setdefault("casework_submitted_forms", []).append(self)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        csrf_token = self._fields.get("csrf_token")
        if csrf_token is not None and csrf_token.errors:
            csrf_token.errors = [CSRF_REFUSED]
        for field in _fields(self):
            if field.type in _NOT_SHOWN:
                continue
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [*field.errors, NUL_REFUSED]
                valid = False
        return valid
