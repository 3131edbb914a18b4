"""What the register takes and gives: an application in (the API, the forms, the public page and
the import all load it here), a status change in, an application out.

Until `casework/schemas/base.py` lands (helper A), `Schema` and `load` are this module's own:
at the merge they are replaced by the base's (same behaviour: unknown fields excluded, the
first error raised as `casework.errors.Invalid(message, field=...)`).
"""
from __future__ import annotations

from datetime import date

import phonenumbers
import pycountry
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema as _MarshmallowSchema, ValidationError, fields, pre_load
from marshmallow import validate, validates_schema

from casework import clock
from casework.errors import Invalid
from casework.i18n import _
from casework.models.application import APPLICATION_CHANNELS, GENDERS
from casework.schemas.limits import (APPLICANT_NAME_LENGTH, APPLICATION_JOB_LENGTH,
                                     APPLICATION_REASON_LENGTH, APPLICATION_YEARS,
                                     APPLICATION_CONTACT_LENGTH, BIRTH_YEARS,
                                     MAX_ID, PHONE_TEXT_LENGTH)
from casework.text import has_control_character, nfc

DECISIONS = ("verified", "rejected", "withdrawn")


class Schema(_MarshmallowSchema):
    class Meta:
        unknown = EXCLUDE

    # a form or a spreadsheet sends "" for a field left blank: the field is then absent
    @pre_load
    def _blank_is_absent(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


def _first_error(messages, prefix: str = "") -> tuple[str, str | None]:
    for name, value in messages.items():
        field = None if name == "_schema" else f"{prefix}{name}"
        if isinstance(value, dict):
            return _first_error(value, f"{field}.")
        if isinstance(value, list) and value:
            return str(value[0]), field
        return str(value), field
    return _("Invalid input"), None


def load(schema: Schema, data) -> dict:
    """`data` loaded by `schema`; the first error as Invalid(message, field=...)."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object"), code="bad_request",
                      status=400)
    try:
        return schema.load(data)
    except ValidationError as error:
        message, field = _first_error(error.messages if isinstance(error.messages, dict)
                                      else {"_schema": error.messages})
        raise Invalid(message, field=field)


# --- fields ------------------------------------------------------------------------------------

class Line(fields.String):
    """One line of text, NFC, trimmed; refuses control characters."""

    def __init__(self, *, maximum: int, **kwargs):
        self.maximum = maximum
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_("Must be text"))
        text = " ".join(nfc(value).split())
        if has_control_character(text):
            raise ValidationError(_("Must not contain control characters"))
        if len(text) > self.maximum:
            raise ValidationError(_("At most %(maximum)d characters", maximum=self.maximum))
        return text


class Phone(fields.String):
    """A phone number as typed (`0912 345 678`, `+84 912…`), stored in E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > PHONE_TEXT_LENGTH:
            raise ValidationError(_("Not a phone number"))
        try:
            parsed = phonenumbers.parse(value, "VN")
        except phonenumbers.NumberParseException:
            raise ValidationError(_("Not a phone number"))
        if not phonenumbers.is_valid_number(parsed):
            raise ValidationError(_("Not a valid phone number (e.g. 0912 345 678)"))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class Country(fields.String):
    """An ISO 3166 alpha-2 code (VN, CN, KR ...), upper case."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value.strip()) != 2 \
                or pycountry.countries.get(alpha_2=value.strip().upper()) is None:
            raise ValidationError(_("Not a country code (ISO 3166, e.g. VN, KR, CN)"))
        return value.strip().upper()


class Day(fields.Date):
    """A date from YYYY-MM-DD within `years`, not in the future (Vietnam's today)."""

    def __init__(self, *, years: tuple[int, int], **kwargs):
        self.years = years
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                raise ValidationError(_("Not a date in the form YYYY-MM-DD"))
        if not self.years[0] <= day.year <= self.years[1]:
            raise ValidationError(_("Date out of range"))
        if day > clock.today():
            raise ValidationError(_("Cannot be in the future"))
        return day


def _bool(error_messages=None, **kwargs):
    return fields.Boolean(error_messages={"invalid": _l("Must be true or false"),
                                          **(error_messages or {})}, **kwargs)


# --- input -------------------------------------------------------------------------------------

class ApplicationInput(Schema):
    full_name = Line(maximum=APPLICANT_NAME_LENGTH, required=True,
                     error_messages={"required": _l("The full name is required")})
    birth_date = Day(years=BIRTH_YEARS, load_default=None, allow_none=True)
    birth_year = fields.Integer(
        load_default=None, allow_none=True, strict=False,
        validate=validate.Range(*BIRTH_YEARS, error=_l("A year from {min} to {max}")),
        error_messages={"invalid": _l("Must be a whole number")})
    gender = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        GENDERS, error=_l("One of: {choices}")))
    nationality = Country(load_default="VN")
    contract_12_months = _bool(load_default=None, allow_none=True)
    job = Line(maximum=APPLICATION_JOB_LENGTH, load_default="")
    phone = Phone(load_default=None, allow_none=True)
    applied_on = Day(years=APPLICATION_YEARS, load_default=None, allow_none=True)
    channel = fields.String(load_default="paper", validate=validate.OneOf(
        APPLICATION_CHANNELS, error=_l("One of: {choices}")))

    @validates_schema
    def _consistent(self, data, **_kwargs):
        if not data.get("full_name"):
            raise ValidationError(_("The full name is required"), "full_name")
        birth, year = data.get("birth_date"), data.get("birth_year")
        if birth and year and birth.year != year:
            raise ValidationError(_("The year of birth differs from the date of birth"),
                                  "birth_year")
        if data.get("nationality", "VN") != "VN" and data.get("contract_12_months") is None:
            raise ValidationError(_("Say whether the foreign worker's labour contract is 12 "
                                    "months or longer"), "contract_12_months")


class OnlineApplicationInput(ApplicationInput):
    """The public page: the same fields, with the consent it must record."""

    consent = _bool(required=True, error_messages={
        "required": _l("Tick the box to agree to how your data is used"),
        "invalid": _l("Tick the box to agree to how your data is used")})

    @validates_schema
    def _consented(self, data, **_kwargs):
        if not data.get("consent"):
            raise ValidationError(_("Tick the box to agree to how your data is used"), "consent")


class StatusChange(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        DECISIONS, error=_l("One of: {choices}")),
        error_messages={"required": _l("The status is required")})
    reason = Line(maximum=APPLICATION_REASON_LENGTH, load_default="")
    version = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID),
                             error_messages={"required": _l("The version is required"),
                                             "invalid": _l("Must be a whole number")})
    # the organiser's decision on a possible duplicate: not the same person
    not_duplicate = _bool(load_default=False)

    @validates_schema
    def _reason_for_rejection(self, data, **_kwargs):
        if data.get("status") == "rejected" and not data.get("reason"):
            raise ValidationError(_("A reason is required to reject an application"),
                                  "reason")


class ListQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("received",) + DECISIONS, error=_l("One of: {choices}")))


class LinkInput(Schema):
    expires_on = fields.Date(load_default=None, allow_none=True,
                             error_messages={"invalid": _l("Not a date in the form YYYY-MM-DD")})
    contact = Line(maximum=APPLICATION_CONTACT_LENGTH, load_default="", metadata={
        "description": "How a worker reaches the receiving union (printed on the public page)"})


# --- output ------------------------------------------------------------------------------------

class ApplicationOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["received", *DECISIONS]})
    full_name = fields.String(allow_none=True, metadata={"description": "null once erased"})
    birth_date = fields.Date(allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    gender = fields.String(allow_none=True)
    nationality = fields.String(required=True)
    contract_12_months = fields.Boolean(allow_none=True)
    job = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "E.164"})
    applied_on = fields.Date(required=True)
    channel = fields.String(required=True)
    reason = fields.String(allow_none=True)
    duplicate = fields.String(allow_none=True, metadata={
        "description": "flagged: possibly the same person as another application of the case, "
                       "not counted until an organiser decides; distinct: decided"})
    also_in_open_cases = fields.List(fields.String(), metadata={
        "description": "Refs of other open cases (in your scope) with the same phone"})
    consent_at = fields.DateTime(allow_none=True)
    erased = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class ApplicationList(Schema):
    items = fields.List(fields.Nested(ApplicationOut), required=True)
    total = fields.Integer(required=True)


class LinkOut(Schema):
    url = fields.String(required=True)
    expires_on = fields.Date(allow_none=True)


def application_json(application, elsewhere: dict[str, list[str]]) -> dict:
    """One application as the API gives it (`elsewhere`: services.also_in_open_cases)."""
    erased = application.erased_at is not None
    return ApplicationOut().dump({
        "id": application.id, "reference": application.reference,
        "status": application.status,
        "full_name": None if erased else application.full_name,
        "birth_date": application.birth_date, "birth_year": application.birth_year,
        "gender": application.gender, "nationality": application.nationality,
        "contract_12_months": application.contract_12_months,
        "job": None if erased else application.job, "phone": application.phone,
        "applied_on": application.applied_on, "channel": application.channel,
        "reason": None if erased else application.reason,
        "duplicate": application.duplicate_state,
        "also_in_open_cases": elsewhere.get(application.phone, []) if application.phone else [],
        "consent_at": application.consent_at, "erased": erased,
        "version": application.version, "created_at": application.created_at})
