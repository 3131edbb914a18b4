"""Membership reports (issue 14): what the API takes and answers."""
from __future__ import annotations

from marshmallow import fields

from casework.schemas.base import N_, Schema
from casework.schemas.fields import Choice, WholeNumber
from casework.schemas.limits import MEMBERS, YEARS

GROUPINGS = ("province", "unit")


def figure(label: str, **kwargs) -> WholeNumber:
    return WholeNumber(minimum=MEMBERS.least, maximum=MEMBERS.most, label=label,
                       message=N_("%(label)s: a whole number from %(minimum)s to %(maximum)s"),
                       **kwargs)


class MembershipMonthInput(Schema):
    """One month's figures; `opening`, when given, must be the previous month's closing."""

    opening = figure(N_("Members at the start of the month"), empty=None,
                     metadata={"description": "Optional: checked against the previous "
                                              "month's closing (or the founding members)"})
    admitted_vietnamese = figure(N_("Vietnamese members admitted"), required=True)
    admitted_foreign = figure(N_("Foreign members admitted"), empty=0)
    left = figure(N_("Members who left"), required=True)
    closing = figure(N_("Members at the end of the month"), required=True)


class YearQuery(Schema):
    year = WholeNumber(minimum=YEARS.least, maximum=YEARS.most, empty=None, label=N_("Year"),
                       message=N_("The year must be from %(minimum)s to %(maximum)s"),
                       metadata={"description": "Default: this year"})


class MembershipByQuery(YearQuery):
    by = Choice(GROUPINGS, empty="province", label=N_("Grouping"),
                message=N_("by must be one of %(choices)s"))


class MembershipMonth(Schema):
    """One month of a union's membership (its current revision)"""

    month = fields.String(required=True, metadata={"example": "2026-03"})
    opening = fields.Integer(required=True)
    admitted_vietnamese = fields.Integer(required=True)
    admitted_foreign = fields.Integer(required=True)
    left = fields.Integer(required=True)
    closing = fields.Integer(required=True)
    revision = fields.Integer(required=True)


class UnitMembership(Schema):
    """A union's membership, month by month"""

    unit = fields.String(required=True)
    months = fields.List(fields.Nested(MembershipMonth), required=True)


class MembershipFigures(Schema):
    """The membership figures of a province or a unit's subtree for a year"""

    key = fields.String(required=True)
    label = fields.String(required=True)
    founded_members = fields.Integer(required=True)
    admitted_vietnamese = fields.Integer(required=True)
    admitted_foreign = fields.Integer(required=True)
    admitted_members = fields.Integer(required=True)
    left_members = fields.Integer(required=True)
    net_members = fields.Integer(required=True)
    members_now = fields.Integer(required=True)
    members_unreported = fields.Integer(
        required=True, metadata={"description": "Part of members_now: the founding members of "
                                                "unions that never reported"})
    unions = fields.Integer(required=True)


class MembershipTable(Schema):
    """Membership figures by province or by unit"""

    year = fields.Integer(required=True)
    by = fields.String(required=True)
    unit = fields.String(required=True)
    rows = fields.List(fields.Nested(MembershipFigures), required=True)
