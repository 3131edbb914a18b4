"""The pipeline's timings, from the history: the days cases spend in each state of the flow
(median and 90th percentile of the stays that ended in a period) and conversion (of the cases
that entered a state in the period, the share that has since reached a later one), per province.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework.errors import Invalid
from casework.i18n import _
from casework.models import AuditEntry, Case, Province, User
from casework.replica import dashboard_session  # a replica when one is set
from casework.services.pipeline import main_states
from casework.services.pipeline_filters import PipelineFilters
from casework.services.queries import CaseFilters, apply_case_filters, scope_condition
from casework.text import search_key


@dataclass
class StateTiming:
    stays: int = 0                 # stays in the state that ended in the period
    median_days: float | None = None
    p90_days: float | None = None
    entered: int = 0               # cases that entered the state in the period
    converted: int = 0             # ... and have since moved further along the flow

    @property
    def conversion(self) -> float | None:
        return self.converted / self.entered if self.entered else None


@dataclass
class Timings:
    filters: PipelineFilters
    start: date
    end: date
    states: tuple[str, ...]
    rows: list[tuple[str, str, dict[str, StateTiming]]]   # (province code, name, by state)
    overall: dict[str, StateTiming]


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (the same as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _filtered_case_ids(user: User, case_filters: CaseFilters):
    """A subquery of the ids of the cases in scope that match the filters."""
    query = sa.select(Case.id).where(scope_condition(user))
    return apply_case_filters(query, user, case_filters)


def _rank_of(column, states: tuple[str, ...]):
    return sa.case({s: i for i, s in enumerate(states)}, value=column, else_=-1)


def timings(user: User, filters: PipelineFilters, start: date, end: date) -> Timings:
    """Median and 90th percentile of the days spent in each state (stays that ended between
    `start` and `end`), and conversion (of the cases that entered a state in the period, the
    share that has since reached a later state of the flow), per province. Two queries."""
    if end < start:
        raise Invalid(_("The period must end after it starts"), field="to")
    flow = filters.flow_def
    states = main_states(flow)
    ids = _filtered_case_ids(user, filters.case_filters())
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    # 1. every stay in a state: entered at one history entry, left at the case's next one.
    # The durations come back per stay and the percentiles are computed here in Python: SQLite
    # has no percentile function and date arithmetic differs between SQLite and PostgreSQL, so
    # this is the portable way (one row per transition, never one per case).
    entries = (sa.select(
        AuditEntry.case_id, AuditEntry.to_state.label("state"),
        AuditEntry.created_at.label("entered_at"),
        sa.func.lead(AuditEntry.created_at, type_=AuditEntry.created_at.type).over(
            partition_by=AuditEntry.case_id,
            order_by=(AuditEntry.created_at, AuditEntry.id)).label("left_at"))
        .where(AuditEntry.to_state.is_not(None), AuditEntry.case_id.in_(ids))).subquery()
    stays = dashboard_session().execute(
        sa.select(Case.province_id, entries.c.state, entries.c.entered_at, entries.c.left_at)
        .join(Case, Case.id == entries.c.case_id)
        .where(entries.c.left_at.is_not(None), entries.c.left_at >= since,
               entries.c.left_at < until, entries.c.state.in_(states)))
    durations: dict[tuple[int, str], list[float]] = defaultdict(list)
    for province_id, state, entered_at, left_at in stays:
        days = (_as_utc(left_at) - _as_utc(entered_at)).total_seconds() / 86400
        durations[(province_id, state)].append(days)
        durations[(None, state)].append(days)

    # 2. conversion, counted in SQL: distinct cases entering each state in the period, and of
    # those the ones with a later history entry into a state further along the flow
    entered = aliased(AuditEntry)
    later = aliased(AuditEntry)
    moved_on = sa.exists(sa.select(later.id).where(
        later.case_id == entered.case_id, later.id > entered.id,
        _rank_of(later.to_state, states) > _rank_of(entered.to_state, states)))
    conversions = dashboard_session().execute(
        sa.select(Case.province_id, entered.to_state,
                  sa.func.count(sa.distinct(entered.case_id)),
                  sa.func.count(sa.distinct(sa.case((moved_on, entered.case_id)))))
        .join(Case, Case.id == entered.case_id)
        .where(entered.to_state.in_(states[:-1]), entered.created_at >= since,
               entered.created_at < until, entered.case_id.in_(ids))
        .group_by(Case.province_id, entered.to_state))
    counts: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for province_id, state, n_entered, n_converted in conversions:
        for key in ((province_id, state), (None, state)):
            counts[key][0] += n_entered
            counts[key][1] += n_converted

    def timing(province_id, state) -> StateTiming:
        values = durations.get((province_id, state), [])
        n_entered, n_converted = counts.get((province_id, state), (0, 0))
        return StateTiming(
            stays=len(values),
            median_days=round(statistics.median(values), 1) if values else None,
            p90_days=round(percentile(values, 0.9), 1) if values else None,
            entered=n_entered, converted=n_converted)

    province_ids = {key[0] for key in list(durations) + list(counts) if key[0] is not None}
    provinces = dashboard_session().scalars(
        sa.select(Province).where(Province.id.in_(province_ids))).all() if province_ids else []
    rows = [(p.code, p.name, {s: timing(p.id, s) for s in states})
            for p in sorted(provinces, key=lambda p: search_key(p.name))]
    return Timings(filters=filters, start=start, end=end, states=states, rows=rows,
                   overall={s: timing(None, s) for s in states})
