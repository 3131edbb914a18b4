"""Membership targets and progress against them (docs/domain.md §1).

A target belongs to a unit and a year. Progress rolls up: a unit's figures count every case
managed anywhere in its subtree, so a provincial federation's founded members include those of
its commune unions. The forecast adds to what is founded the target members of the open cases,
each weighted by the chance that a case in its state is founded (setting
`pipeline_probabilities`). A unit is on track when its founded members reach the target times
the share of the year elapsed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework import authz
from casework.extensions import db
from casework.models import Case, CaseTally, OrgUnit, Target, User
from casework.replica import dashboard_session
from casework.errors import Forbidden, Invalid
from casework.i18n import number, _
from casework.services.membership_figures import Members, members_of_rows
from casework.services.settings import get_setting
from casework.schemas.limits import TARGET_FIGURE, TARGET_NOTE_LENGTH, YEARS
from casework.text import nfc, search_key, whole_number
from casework.workflow.definition import N_, TERMINAL_STATES
from casework import clock

FIGURES = ("new_members", "new_unions", "baseline_members", "total_members")
FIGURE_LABELS = {"new_members": N_("New members"), "new_unions": N_("New unions"),
                 "baseline_members": N_("Baseline members"),
                 "total_members": N_("Total members")}

# docs/domain.md §1: the VGCL's national goals
NATIONAL_TARGETS = (
    (2024, {"new_members": 1_000_000}),
    (2026, {"new_members": 1_000_000}),
    (2028, {"total_members": 15_000_000}),
)


# ---------------------------------------------------------------------------------------------
# who may set targets

def why_not_edit_targets(user: User) -> str | None:
    if user.role == "admin":
        return None
    if user.role == "leader" and authz.national(user):
        return None
    return _("Only an administrator or a leader of the VGCL sets targets.")


def require_target_editor(user: User) -> None:
    reason = why_not_edit_targets(user)
    if reason:
        raise Forbidden(reason)


# ---------------------------------------------------------------------------------------------
# setting targets

def _figure(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):  # typed with thousands separators: 1.000.000 or 1,000,000
        value = value.strip().replace(",", "").replace(".", "")
    value = whole_number(value)
    if value is None or not TARGET_FIGURE.least <= value <= TARGET_FIGURE.most:
        raise Invalid(_("%(label)s must be a whole number from 0 to %(maximum)s",
                        label=_(FIGURE_LABELS[name]), maximum=number(TARGET_FIGURE.most)),
                      field=name)
    return value


def set_target(actor: User, *, unit, year, note: str = "", **figures) -> Target:
    """Create or replace the target of `unit` (a code) for `year`. Flushes, never commits."""
    require_target_editor(actor)
    unit_obj = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == unit)) \
        if isinstance(unit, str) else None
    if unit_obj is None:
        raise Invalid(_("Unknown unit %(code)s", code=repr(str(unit)[:40])), field="unit")
    if not authz.unit_in_scope(actor, unit_obj):
        raise Forbidden(_("That unit is outside your own unit's subtree."))
    year = whole_number(year)
    if year is None or not YEARS.least <= year <= YEARS.most:
        raise Invalid(_("The year must be from %(first)d to %(last)d", first=YEARS.least,
                        last=YEARS.most),
                      field="year")
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise Invalid(_("Unknown figure %(names)s", names=", ".join(sorted(unknown))),
                      field=sorted(unknown)[0])
    cleaned = {name: _figure(figures.get(name), name) for name in FIGURES}
    if all(v is None for v in cleaned.values()):
        raise Invalid(_("Give at least one figure"), field="new_members")
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > TARGET_NOTE_LENGTH:
        raise Invalid(_("The note must be text of at most %(maximum)d characters",
                        maximum=TARGET_NOTE_LENGTH),
                      field="note")
    target = db.session.scalar(sa.select(Target).where(Target.unit_id == unit_obj.id,
                                                       Target.year == year))
    if target is None:
        target = Target(unit=unit_obj, unit_id=unit_obj.id, year=year)
        db.session.add(target)
    for name, value in cleaned.items():
        setattr(target, name, value)
    target.note = nfc(note)
    target.updated_by_id = actor.id
    db.session.flush()
    return target


def seed_national_targets() -> int:
    """The VGCL's goals of docs/domain.md §1, on the VGCL unit. Idempotent: a figure already set
    is kept; returns how many figures were added."""
    root = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "VGCL"))
    if root is None:
        raise Invalid(_("The VGCL unit is missing: run `flask seed reference` first"),
                      field="unit")
    added = 0
    for year, figures in NATIONAL_TARGETS:
        target = db.session.scalar(sa.select(Target).where(Target.unit_id == root.id,
                                                           Target.year == year))
        if target is None:
            target = Target(unit=root, unit_id=root.id, year=year,
                            note="VGCL national goal (docs/domain.md §1)")
            db.session.add(target)
        for name, value in figures.items():
            if getattr(target, name) is None:
                setattr(target, name, value)
                added += 1
    db.session.flush()
    return added


# ---------------------------------------------------------------------------------------------
# progress

def elapsed_share(year: int, today: date | None = None) -> float:
    """The share of `year` gone by: 1 for a past year, 0 for a future one."""
    today = today or clock.today()
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    return (today - start).days / days


@dataclass
class Progress:
    unit_code: str
    unit_name: str
    unit_type: str
    depth: int
    target: Target | None
    founded_members: int = 0
    founded_unions: int = 0
    open_cases: int = 0
    weighted_members: float = 0.0   # open cases' target members times their state's chance
    weighted_unions: float = 0.0
    elapsed: float = 0.0
    forecast_open: bool = True      # False for a past year: nothing more can be founded in it
    province_code: str | None = None   # the unit's province (the per-province map)
    province_name: str | None = None
    # what the unions' monthly reports add (services/membership_figures.py)
    members: Members = field(default_factory=Members)

    @property
    def admitted_members(self) -> int:
        return self.members.admitted

    @property
    def left_members(self) -> int:
        return self.members.left

    @property
    def new_members(self) -> int:
        """Founders of the unions founded in the year + members admitted in its reports."""
        return self.founded_members + self.members.admitted

    @property
    def net_members(self) -> int:
        return self.new_members - self.members.left

    def _figure(self, name):
        return getattr(self.target, name) if self.target is not None else None

    @property
    def target_members(self) -> int | None:
        return self._figure("new_members")

    @property
    def target_unions(self) -> int | None:
        return self._figure("new_unions")

    @property
    def baseline_members(self) -> int | None:
        return self._figure("baseline_members")

    @property
    def total_target(self) -> int | None:
        return self._figure("total_members")

    @property
    def members_share(self) -> float | None:
        return self.new_members / self.target_members if self.target_members else None

    @property
    def unions_share(self) -> float | None:
        return self.founded_unions / self.target_unions if self.target_unions else None

    @property
    def forecast_members(self) -> int:
        extra = self.weighted_members if self.forecast_open else 0
        return int(round(self.new_members + extra))

    @property
    def forecast_unions(self) -> int:
        extra = self.weighted_unions if self.forecast_open else 0
        return int(round(self.founded_unions + extra))

    @property
    def members_now(self) -> int | None:
        """The latest closing figures of the subtree's unions plus the founders of those that
        never reported; without any union in the system, the target's baseline plus the net
        growth of the year (None without a baseline)."""
        if self.members.holds_unions:
            return self.members.members_now
        base = self.baseline_members
        return None if base is None else base + self.net_members

    @property
    def members_unreported(self) -> int:
        return self.members.members_unreported

    @property
    def on_track(self) -> bool | None:
        """Founded members (or unions, if only that is targeted) at least the target times the
        share of the year elapsed. None without a yearly target."""
        checks = []
        if self.target_members:
            checks.append(self.new_members >= self.target_members * self.elapsed)
        if self.target_unions:
            checks.append(self.founded_unions >= self.target_unions * self.elapsed)
        return all(checks) if checks else None


@dataclass
class TargetTable:
    year: int
    elapsed: float
    root: OrgUnit
    rows: list[Progress]


def _path_ids(path: str) -> list[int]:
    """The ids of a unit and its ancestors, from its path ("/1/5/27/")."""
    return [int(i) for i in path.strip("/").split("/") if i]


def target_progress(user: User, year: int, *, unit: str | None = None,
                    units: str = "tree", today: date | None = None) -> TargetTable:
    """Progress for `year` of the units in the user's scope.

    units="tree": the root (the chosen unit if in scope, else the user's own), its children and
    every unit under it with a target for the year; units="provinces": the provincial
    federations in scope (the per-province chart). Six queries, whatever the number of cases.
    """
    reads = dashboard_session()  # a replica when one is set
    root = user.unit
    if unit:
        chosen = reads.scalar(sa.select(OrgUnit).where(OrgUnit.code == unit))
        if chosen is not None and authz.unit_in_scope(user, chosen):
            root = chosen
    in_subtree = OrgUnit.path.startswith(root.path)
    targeted = sa.select(Target.unit_id).where(Target.year == year)
    if units == "provinces":
        condition = sa.and_(in_subtree, OrgUnit.type == "provincial_federation")
    else:
        condition = sa.and_(in_subtree, sa.or_(OrgUnit.id == root.id,
                                               OrgUnit.parent_id == root.id,
                                               OrgUnit.id.in_(targeted)))
    row_units = reads.scalars(sa.select(OrgUnit).where(condition)
                              .options(joinedload(OrgUnit.province))).all()
    ids = [u.id for u in row_units]
    targets = {t.unit_id: t for t in reads.scalars(
        sa.select(Target).where(Target.year == year, Target.unit_id.in_(ids)))} if ids else {}

    # roll-up: a row counts every case managed in its subtree, so a case counts in its unit's
    # row and in every ancestor's row shown. SQL sums per managing unit (one pass over the
    # cases, ~300 groups nationally); each unit's sums are then added to the rows of the unit
    # and its ancestors, found from its path
    sums: dict[int, list] = {}
    if ids:
        # the managing units (a grassroots union manages nothing but may be the root): tens of
        # thousands of unions are never read here
        subtree = sa.select(OrgUnit.id, OrgUnit.path).where(
            in_subtree, sa.or_(OrgUnit.type != "grassroots", OrgUnit.id == root.id))
        paths = dict(reads.execute(subtree).all())
        in_units = Case.unit_id.in_(sa.select(subtree.subquery().c.id))
        chances = {state: float(p) for state, p in
                   (get_setting("pipeline_probabilities") or {}).items()}
        per_unit: dict[int, list] = {}
        # open cases by unit and state, from the tallies (kept with every change to a case),
        # weighted here by their chance
        for unit_id, state, count, members in reads.execute(
                sa.select(CaseTally.unit_id, CaseTally.state, sa.func.sum(CaseTally.cases),
                          sa.func.sum(CaseTally.target_members))
                .where(CaseTally.unit_id.in_(sa.select(subtree.subquery().c.id)),
                       CaseTally.state.not_in(TERMINAL_STATES), CaseTally.cases != 0)
                .group_by(CaseTally.unit_id, CaseTally.state)):
            chance = chances.get(state, 0.0)
            count, members = int(count or 0), int(members or 0)   # sums of bigints: Decimal
            figures = per_unit.setdefault(unit_id, [0, 0, 0, 0.0, 0.0])
            figures[2] += count
            figures[3] += members * chance
            figures[4] += count * chance
        # the unions founded in the year (a slice of the founded_on index)
        for unit_id, members, unions in reads.execute(
                sa.select(Case.unit_id, sa.func.sum(sa.func.coalesce(Case.founded_members, 0)),
                          sa.func.count())
                .where(in_units, Case.state == "founded", Case.founded_on >= date(year, 1, 1),
                       Case.founded_on < date(year + 1, 1, 1))
                .group_by(Case.unit_id)):
            figures = per_unit.setdefault(unit_id, [0, 0, 0, 0.0, 0.0])
            figures[0] += int(members or 0)
            figures[1] += int(unions or 0)
        shown = set(ids)
        for unit_id, figures in per_unit.items():
            for ancestor in _path_ids(paths.get(unit_id, "")):
                if ancestor in shown:
                    total = sums.setdefault(ancestor, [0, 0, 0, 0.0, 0.0])
                    for i, value in enumerate(figures):
                        total[i] += value

    members = members_of_rows(reads, year, list(paths), paths, row_units) if ids else {}
    share = elapsed_share(year, today)
    this_year = (today or clock.today()).year
    root_depth = root.path.count("/")
    by_id = {u.id: u for u in row_units}

    def tree_order(u: OrgUnit):
        """Parents before their children, siblings by name (provincial federations first)."""
        chain = [int(i) for i in u.path.strip("/").split("/")][root_depth - 2:]
        return tuple((by_id[i].type != "provincial_federation", search_key(by_id[i].name))
                     if i in by_id else (True, "") for i in chain)

    rows = []
    for u in sorted(row_units, key=tree_order):
        founded, unions, open_cases, w_members, w_unions = sums.get(u.id, (0, 0, 0, 0, 0))
        rows.append(Progress(
            unit_code=u.code, unit_name=u.name, unit_type=u.type,
            depth=u.path.count("/") - root_depth, target=targets.get(u.id),
            founded_members=int(founded or 0), founded_unions=int(unions or 0),
            open_cases=int(open_cases or 0), weighted_members=float(w_members or 0),
            weighted_unions=float(w_unions or 0), elapsed=share,
            forecast_open=year >= this_year,
            province_code=u.province.code if u.province else None,
            province_name=u.province.name if u.province else None,
            members=members.get(u.id, Members())))
    return TargetTable(year=year, elapsed=share, root=root, rows=rows)
