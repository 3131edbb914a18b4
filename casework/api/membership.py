"""Membership of the grassroots unions over JSON (issue 14): the same services as the pages."""
from __future__ import annotations

from flask import g, jsonify, request

from casework import clock
from casework.api import bp, json_body
from casework.api.docs import operation
from casework.replica import dashboard_session
from casework.schemas.base import load
from casework.schemas.membership import (MembershipByQuery, MembershipMonthInput,
                                         MembershipTable, UnitMembership, YearQuery)
from casework.services.founded_units import visible_union
from casework.services.membership import (parse_month, report_month, require_reporter,
                                          unit_membership_json)
from casework.services.membership_figures import membership_table
from casework.transaction import commit


def _year(schema) -> int:
    return load(schema, request.args.to_dict())["year"] or clock.today().year


@bp.get("/units/<code>/membership")
@operation(summary="A grassroots union's membership, month by month", query=YearQuery,
           responses={200: UnitMembership, 404: None}, tags=["membership"])
def unit_membership(code: str):
    union = visible_union(g.api_user, code)
    return jsonify(unit_membership_json(union, _year(YearQuery)))


@bp.put("/units/<code>/membership/<month>")
@operation(summary="Report a month (a new revision when it was reported)",
           description="`month` is YYYY-MM. The figures must add up: the month's opening "
                       "(the previous closing, or the founding members) + admitted - left "
                       "= closing; otherwise 422 `invalid`.",
           body=MembershipMonthInput,
           responses={200: UnitMembership, 403: None, 404: None}, tags=["membership"])
def put_membership(code: str, month: str):
    union = visible_union(g.api_user, code)
    require_reporter(g.api_user, union)
    figures = load(MembershipMonthInput, json_body())
    day = parse_month(month)
    report_month(g.api_user, union, day, source="api", **figures)
    commit()
    return jsonify(unit_membership_json(union, day.year))


@bp.get("/membership")
@operation(summary="Membership figures by province or by unit, for a year",
           query=MembershipByQuery, responses={200: MembershipTable}, tags=["membership"])
def membership_json():
    args = load(MembershipByQuery, request.args.to_dict())
    year = args["year"] or clock.today().year
    rows = membership_table(dashboard_session(), g.api_user.unit, year, args["by"])
    return jsonify({"year": year, "by": args["by"], "unit": g.api_user.unit.code,
                    "rows": [r.as_json() for r in rows]})
