"""What the register takes and gives: an application in (the API, the forms, the public page and
the import all load it here), a status change in, an application out.
"""
from __future__ import annotations

import phonenumbers
import pycountry
from marshmallow import ValidationError, validates_schema

from casework import clock
from casework.models.application import APPLICATION_CHANNELS, APPLICATION_STATUSES, GENDERS
from casework.schemas.base import N_, Refusal, Schema, load  # noqa: F401  (load: re-exported)
from casework.schemas.fields import (Checked, Choice, Day, Flag, Id, Instant, Items, Text,
                                     WholeNumber)
from casework.schemas.limits import (APPLICANT_NAME_LENGTH, APPLICATION_CONTACT_LENGTH,
                                     APPLICATION_JOB_LENGTH, APPLICATION_REASON_LENGTH,
                                     APPLICATION_YEARS, BIRTH_YEARS, PHONE_TEXT_LENGTH)
from marshmallow import fields

DECISIONS = ("verified", "rejected", "withdrawn")


def _refusal(message: str, field: str) -> ValidationError:
    return ValidationError(Refusal(message), field)


# --- fields ------------------------------------------------------------------------------------

class Phone(Checked, fields.String):
    """A phone number as typed (`0912 345 678`, `+84 912…`), stored in E.164."""

    def __init__(self, **kwargs):
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("maxLength", PHONE_TEXT_LENGTH)
        metadata.setdefault("pattern", r"^\+?[0-9 ().-]*$")
        metadata.setdefault("description", "As typed (a Vietnamese 09xx… number is accepted); "
                                           "stored and answered in E.164")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > PHONE_TEXT_LENGTH:
            raise self.refuse(N_("Not a phone number (e.g. 0912 345 678)"))
        try:
            parsed = phonenumbers.parse(value, "VN")
        except phonenumbers.NumberParseException:
            raise self.refuse(N_("Not a phone number (e.g. 0912 345 678)"))
        if not phonenumbers.is_valid_number(parsed):
            raise self.refuse(N_("Not a phone number (e.g. 0912 345 678)"))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)


class Country(Checked, fields.String):
    """An ISO 3166 alpha-2 code (VN, KR, CN ...), answered in upper case."""

    def __init__(self, **kwargs):
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("enum", COUNTRY_CODES)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value.strip()) != 2 \
                or pycountry.countries.get(alpha_2=value.strip().upper()) is None:
            raise self.refuse(N_("Not a country code (ISO 3166, e.g. VN, KR, CN)"))
        return value.strip().upper()


class PastDay(Day):
    """A date within `years` and not after Vietnam's today (it records what happened)."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > clock.today():
            raise self.refuse(N_("Cannot be in the future"))
        return day


# --- input -------------------------------------------------------------------------------------

class ApplicationInput(Schema):
    full_name = Text(required=True, max_length=APPLICANT_NAME_LENGTH,
                     message=N_("The full name is required (at most %(maximum)s characters, "
                                "one line)"))
    birth_date = PastDay(years=BIRTH_YEARS, empty=None, message=N_(
        "The date of birth: a date in the form YYYY-MM-DD from %(minimum)s, not in the future"))
    birth_year = WholeNumber(minimum=BIRTH_YEARS.least, maximum=BIRTH_YEARS.most, empty=None,
                             message=N_("The year of birth: from %(minimum)s to %(maximum)s"))
    gender = Choice(GENDERS, empty=None, message=N_("The gender: one of %(choices)s"))
    nationality = Country(empty="VN", metadata={"default": "VN"}, message=N_(
        "The nationality: VN, or the country's ISO 3166 code (KR, CN, JP ...)"))
    contract_12_months = Flag(empty=None, message=N_("Must be true or false"), metadata={
        "description": "A foreign worker: whether the labour contract is 12 months or longer "
                       "(members, not founders)"})
    job = Text(max_length=APPLICATION_JOB_LENGTH, empty="", message=N_(
        "The job or department: one line of at most %(maximum)s characters"))
    phone = Phone(empty=None, message=N_("Not a phone number (e.g. 0912 345 678)"))
    applied_on = PastDay(years=APPLICATION_YEARS, empty=None,
                         metadata={"description": "Default: today"}, message=N_(
                             "The date applied: a date in the form YYYY-MM-DD from "
                             "%(minimum)s, not in the future"))
    channel = Choice(APPLICATION_CHANNELS, empty="paper", metadata={"default": "paper"},
                     message=N_("The channel: one of %(choices)s"))

    @validates_schema
    def _consistent(self, data, **_kwargs):
        birth, year = data.get("birth_date"), data.get("birth_year")
        if birth and year and birth.year != year:
            raise _refusal(N_("The year of birth differs from the date of birth"), "birth_year")
        if data.get("nationality", "VN") != "VN" and data.get("contract_12_months") is None:
            raise _refusal(N_("Say whether the foreign worker's labour contract is 12 months or "
                              "longer"), "contract_12_months")


class OnlineApplicationInput(ApplicationInput):
    """The public page: the same fields, with the consent it must record."""

    consent = Flag(required=True, message=N_("Tick the box to agree to how your data is used"))

    @validates_schema(skip_on_field_errors=False)
    def _consented(self, data, **_kwargs):
        if not data.get("consent"):
            raise _refusal(N_("Tick the box to agree to how your data is used"), "consent")


class StatusChange(Schema):
    status = Choice(DECISIONS, required=True, message=N_("The status: one of %(choices)s"))
    reason = Text(max_length=APPLICATION_REASON_LENGTH, empty="",
                  metadata={"description": "Required to reject"},
                  message=N_("The reason: one line of at most %(maximum)s characters"))
    version = Id(required=True, metadata={"description": "The version you saw (409 when "
                                                         "stale)"},
                 message=N_("The version you saw is required (a whole number)"))
    not_duplicate = Flag(empty=False, message=N_("Must be true or false"), metadata={
        "description": "Verifying a possible duplicate: the organiser decided it is not the "
                       "same person"})

    @validates_schema
    def _reason_for_rejection(self, data, **_kwargs):
        if data.get("status") == "rejected" and not data.get("reason"):
            raise _refusal(N_("A reason is required to reject an application"), "reason")


class ListQuery(Schema):
    status = Choice(APPLICATION_STATUSES, empty=None,
                    message=N_("The status: one of %(choices)s"))


class LinkInput(Schema):
    expires_on = Day(years=APPLICATION_YEARS, empty=None, message=N_(
        "The expiry date: a date in the form YYYY-MM-DD"))
    contact = Text(max_length=APPLICATION_CONTACT_LENGTH, empty="", message=N_(
        "The contact: one line of at most %(maximum)s characters"), metadata={
        "description": "How a worker reaches the receiving union (printed on the public page)"})


# --- output ------------------------------------------------------------------------------------

class ApplicationOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(APPLICATION_STATUSES)})
    full_name = fields.String(allow_none=True, metadata={"description": "null once erased"})
    birth_date = Day(allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    gender = fields.String(allow_none=True)
    nationality = fields.String(required=True)
    contract_12_months = fields.Boolean(allow_none=True)
    job = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "E.164"})
    applied_on = Day(required=True)
    channel = fields.String(required=True, metadata={"enum": list(APPLICATION_CHANNELS)})
    reason = fields.String(allow_none=True)
    duplicate = fields.String(allow_none=True, metadata={
        "enum": ["flagged", "distinct", None],
        "description": "flagged: possibly the same person as another application of the case, "
                       "not counted until an organiser decides; distinct: decided"})
    also_in_open_cases = fields.List(fields.String(), required=True, metadata={
        "description": "Refs of other open cases at which the same phone applied"})
    consent_at = Instant(allow_none=True)
    erased = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    created_at = Instant(required=True)


class ApplicationList(Schema):
    items = Items(fields.Nested(ApplicationOut), required=True)
    total = fields.Integer(required=True)


class ApplicationLinkOut(Schema):
    url = fields.String(required=True)
    expires_on = Day(allow_none=True)


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


def field_errors(schema, data: dict) -> tuple[dict | None, dict[str, str]]:
    """For a form: the values, or every field's first error (shown next to the field)."""
    try:
        return schema().load(data), {}
    except ValidationError as error:
        errors = {}
        for name, messages in error.messages.items():
            while isinstance(messages, (list, dict)) and messages:
                messages = messages[0] if isinstance(messages, list) else \
                    next(iter(messages.values()))
            errors[name] = str(messages)
        return None, errors
