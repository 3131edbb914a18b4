"""What the leadership dashboards take (the pipeline, the timings, the targets' progress)."""
from __future__ import annotations

from marshmallow import fields

from casework.models.enterprise import Ownership
from casework.schemas.base import N_, Schema
from casework.schemas.fields import Choice, Day, Whole, WholeNumber, computed, derived, given
from casework.schemas.limits import YEARS
from casework.schemas.paging import Filter, Query
from casework.workflow.definition import FLOWS, KINDS

DIMENSIONS = ("province", "unit", "sector", "ownership")
NUMBERS = ("open", "expected_members", "founded_members", "founded_unions", "overdue", "stuck")


def year_field(**metadata):
    return WholeNumber(minimum=YEARS.least, maximum=YEARS.most, empty=None,
                       said={"first": YEARS.least, "last": YEARS.most},
                       message=N_("year must be a year from %(first)d to %(last)d"),
                       metadata=metadata)


def period_day(name: str, description: str):
    return Day(years=YEARS, empty=None, said={"label": name}, data_key=name,
               message=N_("%(label)s: not a date in the form YYYY-MM-DD"),
               messages={N_("Date out of range"): N_("%(label)s: date out of range")},
               metadata={"description": description})


class PipelineQuery(Query):
    """?by=province|unit|sector|ownership&kind=&year=&sector=&ownership=&unit=&flow="""

    by = Choice(DIMENSIONS, empty="province", message=N_("by must be one of %(choices)s"),
                metadata={"default": "province"})
    kind = Choice(KINDS, empty=None, message=N_("kind must be one of %(choices)s"))
    flow = Choice([f.name for f in FLOWS], empty=None,
                  message=N_("flow must be one of %(choices)s"))
    year = year_field(description="Default: this year")
    sector = Filter()
    ownership = Choice([o.value for o in Ownership], empty=None,
                       message=N_("ownership must be one of %(choices)s"))
    unit = Filter(metadata={"description": "A unit code: that unit's subtree"})


class PeriodQuery(Query):
    """The period of the timings: by default the 365 days up to today."""

    start = period_day("from", "Default: 364 days before `to`; with `year`, the year's first "
                               "day (a date outside the year is ignored)")
    end = period_day("to", "Default: today; with `year`, the year's last day")
    year = year_field()


class TimingsQuery(PipelineQuery):
    start = PeriodQuery._declared_fields["start"]
    end = PeriodQuery._declared_fields["end"]


class TargetsQuery(Query):
    """?year=&unit= : progress of the units in scope against their targets for the year."""

    year = year_field()
    unit = Filter()


# --- what the dashboards answer ---------------------------------------------------------------

def _number(name: str):
    return given(fields.Raw, attribute=name, metadata={"type": "number"})


def _states_count(**kwargs):
    return given(fields.Dict, keys=fields.String(), values=fields.Integer(), **kwargs,
                 metadata={"additionalProperties": {"type": "integer", "minimum": 0}})


class PipelineTotals(Schema):
    states = _states_count()
    # issue 14: the pipeline by province's membership columns (services/pipeline_members.py)
    admitted_members = given(fields.Raw, nullable=True, metadata={
        "type": "integer", "minimum": 0,
        "description": "Members admitted in the year's monthly reports (by=province; null "
                       "otherwise)"})
    net_members = given(fields.Raw, nullable=True, metadata={
        "type": "integer", "description": "Net growth in the year: founded + admitted - left "
                                          "(by=province; null otherwise)"})


class PipelineRow(PipelineTotals):
    key = given()
    label = given()


for _name in NUMBERS:  # the figures of a row, as casework.services.pipeline counts them
    PipelineTotals._declared_fields[_name] = _number(_name)
    PipelineRow._declared_fields[_name] = _number(_name)


class Pipeline(Schema):
    by = computed(lambda p: p.filters.by, type="string", enum=list(DIMENSIONS))
    flow = computed(lambda p: p.filters.flow, type="string")
    kind = computed(lambda p: p.filters.kind, type="string", enum=list(KINDS), nullable=True)
    year = computed(lambda p: p.filters.year, type="integer")
    states = computed(lambda p: list(p.states), type="array", items={"type": "string"})
    rows = given(fields.List, cls_or_instance=fields.Nested(PipelineRow))
    totals = fields.Nested(PipelineTotals, required=True)


def _ratio(value):
    return None if value is None else round(value, 4)


def _count(**kwargs):
    return given(fields.Raw, metadata={"type": "integer", "minimum": 0}, **kwargs)


def _whole(nullable: bool = False, **kwargs):
    return given(fields.Raw, nullable=nullable, metadata={"type": "integer"}, **kwargs)


class StateTiming(Schema):
    stays = _count()
    median_days = given(fields.Raw, nullable=True, metadata={"type": "number"})
    p90_days = given(fields.Raw, nullable=True, metadata={"type": "number"})
    entered = _count()
    converted = _count()
    conversion = computed(lambda t: _ratio(t.conversion), type="number", nullable=True)


def _timings_by_state(**kwargs):
    return given(fields.Dict, keys=fields.String(), values=fields.Nested(StateTiming), **kwargs)


class TimingRow(Schema):
    key = computed(lambda row: row[0], type="string")
    label = computed(lambda row: row[1], type="string")
    states = derived(fields.Dict(keys=fields.String(), values=fields.Nested(StateTiming)),
                     lambda row: row[2])


class Timings(Schema):
    start = given(Day, data_key="from")
    end = given(Day, data_key="to")
    flow = computed(lambda t: t.filters.flow, type="string")
    states = computed(lambda t: list(t.states), type="array", items={"type": "string"})
    overall = _timings_by_state()
    rows = given(fields.List, cls_or_instance=fields.Nested(TimingRow))


class TargetFigures(Schema):
    new_members = _whole(True, attribute="target_members")
    new_unions = _whole(True, attribute="target_unions")
    baseline_members = _whole(True)
    total_members = _whole(True, attribute="total_target")


class TargetRow(Schema):
    unit = given(attribute="unit_code")
    label = given(attribute="unit_name")
    type = given(attribute="unit_type")
    target = Whole(TargetFigures, required=True)
    founded_members = _whole()
    founded_unions = _whole()
    members_share = computed(lambda p: _ratio(p.members_share), type="number", nullable=True)
    unions_share = computed(lambda p: _ratio(p.unions_share), type="number", nullable=True)
    open_cases = _whole()
    forecast_members = _whole()
    forecast_unions = _whole()
    members_now = _whole(True)
    admitted_members = _whole()
    left_members = _whole()
    net_members = given(fields.Raw, metadata={"type": "integer",
                                              "description": "founded + admitted - left"})
    members_unreported = given(fields.Raw, metadata={
        "type": "integer", "description": "Part of members_now: the founders of unions that "
                                          "never reported"})
    on_track = given(fields.Raw, nullable=True, metadata={"type": "boolean"})


class Targets(Schema):
    year = _whole()
    elapsed_share = computed(lambda t: round(t.elapsed, 4), type="number")
    unit = computed(lambda t: t.root.code, type="string")
    rows = given(fields.List, cls_or_instance=fields.Nested(TargetRow))
