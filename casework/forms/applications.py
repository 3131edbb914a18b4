"""The register's forms. WTForms renders them and checks the CSRF token; the values are loaded
by the schemas of casework/schemas/applications.py (the same as the API's), whose errors are
put next to the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, HiddenField, SelectField, StringField, SubmitField

from casework import clock
from casework.forms import CaseworkForm
from casework.forms.cases import choices
from casework.models.application import (CHANNEL_LABELS, DECISION_LABELS,  # noqa: F401
                                         GENDER_LABELS, STATUS_LABELS)
from casework.schemas.limits import (APPLICANT_NAME_LENGTH, APPLICATION_CONTACT_LENGTH,
                                     APPLICATION_JOB_LENGTH, APPLICATION_REASON_LENGTH,
                                     PHONE_TEXT_LENGTH)

YES_NO = [("", "—"), ("yes", _l("Yes")), ("no", _l("No"))]


def _select(label, pairs, **kwargs):
    # the schema checks the choice (with the API's message); the select only offers them
    return SelectField(label, choices=choices(pairs), validate_choice=False, **kwargs)


def _date(label, **kwargs):
    return StringField(label, render_kw={"type": "date"}, **kwargs)


class ApplicationForm(CaseworkForm):
    full_name = StringField(_l("Full name"), render_kw={"maxlength": APPLICANT_NAME_LENGTH,
                                                        "autocomplete": "off"})
    birth_date = _date(_l("Date of birth"))
    birth_year = StringField(_l("or year of birth"), render_kw={"inputmode": "numeric"})
    gender = _select(_l("Gender"), [("", "—")] + list(GENDER_LABELS.items()))
    nationality = StringField(_l("Nationality"), default="VN",
                              description=_l("VN, or the ISO 3166 code of the country"),
                              render_kw={"maxlength": 2})
    contract_12_months = _select(_l("Foreign worker: labour contract of 12 months or longer"),
                                 YES_NO)
    job = StringField(_l("Job or department"), render_kw={"maxlength": APPLICATION_JOB_LENGTH})
    phone = StringField(_l("Phone"), render_kw={"maxlength": PHONE_TEXT_LENGTH, "type": "tel",
                                                "placeholder": "0912 345 678"})
    applied_on = _date(_l("Applied on"), default=lambda: clock.today().isoformat())
    channel = _select(_l("Channel"), [(k, v) for k, v in CHANNEL_LABELS.items()
                                      if k != "online"])
    submit = SubmitField(_l("Add to the register"))

    def values(self) -> dict:
        """What the schema loads: the text as typed, yes/no as booleans."""
        data = {name: self[name].data for name in
                ("full_name", "birth_date", "birth_year", "gender", "nationality", "job",
                 "phone", "applied_on", "channel")}
        data["contract_12_months"] = {"yes": True, "no": False}.get(
            self.contract_12_months.data)
        return data


class DecisionForm(CaseworkForm):
    status = _select(_l("Decision"), list(DECISION_LABELS.items()))
    reason = StringField(_l("Reason (required to reject)"),
                         render_kw={"maxlength": APPLICATION_REASON_LENGTH})
    not_duplicate = BooleanField(_l("Not the same person as the possible duplicate"))
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {"status": self.status.data, "reason": self.reason.data or "",
                "version": self.version.data, "not_duplicate": bool(self.not_duplicate.data)}


class LinkForm(CaseworkForm):
    expires_on = _date(_l("Expires on (optional)"))
    contact = StringField(_l("How workers reach the union (phone, address)"),
                          render_kw={"maxlength": APPLICATION_CONTACT_LENGTH})
    submit = SubmitField(_l("Open a new application link"))


class ImportForm(CaseworkForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"))
    submit = SubmitField(_l("Import applications"))


class ConfirmForm(CaseworkForm):
    """A button alone (the CSRF token)."""
    submit = SubmitField(_l("Confirm"))
