"""The leadership pipeline: cases per state and per province / unit / sector / ownership (the
time spent in each state and the conversion are `pipeline_timings`, the dashboard's choices
`pipeline_filters`).

Everything is counted in the database with GROUP BY, in a fixed number of queries whatever the
number of cases; the page, the JSON API and the exports all call the functions here, so they show
the same numbers. The filters are the case list's own (`queries.apply_case_filters`), so every
number links to the list of exactly the cases it counts (`PipelineRow.link_args`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework import authz
from casework.models import Case, CaseEnterprise, CaseTally, Enterprise, OrgUnit, Province, User
from casework.models.enterprise import SECTORS, Ownership
from casework.replica import dashboard_session  # a replica when one is set
from casework.schemas.pipeline import DIMENSIONS, NUMBERS  # noqa: F401  (declared with the query)
from casework.services.queries import (NO_SECTOR, apply_case_filters, overdue_condition,
                                       scope_condition, stuck_condition, stuck_cutoff,
                                       units_under)
from casework.text import search_key
from casework.services.pipeline_filters import PipelineFilters
from casework.workflow.definition import ALL_STATES, SIDE_STATES, TERMINAL_STATES, Flow

# the states a case can be stuck in (stuck_condition's NOT IN, as a list an index can seek)
ACTIVE_STATES = tuple(s for s in ALL_STATES if s not in TERMINAL_STATES + ("on_hold",))


def main_states(flow: Flow) -> tuple[str, ...]:
    """The flow's states in order, without the side states (on hold, closed)."""
    return tuple(s for s in flow.state_names if s not in SIDE_STATES)


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
    # issue 14, by province only: set by services/pipeline_members.add_member_columns
    admitted_members: int | None = None
    net_members: int | None = None


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


def _scope_root(user: User, filters: PipelineFilters) -> OrgUnit:
    """The unit whose children are the rows `by=unit`: the chosen unit if the user may see it,
    otherwise the user's own unit."""
    if filters.unit:
        unit = dashboard_session().scalar(sa.select(OrgUnit).where(OrgUnit.code == filters.unit))
        if unit is not None and authz.unit_in_scope(user, unit):
            return unit
    return user.unit


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
