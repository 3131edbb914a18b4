"""Forms for creating, editing and reassigning cases and for logging steps.

Choices that come from the database (units, provinces, organisers) are set by the view.
"""

from flask_babel import lazy_gettext as _l
from wtforms import (DateField, EmailField, FieldList, FormField, HiddenField,
                     IntegerField, SelectField, StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from casework.forms import CaseworkForm, SubForm
from casework.models.enterprise import OWNERSHIP_LABELS, SECTOR_LABELS, SECTORS, Ownership
from casework.models.step import STEP_KINDS
from casework.schemas.limits import (COMMENT_LENGTH, EMAIL_LENGTH, ENTERPRISE_NAME_LENGTH,
                                      ENTERPRISES_PER_CASE, NOTE_LENGTH, TARGET_MEMBERS,
                                      TAX_CODE_TYPED_LENGTH, WORKFORCE)
from casework.workflow.definition import DOCUMENT_LABELS, DOCUMENTS, KIND_LABELS, KINDS
from casework import clock


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


def document_choices() -> list[SelectChoice]:
    """The dossier's checklist items, in order, as the options of a select or checkboxes."""
    return choices((d, _l(DOCUMENT_LABELS[d])) for d in DOCUMENTS)


# Labels for the domain's code values (the workflow's own labels are marked N_ in definition.py)
STEP_KIND_LABELS = {
    "contact_employer": _l("Contact with the employer"),
    "worker_meeting": _l("Meeting with workers"),
    "propaganda": _l("Propaganda"),
    "applications_collected": _l("Applications collected"),
    "committee_formed": _l("Committee formed"),
    "congress": _l("Congress"),
    "dossier": _l("Dossier"),
    "leadership_visit": _l("Leadership visit"),
    "survey_report": _l("Survey report"),
    "other": _l("Other"),
}
AUDIT_ACTION_LABELS = {
    "created": _l("Created"),
    "transition": _l("Moved"),
    "approval_requested": _l("Approval requested"),
    "approval_decided": _l("Approval decided"),
    "approval_withdrawn": _l("Request withdrawn"),
    "reassigned": _l("Reassigned"),
    "edited": _l("Edited"),
    "application_added": _l("Application added"),
    "application_status": _l("Application decided"),
    "register_viewed": _l("Register viewed"),
    "register_exported": _l("Register exported"),
    "application_erased": _l("Application data erased"),
    "application_link": _l("Application link changed"),
    "application_form": _l("Scanned application form"),
}
ROLE_LABELS = {
    "organiser": _l("Organiser"),
    "supervisor": _l("Supervisor"),
    "leader": _l("Leader"),
    "admin": _l("Administrator"),
    "system": _l("System"),          # the history's actor when no user acted (audit.SYSTEM_ROLE)
}
APPROVAL_STATUS_LABELS = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "superseded": _l("Superseded"),
    "withdrawn": _l("Withdrawn"),
}


class EnterpriseForm(SubForm):
    """One enterprise row of the new-case form (a plain Form: the outer form carries CSRF)."""
    name = StringField(_l("Enterprise name"), validators=[Length(max=ENTERPRISE_NAME_LENGTH)])
    tax_code = StringField(_l("Tax code"), validators=[Length(max=TAX_CODE_TYPED_LENGTH)],
                           description=_l("10 digits, or NNNNNNNNNN-NNN for a branch"))
    province = SelectField(_l("Province"), choices=[], validate_choice=False)
    workforce = IntegerField(_l("Workforce"),
                             validators=[Optional(), NumberRange(min=WORKFORCE.least)])
    ownership = SelectField(_l("Ownership"), default="private",
                            choices=choices((o.value, OWNERSHIP_LABELS[o.value])
                                            for o in Ownership))
    sector = SelectField(_l("Sector"), default="",
                         choices=choices([("", _l("(not given)"))]
                                         + [(s, SECTOR_LABELS[s]) for s in SECTORS]))

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.tax_code.data or "").strip()


class CaseForm(CaseworkForm):
    kind = SelectField(_l("Kind of case"), choices=choices((k, _l(KIND_LABELS[k])) for k in KINDS))
    unit = SelectField(_l("Managing unit"), choices=[], validate_choice=False)
    organiser = EmailField(_l("Organiser (email)"),
                           validators=[Optional(), Length(max=EMAIL_LENGTH)],
                           description=_l("Leave empty to assign the case to yourself"))
    target_members = IntegerField(_l("Target members"),
                                  validators=[Optional(), NumberRange(min=TARGET_MEMBERS.least)])
    enterprises = FieldList(FormField(EnterpriseForm), _l("Enterprise"), min_entries=1,
                            max_entries=ENTERPRISES_PER_CASE)
    add_enterprise = SubmitField(_l("Add another enterprise"))
    remove_enterprise = SubmitField(_l("Remove the last enterprise"))
    submit = SubmitField(_l("Create case"))


class StepForm(CaseworkForm):
    kind = SelectField(_l("What was done"),
                       choices=choices((k, STEP_KIND_LABELS[k]) for k in STEP_KINDS))
    date = DateField(_l("Date"), default=clock.today, validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_LENGTH)])
    applications_vietnamese = IntegerField(
        _l("Applications from Vietnamese workers"), default=0, validators=[Optional()],
        description=_l("Negative only to correct an earlier count"))
    applications_foreign = IntegerField(
        _l("Applications from foreign workers"), default=0, validators=[Optional()],
        description=_l("Foreign workers may join but do not count toward the founders"))
    submit = SubmitField(_l("Log step"))


class ReassignForm(CaseworkForm):
    organiser = SelectField(_l("New organiser"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[Length(max=COMMENT_LENGTH)])
    version = HiddenField()
    submit = SubmitField(_l("Reassign"))


class EditCaseForm(CaseworkForm):
    target_members = IntegerField(_l("Target members"),
                                  validators=[InputRequired(),
                                              NumberRange(min=TARGET_MEMBERS.least)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))
