"""What creating a case takes (the case, its enterprises) and what a case looks like."""
from __future__ import annotations

from marshmallow import ValidationError, fields
from stdnum.exceptions import ValidationError as StdnumInvalid
from stdnum.vn import mst

from casework.errors import Invalid
from casework.models.enterprise import SECTORS, Ownership
from casework.schemas.base import N_, Refusal, Schema
from casework.schemas.fields import Checked, Choice, Items, Text, WholeNumber
from casework.i18n import _
from casework.schemas.limits import (ENTERPRISE_NAME_LENGTH, ONE_ENTERPRISE, SECTOR_LENGTH,
                                     SMALL_UNIT_ENTERPRISES, SMALL_UNIT_WORKFORCE, TARGET_MEMBERS,
                                     WORKFORCE)
from casework.schemas.paging import Filter, Paged
from casework.workflow.definition import KINDS

OWNERSHIPS = tuple(o.value for o in Ownership)
TAX_CODE_PATTERN = r"^[0-9]{10}(-[0-9]{3})?$"
SMALL_UNITS = "small_units"  # the kind that groups several small enterprises
FILTERS = ("state", "kind", "province", "unit", "organiser", "q",
           # optional, used by the leadership dashboards' links and exports
           "flow", "sector", "ownership", "year", "overdue", "stuck", "open", "managed_by",
           # working lists (helper I): no step for N days; escalated to the unit above
           "no_step_days", "escalated")


def normalise_tax_code(raw) -> str:
    """'0100109106' or '0100109106-001' (a branch); the check digit is verified."""
    if not isinstance(raw, str) or not raw.strip():
        raise Invalid(_("Tax code is required"), field="tax_code")
    try:
        compact = mst.validate(raw)
    except StdnumInvalid:
        raise Invalid(_("Tax code %(tax_code)s is not a valid Vietnamese tax code (10 digits, or "
                        "13 written NNNNNNNNNN-NNN for a branch)",
                        tax_code=repr(raw.strip()[:20])), field="tax_code")
    return compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"


class TaxCode(Checked, fields.String):
    """10 digits whose 10th is the check digit, or NNNNNNNNNN-NNN for a branch (normalised)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalise_tax_code(value)
        except Invalid as exc:
            raise ValidationError([Refusal(exc.message, None, None, True)]) from None


class ProvinceCode(Checked, fields.String):
    """A province's code, "79" (a number is taken too, 1 as "01"); whether it exists is the
    service's to say."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.refuse()
        return str(value).strip().zfill(2)


class EnterpriseInput(Schema):
    name = Text(required=True, max_length=ENTERPRISE_NAME_LENGTH,
                message=N_("name must be at most %(maximum)d characters, without control "
                           "characters"),
                messages={N_("Required"): N_("name is required"),
                          N_("Not text"): N_("name is required")})
    tax_code = TaxCode(required=True, message=N_("Tax code is required"),
                       metadata={"pattern": TAX_CODE_PATTERN,
                                 "description": "10 digits (the 10th a check digit), or "
                                                "NNNNNNNNNN-NNN for a branch"})
    province = ProvinceCode(required=True, message=N_("unknown province code"),
                            metadata={"description": "Province code, e.g. 79"})
    workforce = WholeNumber(minimum=WORKFORCE.least, maximum=WORKFORCE.most, empty=0,
                            message=N_("workforce must be a whole number from 0 to "
                                       "%(maximum)d"))
    ownership = Choice(OWNERSHIPS, empty=Ownership.private.value,
                       message=N_("ownership must be one of %(choices)s"),
                       metadata={"default": Ownership.private.value})
    sector = Text(max_length=SECTOR_LENGTH, empty=None,
                  message=N_("sector must be text of at most %(maximum)d characters"),
                  metadata={"description": "e.g. " + ", ".join(SECTORS)})


class Enterprises(Items):
    """The enterprises of a case: a refusal names the enterprise ("Enterprise 2: ...")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and not all(isinstance(v, dict) for v in value):
            raise self.refuse(N_("Each enterprise must be an object"))
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            if not isinstance(exc.messages, dict):
                raise
            index, problems = next(iter(exc.messages.items()))
            name, messages = next(iter(problems.items()))
            problem = messages[0] if isinstance(messages, list) else messages
            raise ValidationError({index: {name: [Refusal(
                N_("Enterprise %(number)d: %(problem)s"), number=int(index) + 1,
                problem=problem)]}}) from None


class CaseInput(Schema):
    """A new case: one enterprise, or at least two for small_units."""

    kind = Choice(KINDS, required=True, message=N_("Kind must be one of %(choices)s"))
    unit = Text(required=True, message=N_("Unknown unit %(code)s"), value_as="code",
                metadata={"description": "Code of the managing unit"})
    organiser = Text(empty=None, message=N_("No active user with the email %(email)s"),
                     value_as="email",
                     metadata={"description": "Email of the assigned organiser (default: you)"})
    target_members = WholeNumber(minimum=TARGET_MEMBERS.least, maximum=TARGET_MEMBERS.most,
                                 empty=0,
                                 message=N_("Target members must be a whole number from 0 to "
                                            "%(maximum)d"))
    enterprises = Enterprises(fields.Nested(EnterpriseInput), required=True,
                              min_items=ONE_ENTERPRISE.least,
                              message=N_("At least one enterprise is required"))


class SmallUnit(EnterpriseInput):
    """An enterprise of a small-units case: it employs fewer than SMALL_UNIT_WORKERS."""

    workforce = WholeNumber(minimum=SMALL_UNIT_WORKFORCE.least,
                            maximum=SMALL_UNIT_WORKFORCE.most, empty=0,
                            message=N_("workforce must be a whole number from 0 to "
                                       "%(maximum)d"))


class OneEnterpriseCase(CaseInput):
    """A case of any kind but small_units: exactly one enterprise."""

    kind = Choice([k for k in KINDS if k != SMALL_UNITS], required=True,
                  message=N_("Kind must be one of %(choices)s"))
    enterprises = Enterprises(fields.Nested(EnterpriseInput), required=True,
                              min_items=ONE_ENTERPRISE.least, max_items=ONE_ENTERPRISE.most,
                              message=N_("At least one enterprise is required"))


class SmallUnitsCase(CaseInput):
    """A small_units case: at least two small enterprises."""

    kind = Choice([SMALL_UNITS], required=True, message=N_("Kind must be one of %(choices)s"))
    enterprises = Enterprises(fields.Nested(SmallUnit), required=True,
                              min_items=SMALL_UNIT_ENTERPRISES.least,
                              message=N_("At least one enterprise is required"))


CaseQuery = Paged.from_dict({name: Filter() for name in FILTERS}, name="CaseQuery")
CaseQuery.__doc__ = "The filters of the case list (casework.services.queries.CaseFilters)."
