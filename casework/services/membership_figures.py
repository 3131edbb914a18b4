"""The membership figures of a subtree for a year, summed in SQL (issue 14).

New members = the founders of the unions founded in the year + the members admitted in the
year's reports; left = the members who left in the reports + the members of the unions
dissolved in the year; members now = the latest closing figure of every live union (a counter
kept with each report) + the founders of the unions that never reported, shown apart.

Every figure is a GROUP BY over an index (the reports by month and managing unit, the unions
by managing unit): a few hundred groups whatever the number of reports. A report counts where
the union sat that month (its `managing_unit_id`), so a transfer does not move earlier figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from casework.models import Case, OrgUnit, UnitType
from casework.models.membership import (GrassrootsUnion, MembershipReport, MembershipTally,
                                        UnionTally)

SLOTS = ("founded", "admitted_vietnamese", "admitted_foreign", "left", "members_reported",
         "members_unreported", "unions", "dissolved")


@dataclass
class Members:
    founded: int = 0
    admitted_vietnamese: int = 0
    admitted_foreign: int = 0
    left: int = 0
    members_reported: int = 0     # latest closing figures of the live unions that report
    members_unreported: int = 0   # founders of the live unions that never reported
    unions: int = 0               # live grassroots unions
    dissolved: int = 0            # unions dissolved in the year

    @property
    def holds_unions(self) -> bool:
        """The subtree holds unions in the system (else its members are not known here)."""
        return bool(self.unions or self.dissolved)

    def add(self, other: "Members") -> None:
        for name in SLOTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def admitted(self) -> int:
        return self.admitted_vietnamese + self.admitted_foreign

    @property
    def new_members(self) -> int:
        return self.founded + self.admitted

    @property
    def net(self) -> int:
        return self.new_members - self.left

    @property
    def members_now(self) -> int:
        return self.members_reported + self.members_unreported

    def as_json(self) -> dict:
        return {"founded_members": self.founded,
                "admitted_vietnamese": self.admitted_vietnamese,
                "admitted_foreign": self.admitted_foreign, "admitted_members": self.admitted,
                "left_members": self.left, "net_members": self.net,
                "members_now": self.members_now, "members_unreported": self.members_unreported,
                "unions": self.unions}


@dataclass
class Grouped:
    """Figures per key: a managing unit's id (by="unit") or a province's id (by="province")."""
    figures: dict[int, Members] = field(default_factory=dict)

    def at(self, key) -> Members:
        return self.figures.setdefault(key, Members())


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def grouped_members(reads, year: int, unit_ids, by: str = "unit", *,
                    founded_from_cases: bool = True) -> Grouped:
    """The year's figures of the subtree of managing units `unit_ids` (a list: a few hundred
    ids; an IN subquery over the path would read every union of the tree),
    grouped by managing unit or by province. `founded_from_cases`: False when the caller counts
    the founders itself (services/targets.py does)."""
    start, end = year_bounds(year)
    out = Grouped()
    # the year's reports, from the tallies kept with them (a few thousand rows nationally)
    report_key = MembershipTally.managing_unit_id if by == "unit" \
        else MembershipTally.province_id
    for key, vietnamese, foreign, left in reads.execute(
            sa.select(report_key, sa.func.sum(MembershipTally.admitted_vietnamese),
                      sa.func.sum(MembershipTally.admitted_foreign),
                      sa.func.sum(MembershipTally.left))
            .where(MembershipTally.month >= start, MembershipTally.month < end,
                   MembershipTally.managing_unit_id.in_(unit_ids))
            .group_by(report_key)):
        figures = out.at(key)
        figures.admitted_vietnamese += int(vietnamese or 0)
        figures.admitted_foreign += int(foreign or 0)
        figures.left += int(left or 0)
    union_key = OrgUnit.parent_id if by == "unit" else OrgUnit.province_id
    unions = sa.select(union_key).join(GrassrootsUnion, GrassrootsUnion.unit_id == OrgUnit.id) \
        .where(OrgUnit.parent_id.in_(unit_ids))
    # a union dissolved in the year: the members it had then left in the year
    for key, members, count in reads.execute(
            unions.add_columns(sa.func.sum(sa.func.coalesce(
                GrassrootsUnion.members_at_dissolution, 0)), sa.func.count())
            .where(GrassrootsUnion.dissolved_on >= start, GrassrootsUnion.dissolved_on < end)
            .group_by(union_key)):
        out.at(key).left += int(members or 0)
        out.at(key).dissolved += int(count or 0)
    # the live unions, from their tallies (kept with every founding, report and move)
    tally_key = UnionTally.managing_unit_id if by == "unit" else UnionTally.province_id
    for key, count, members_reported, members_unreported in reads.execute(
            sa.select(tally_key, sa.func.sum(UnionTally.unions),
                      sa.func.sum(UnionTally.members_reported),
                      sa.func.sum(UnionTally.members_unreported))
            .where(UnionTally.managing_unit_id.in_(unit_ids))
            .group_by(tally_key)):
        figures = out.at(key)
        figures.members_reported += int(members_reported or 0)
        figures.members_unreported += int(members_unreported or 0)
        figures.unions += int(count or 0)
    if founded_from_cases:
        case_key = Case.unit_id if by == "unit" else Case.province_id
        for key, members in reads.execute(
                sa.select(case_key, sa.func.sum(sa.func.coalesce(Case.founded_members, 0)))
                .where(Case.unit_id.in_(unit_ids), Case.state == "founded",
                       Case.founded_on >= start, Case.founded_on < end)
                .group_by(case_key)):
            out.at(key).founded += int(members or 0)
    return out


def path_ids(path: str) -> list[int]:
    return [int(i) for i in path.strip("/").split("/") if i]


def roll_up(grouped: Grouped, paths: dict[int, str], shown: set[int]) -> dict[int, Members]:
    """Each managing unit's figures added to its own row and its ancestors' rows shown."""
    rows: dict[int, Members] = {}
    for unit_id, figures in grouped.figures.items():
        for ancestor in path_ids(paths.get(unit_id, "")):
            if ancestor in shown:
                rows.setdefault(ancestor, Members()).add(figures)
    return rows


# ---------------------------------------------------------------------------------------------
# the table by province or by unit (GET /api/v1/membership, the province grid)

@dataclass
class FiguresRow:
    key: str
    label: str
    members: Members

    def as_json(self) -> dict:
        return {"key": self.key, "label": self.label, **self.members.as_json()}


def membership_table(reads, root: OrgUnit, year: int, by: str) -> list[FiguresRow]:
    """by="province": one row per province with figures in the subtree of `root`; by="unit":
    `root` then each of its sub-units, each with its whole subtree."""
    from casework.models import Province
    subtree = sa.select(OrgUnit.id, OrgUnit.path).where(
        OrgUnit.path.startswith(root.path, autoescape=True),
        sa.or_(OrgUnit.type != UnitType.grassroots.value, OrgUnit.id == root.id))
    paths = dict(reads.execute(subtree).all())
    grouped = grouped_members(reads, year, list(paths), by=by)
    if by == "province":
        provinces = {p.id: p for p in reads.scalars(
            sa.select(Province).where(Province.id.in_([k for k in grouped.figures if k])))}
        rows = [FiguresRow(provinces[k].code, provinces[k].name, m)
                for k, m in grouped.figures.items() if k in provinces]
        return sorted(rows, key=lambda r: r.key)
    shown = [root] + list(reads.scalars(sa.select(OrgUnit).where(OrgUnit.parent_id == root.id)
                                        .order_by(OrgUnit.type, OrgUnit.name)))
    rolled = roll_up(grouped, paths, {u.id for u in shown})
    return [FiguresRow(u.code, u.name, rolled.get(u.id, Members())) for u in shown]


def members_by_province(user, year: int) -> dict[str, Members]:
    """Province code -> the year's figures in the user's scope (the pipeline by province)."""
    from casework.replica import dashboard_session
    return {r.key: r.members for r in
            membership_table(dashboard_session(), user.unit, year, "province")}


def unions_own_members(reads, year: int, union_ids: list[int]) -> dict[int, Members]:
    """The year's figures of each union in `union_ids` itself (a grassroots unit's own row)."""
    if not union_ids:
        return {}
    start, end = year_bounds(year)
    out: dict[int, Members] = {i: Members() for i in union_ids}
    for unit_id, vietnamese, foreign, left in reads.execute(
            sa.select(MembershipReport.unit_id, sa.func.sum(MembershipReport.admitted_vietnamese),
                      sa.func.sum(MembershipReport.admitted_foreign),
                      sa.func.sum(MembershipReport.left))
            .where(MembershipReport.current, MembershipReport.month >= start,
                   MembershipReport.month < end, MembershipReport.unit_id.in_(union_ids))
            .group_by(MembershipReport.unit_id)):
        figures = out[unit_id]
        figures.admitted_vietnamese = int(vietnamese or 0)
        figures.admitted_foreign = int(foreign or 0)
        figures.left = int(left or 0)
    for union in reads.scalars(sa.select(GrassrootsUnion).where(
            GrassrootsUnion.unit_id.in_(union_ids))):
        figures = out[union.unit_id]
        if union.dissolved:
            figures.dissolved = 1
            if start <= union.dissolved_on < end:
                figures.left += union.members_at_dissolution or 0
        else:
            figures.unions = 1
            if union.last_month is None:
                figures.members_unreported = union.founding_members
            else:
                figures.members_reported = union.members_now
    return out


def members_of_rows(reads, year: int, subtree_ids, paths: dict[int, str], row_units
                    ) -> dict[int, Members]:
    """Each row unit's figures: its subtree's, rolled up; a union's row, its own."""
    shown = {u.id for u in row_units}
    rows = roll_up(grouped_members(reads, year, subtree_ids, founded_from_cases=False),
                   paths, shown)
    rows.update(unions_own_members(reads, year, [u.id for u in row_units
                                                 if u.type == UnitType.grassroots.value]))
    return rows
