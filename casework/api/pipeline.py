"""The leadership pipeline and targets over JSON: the same service functions as the pages."""
from flask import g, jsonify, request

from casework.api import bp
from casework.services.pipeline import (PipelineFilters, parse_period, parse_year, pipeline,
                                         timings)
from casework.services.pipeline_members import member_columns, pipeline_json as with_members
from casework.services.targets import target_progress


@bp.get("/pipeline")
def pipeline_json():
    """?by=province|unit|sector|ownership&kind=&year=&sector=&ownership=&unit=&flow="""
    filters = PipelineFilters.from_args(request.args)
    result = pipeline(g.api_user, filters)
    return jsonify(with_members(result, member_columns(g.api_user, result)))


@bp.get("/pipeline/timings")
def timings_json():
    filters = PipelineFilters.from_args(request.args)
    start, end = parse_period(request.args.get("from"), request.args.get("to"),
                              request.args.get("year"))
    return jsonify(timings(g.api_user, filters, start, end).as_json())


@bp.get("/targets")
def targets_json():
    """?year=&unit= : progress of the units in scope against their targets for the year."""
    year = parse_year(request.args.get("year"))
    unit = (request.args.get("unit") or "").strip()[:40] or None
    return jsonify(target_progress(g.api_user, year, unit=unit).as_json())
