"""The leadership pipeline: cases per state and per province / unit / sector / ownership, time
spent in each state and conversion from one state to the next.

Everything is counted in the database with GROUP BY, in a fixed number of queries whatever the
number of cases; the page, the JSON API and the exports all call the functions here, so they show
the same numbers. The filters are the case list's own (`queries.apply_case_filters`), so every
number links to the list of exactly the cases it counts (`PipelineRow.link_args`).
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework import authz
from casework.models import (AuditEntry, Case, CaseEnterprise, CaseTally, Enterprise, OrgUnit,
                             Province, User)
from casework.models.enterprise import SECTORS, Ownership
from casework.replica import dashboard_session  # a replica when one is set
from casework.errors import Invalid
from casework.i18n import _
from casework.schemas.limits import FILTER_LENGTH, YEARS
from casework.services.queries import (NO_SECTOR, CaseFilters, apply_case_filters,
                                       overdue_condition, scope_condition, stuck_condition,
                                       stuck_cutoff, units_under)
from casework.text import search_key, whole_number
from casework.workflow.definition import (ALL_STATES, FLOWS, KINDS, SIDE_STATES,
                                          TERMINAL_STATES, Flow, flow_for)
from casework import clock

DIMENSIONS = ("province", "unit", "sector", "ownership")
NUMBERS = ("open", "expected_members", "founded_members", "founded_unions", "overdue", "stuck")
# the states a case can be stuck in (stuck_condition's NOT IN, as a list an index can seek)
ACTIVE_STATES = tuple(s for s in ALL_STATES if s not in TERMINAL_STATES + ("on_hold",))


def _flow_named(name: str | None) -> Flow | None:
    return next((f for f in FLOWS if f.name == name), None)


def main_states(flow: Flow) -> tuple[str, ...]:
    """The flow's states in order, without the side states (on hold, closed)."""
    return tuple(s for s in flow.state_names if s not in SIDE_STATES)


@dataclass
class PipelineFilters:
    """What a leader chose on the dashboard (or in the API's query string)."""
    by: str = "province"
    kind: str | None = None
    flow: str = "grassroots"     # the columns; given by `kind` when a kind is chosen
    year: int = field(default_factory=lambda: clock.today().year)
    sector: str | None = None
    ownership: str | None = None
    unit: str | None = None      # unit code: that unit's subtree (rows by unit: its children)

    @classmethod
    def from_args(cls, args) -> "PipelineFilters":
        def text(name):
            value = args.get(name)
            typed = value.strip() if isinstance(value, str) else ""
            return typed[:FILTER_LENGTH] or None

        by = text("by") or "province"
        if by not in DIMENSIONS:
            raise Invalid(_("by must be one of %(choices)s", choices=", ".join(DIMENSIONS)),
                          field="by")
        kind = text("kind")
        if kind is not None and kind not in KINDS:
            raise Invalid(_("kind must be one of %(choices)s", choices=", ".join(KINDS)),
                          field="kind")
        flow_name = text("flow")
        if flow_name is not None and _flow_named(flow_name) is None:  # even beside a kind
            raise Invalid(_("flow must be one of %(choices)s",
                            choices=", ".join(f.name for f in FLOWS)), field="flow")
        if kind:
            flow_name = flow_for(kind).name
        elif flow_name is None:
            flow_name = "grassroots"
        year = parse_year(text("year"))
        ownership = text("ownership")
        if ownership is not None and ownership not in [o.value for o in Ownership]:
            raise Invalid(_("ownership must be one of %(choices)s",
                            choices=", ".join(o.value for o in Ownership)), field="ownership")
        return cls(by=by, kind=kind, flow=flow_name, year=year, sector=text("sector"),
                   ownership=ownership, unit=text("unit"))

    @property
    def flow_def(self) -> Flow:
        return _flow_named(self.flow)

    def case_filters(self, **extra) -> CaseFilters:
        """The case-list filters for the cases these pipeline filters count."""
        values = {"kind": self.kind, "flow": None if self.kind else self.flow,
                  "sector": self.sector, "ownership": self.ownership, "unit": self.unit}
        values.update(extra)
        return CaseFilters(**{k: v for k, v in values.items() if v})

    def as_args(self) -> dict:
        """Query-string arguments that reproduce these filters (for links and exports)."""
        args = {"by": self.by, "kind": self.kind, "flow": None if self.kind else self.flow,
                "year": self.year, "sector": self.sector, "ownership": self.ownership,
                "unit": self.unit}
        return {k: v for k, v in args.items() if v}


def parse_year(raw) -> int:
    if raw in (None, ""):
        return clock.today().year
    year = whole_number(raw)
    if year is None or not YEARS.least <= year <= YEARS.most:
        raise Invalid(_("year must be a year from %(first)d to %(last)d", first=YEARS.least,
                        last=YEARS.most),
                      field="year")
    return year


def parse_period(raw_from, raw_to, raw_year=None) -> tuple[date, date]:
    """from/to as YYYY-MM-DD; by default the 365 days up to today. A year makes the period that
    year: from/to inside it narrow it, and from/to outside it (left in the form from another
    year) give the whole year."""
    def parse(raw, name):
        try:
            parsed = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise Invalid(_("%(label)s: not a date in the form YYYY-MM-DD", label=name),
                          field=name)
        if not YEARS.least <= parsed.year <= YEARS.most:  # the history's years; no overflow
            raise Invalid(_("%(label)s: date out of range", label=name), field=name)
        return parsed
    end = parse(raw_to, "to") if raw_to else clock.today()
    start = parse(raw_from, "from") if raw_from else end - timedelta(days=364)
    if end < start:
        raise Invalid(_("The period must end after it starts"), field="to")
    if raw_year in (None, ""):
        return start, end
    year = parse_year(raw_year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    start = max(start, first) if raw_from else first
    end = min(end, last) if raw_to else last
    return (start, end) if start <= end else (first, last)


@dataclass
class PipelineRow:
    key: str
    label: str
    states: dict[str, int]
    open: int = 0
    expected_members: int = 0
    founded_members: int = 0
    founded_unions: int = 0
    overdue: int = 0
    stuck: int = 0
    row_filter: dict = field(default_factory=dict)   # the case-list filter that selects the row

    def as_json(self) -> dict:
        return {"key": self.key, "label": self.label, "states": dict(self.states),
                **{name: getattr(self, name) for name in NUMBERS}}


@dataclass
class Pipeline:
    filters: PipelineFilters
    states: tuple[str, ...]            # the columns, in flow order
    rows: list[PipelineRow]
    totals: PipelineRow

    def link_args(self, row: PipelineRow | None, column: str) -> dict:
        """Case-list query arguments for the cases behind one number (row None: the totals).

        column: a state name, or one of NUMBERS."""
        f = self.filters
        extra = dict(row.row_filter) if row is not None else {}
        if column in self.states:
            extra["state"] = column
        elif column in ("open", "expected_members"):
            extra["open"] = "1"
        elif column in ("founded_members", "founded_unions"):
            extra.update(state="founded", year=str(f.year))
        elif column in ("overdue", "stuck"):
            extra[column] = "1"
        else:
            raise KeyError(column)
        return f.case_filters(**extra).as_args()

    def as_json(self) -> dict:
        f = self.filters
        return {"by": f.by, "flow": f.flow, "kind": f.kind, "year": f.year,
                "states": list(self.states),
                "rows": [r.as_json() for r in self.rows],
                "totals": {k: v for k, v in self.totals.as_json().items()
                           if k not in ("key", "label")}}


def _scope_root(user: User, filters: PipelineFilters) -> OrgUnit:
    """The unit whose children are the rows `by=unit`: the chosen unit if the user may see it,
    otherwise the user's own unit."""
    if filters.unit:
        unit = dashboard_session().scalar(sa.select(OrgUnit).where(OrgUnit.code == filters.unit))
        if unit is not None and authz.unit_in_scope(user, unit):
            return unit
    return user.unit


def _filtered_case_ids(user: User, case_filters: CaseFilters):
    """A subquery of the ids of the cases in scope that match the filters."""
    query = sa.select(Case.id).where(scope_condition(user))
    return apply_case_filters(query, user, case_filters)


def _counted(user: User, filters: PipelineFilters, key, joins,
             now: datetime | None = None) -> dict:
    """Per value of `key`: the counts by state and the NUMBERS (a dict of each, keyed by state
    name and number name), in one statement.

    Two GROUP BYs joined by UNION ALL, each reading as little as it can: per state, the count,
    the members expected, the stuck and the overdue cases (every case, read from the index
    ix_cases_pipeline alone: no table rows); and the unions founded in the year with their
    members (the founded cases only, by ix_cases_founded_on)."""
    year = filters.year
    case_filters = filters.case_filters()
    no_state = sa.cast(sa.null(), sa.String(30))
    zero = sa.literal_column("0", sa.Integer)

    def part(name: str, *columns, where=(), group=()):
        query = sa.select(key.label("key"), sa.literal_column(f"'{name}'", sa.String)
                          .label("part"), *columns).select_from(Case)
        query = joins(query) if joins is not None else query
        query = apply_case_filters(query.where(scope_condition(user), *where), user,
                                   case_filters)
        return query.group_by(key, *group)

    def count_if(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    statement = sa.union_all(
        part("state", Case.state.label("state"), sa.func.count().label("n"),
             sa.func.sum(Case.target_members).label("amount"),
             count_if(stuck_condition(now)).label("stuck"),
             count_if(overdue_condition()).label("overdue"), group=(Case.state,)),
        part("founded", no_state, sa.func.count(),
             sa.func.sum(sa.func.coalesce(Case.founded_members, 0)), zero, zero,
             where=(Case.state == "founded", Case.founded_on >= date(year, 1, 1),
                    Case.founded_on < date(year + 1, 1, 1))),
    )
    counts: dict = defaultdict(lambda: defaultdict(int))
    for row in dashboard_session().execute(statement):
        c = counts[row.key]
        n, amount = int(row.n or 0), int(row.amount or 0)
        if row.part == "state":
            c[row.state] += n
            if row.state not in TERMINAL_STATES:
                c["open"] += n
                c["expected_members"] += amount
            c["stuck"] += int(row.stuck or 0)
            c["overdue"] += int(row.overdue or 0)
        else:
            c["founded_unions"] += n
            c["founded_members"] += amount
    return counts


def uses_tallies(filters: PipelineFilters) -> bool:
    """Whether the pipeline can be read from the case tallies: rows by province or unit, and
    filters on what a tally is keyed by (kind, flow, unit); the enterprise's sector and
    ownership are counted from the cases themselves."""
    return filters.by in ("province", "unit") and not filters.sector and not filters.ownership


def _tally_conditions(user: User, filters: PipelineFilters) -> list:
    """`scope_condition` and `apply_case_filters` (kind, flow, unit) on the tally keys."""
    conditions = [CaseTally.cases > 0, scope_condition(user, CaseTally.unit_id)]
    if filters.kind:
        conditions.append(CaseTally.kind == filters.kind)
    else:
        flow = filters.flow_def
        conditions.append(CaseTally.kind.in_(flow.kinds) if flow else sa.false())
    if filters.unit:
        conditions.append(CaseTally.unit_id.in_(units_under(filters.unit)))
    return conditions


def _tallied(user: User, filters: PipelineFilters, by: str,
             now: datetime | None = None) -> dict:
    """The numbers `_counted` gives, per province id (by="province") or per unit id
    (by="unit"), from the case tallies and three small slices of the cases, in one statement:

    - per state, the cases and the members expected: the tally rows (a few thousand);
    - the unions founded in the year and their members: the founded cases of the year
      (ix_cases_founded_on);
    - overdue: the submitted dossiers past their deadline (ix_cases_overdue);
    - stuck: the tallied active cases minus those that changed state since the cutoff
      (ix_cases_state_changed_at): at most the cases moved in stuck_after_days.
    """
    year = filters.year
    case_filters = filters.case_filters()
    tally_key = CaseTally.province_id if by == "province" else CaseTally.unit_id
    case_key = Case.province_id if by == "province" else Case.unit_id
    no_state = sa.cast(sa.null(), sa.String(30))
    zero = sa.literal_column("0", sa.Integer)

    def label(name: str):
        return sa.literal_column(f"'{name}'", sa.String).label("part")

    def cases(name: str, *where, amount=zero):
        query = (sa.select(case_key.label("key"), label(name), no_state,
                           sa.func.count().label("n"), amount)
                 .select_from(Case).where(scope_condition(user), *where))
        return apply_case_filters(query, user, case_filters).group_by(case_key)

    statement = sa.union_all(
        sa.select(tally_key.label("key"), label("tally"), CaseTally.state.label("state"),
                  sa.func.sum(CaseTally.cases).label("n"),
                  sa.func.sum(CaseTally.target_members).label("amount"))
        .where(*_tally_conditions(user, filters)).group_by(tally_key, CaseTally.state),
        cases("founded", Case.state == "founded", Case.founded_on >= date(year, 1, 1),
              Case.founded_on < date(year + 1, 1, 1),
              amount=sa.func.sum(sa.func.coalesce(Case.founded_members, 0))),
        cases("overdue", overdue_condition()),
        cases("recent", Case.state.in_(ACTIVE_STATES),
              Case.state_changed_at >= stuck_cutoff(now)),
    )
    # a tight loop: by unit, a national leader's tallies come as thousands of rows
    counts: dict = defaultdict(lambda: defaultdict(int))
    for key, part, state, n, amount in dashboard_session().execute(statement).tuples():
        c, n = counts[key], int(n or 0)
        if part == "tally":
            c[state] += n
            if state not in TERMINAL_STATES:
                c["open"] += n
                c["expected_members"] += int(amount or 0)
            if state in ACTIVE_STATES:
                c["stuck"] += n
        elif part == "recent":
            c["stuck"] -= n
        elif part == "overdue":
            c["overdue"] += n
        else:
            c["founded_unions"] += n
            c["founded_members"] += int(amount or 0)
    return counts


def pipeline(user: User, filters: PipelineFilters, now: datetime | None = None, *,
             live: bool = False) -> Pipeline:
    """The pipeline table for `user`'s scope: 1 aggregation statement, plus 1 for the row
    labels, 1 for the stuck setting and 1 to find the chosen unit (a fixed number, whatever the
    data). By province or unit it reads the case tallies (`_tallied`); by sector or ownership,
    with a sector or ownership filter, or with `live`, it counts the cases (`_counted`): the
    same numbers either way."""
    flow = filters.flow_def
    states = flow.state_names
    rows: list[PipelineRow] = []
    tallied = not live and uses_tallies(filters)

    if filters.by == "province":
        counted = (_tallied(user, filters, "province", now) if tallied
                   else _counted(user, filters, Case.province_id, None, now))
        root = _scope_root(user, filters)
        provinces = dashboard_session().scalars(sa.select(Province)).all()
        for p in sorted(provinces, key=lambda p: search_key(p.name)):
            # a national or sector unit sees all 34 provinces, a provincial one those with cases
            if p.id in counted or root.province_id in (None, p.id):
                rows.append(_row(p.code, p.name, {"province": p.code}, counted.get(p.id),
                                 states))

    elif filters.by == "unit":
        root = _scope_root(user, filters)
        if tallied:
            # counted per managing unit, then rolled up here: the root's own cases, and each
            # child's subtree (no join of every case against the unit tree)
            subtree = dashboard_session().execute(
                sa.select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.path, OrgUnit.code,
                          OrgUnit.name, OrgUnit.type)
                .where(OrgUnit.path.startswith(root.path))).all()
            children = [u for u in subtree if u.parent_id == root.id]
            # the child whose subtree holds a unit: its path is the unit's path cut one step
            # below the root's ("/1/4/" + "9/" of "/1/4/9/12/")
            child_by_path = {c.path: c.id for c in children}
            row_of = {root.id: root.id}
            for unit in subtree:
                if unit.id != root.id:
                    step = unit.path[len(root.path):].split("/", 1)[0]
                    row_of[unit.id] = child_by_path.get(f"{root.path}{step}/")
            by_row: dict = defaultdict(lambda: defaultdict(int))
            for unit_id, numbers in _tallied(user, filters, "unit", now).items():
                row_id = row_of.get(unit_id)
                if row_id is not None:
                    for name, value in numbers.items():
                        by_row[row_id][name] += value
            counted = by_row
        else:
            row_unit = aliased(OrgUnit)
            case_unit = aliased(OrgUnit)
            counted = _counted(user, filters, row_unit.id, lambda query: (
                query.join(case_unit, case_unit.id == Case.unit_id)
                .join(row_unit, sa.or_(
                    sa.and_(row_unit.id == root.id, Case.unit_id == root.id),
                    sa.and_(row_unit.parent_id == root.id,
                            case_unit.path.startswith(row_unit.path))))), now)
            children = dashboard_session().scalars(
                sa.select(OrgUnit).where(OrgUnit.parent_id == root.id)).all()
        for unit in sorted(children, key=lambda u: (u.type != "provincial_federation",
                                                    search_key(u.name))):
            rows.append(_row(unit.code, unit.name, {"unit": unit.code}, counted.get(unit.id),
                             states))
        if root.id in counted or not children:
            rows.insert(0, _row(root.code, root.name, {"managed_by": root.code},
                                counted.get(root.id), states))

    else:  # sector or ownership of the case's first enterprise
        column = Enterprise.sector if filters.by == "sector" else Enterprise.ownership
        counted = _counted(user, filters, column, lambda query: (
            query.join(CaseEnterprise, sa.and_(CaseEnterprise.case_id == Case.id,
                                               CaseEnterprise.position == 0))
            .join(Enterprise, Enterprise.id == CaseEnterprise.enterprise_id)), now)
        known = SECTORS if filters.by == "sector" else tuple(o.value for o in Ownership)
        keys = list(known) + sorted(k for k in counted if k is not None and k not in known)
        if None in counted:
            keys.append(None)
        for key in keys:
            value = key if key is not None else NO_SECTOR
            rows.append(_row(value, value, {filters.by: value}, counted.get(key), states))

    totals = PipelineRow(key="total", label="total", states={s: 0 for s in states})
    for row in rows:
        for s in states:
            totals.states[s] += row.states[s]
        for name in NUMBERS:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return Pipeline(filters=filters, states=states, rows=rows, totals=totals)


def _row(key: str, label: str, row_filter: dict, counts: dict | None, states) -> PipelineRow:
    """A row from its numbers (keyed by state name and NUMBERS; None: no case)."""
    counts = counts or {}
    row = PipelineRow(key=key, label=label, states={s: int(counts.get(s, 0)) for s in states},
                      row_filter=row_filter)
    for name in NUMBERS:
        setattr(row, name, int(counts.get(name, 0)))
    return row


def funnel(result: Pipeline) -> list[dict]:
    """The flow as a funnel: for each main state, the cases now at that state or beyond
    (cases on hold or closed are left out: where they stopped is not in the snapshot)."""
    states = main_states(result.filters.flow_def)
    counts = [result.totals.states.get(s, 0) for s in states]
    out = []
    for i, state in enumerate(states):
        out.append({"state": state, "here": counts[i], "reached": sum(counts[i:])})
    return out


# ---------------------------------------------------------------------------------------------
# time in state and conversion, from the history

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

    def as_json(self) -> dict:
        return {"stays": self.stays, "median_days": self.median_days,
                "p90_days": self.p90_days, "entered": self.entered,
                "converted": self.converted,
                "conversion": None if self.conversion is None else round(self.conversion, 4)}


@dataclass
class Timings:
    filters: PipelineFilters
    start: date
    end: date
    states: tuple[str, ...]
    rows: list[tuple[str, str, dict[str, StateTiming]]]   # (province code, name, by state)
    overall: dict[str, StateTiming]

    def as_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "flow": self.filters.flow, "states": list(self.states),
                "overall": {s: t.as_json() for s, t in self.overall.items()},
                "rows": [{"key": code, "label": name,
                          "states": {s: t.as_json() for s, t in by_state.items()}}
                         for code, name, by_state in self.rows]}


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
