"""The leadership pipeline and targets over JSON: the same service functions as the pages."""
from flask import g, jsonify, request

from casework import clock
from casework.api import answer, bp
from casework.api.docs import operation
from casework.schemas.base import load
from casework.schemas.pipeline import (Pipeline, PipelineQuery, Targets, TargetsQuery, Timings,
                                       TimingsQuery)
from casework.services.pipeline import pipeline
from casework.services.pipeline_filters import PipelineFilters, period
from casework.services.pipeline_timings import timings
from casework.services.pipeline_members import add_member_columns, member_columns
from casework.services.targets import target_progress


@bp.get("/pipeline")
@operation(summary="Cases per state, by province, unit, sector or ownership",
           query=PipelineQuery, responses={200: (Pipeline, "The pipeline")},
           tags=["leadership"])
def pipeline_json():
    filters = PipelineFilters.from_args(request.args)
    result = pipeline(g.api_user, filters)
    add_member_columns(result, member_columns(g.api_user, result))  # by province (issue 14)
    return jsonify(answer(Pipeline, result))


@bp.get("/pipeline/timings")
@operation(summary="Time in each state and conversion over a period", query=TimingsQuery,
           responses={200: (Timings, "The timings")}, tags=["leadership"])
def timings_json():
    filters = PipelineFilters.from_args(request.args)
    values = load(TimingsQuery, request.args)
    start, end = period(values.get("start"), values.get("end"), values.get("year"))
    return jsonify(answer(Timings, timings(g.api_user, filters, start, end)))


@bp.get("/targets")
@operation(summary="Progress of the units in scope against their targets", query=TargetsQuery,
           responses={200: (Targets, "The progress"), 403: None}, tags=["leadership"])
def targets_json():
    values = load(TargetsQuery, request.args)
    year = values.get("year") or clock.today().year
    return jsonify(answer(Targets, target_progress(g.api_user, year, unit=values.get("unit"))))
