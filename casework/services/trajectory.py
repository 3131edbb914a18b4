"""The 2028 goal's trajectory: members per month against the straight path to the goal (issue 14).

Members of a month = the closing figures the subtree's unions reported for that month (one
GROUP BY month over the reports' index). The straight path runs from the first month reported
(the baseline) to the goal in the goal's month. The pace is the average monthly growth over the
last twelve months reported (fewer when there are fewer); the month the pace reaches the goal is
the last month plus the months still needed at that pace (none when the pace is not positive).

The goal of a unit is its target of total members for the goal year; a unit without one is
given the national goal times its share of the national baseline.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from casework.models import OrgUnit, Target, UnitType
from casework.models.membership import MembershipTally
from casework.services.targets import NATIONAL_TARGETS

GOAL_YEAR = 2028
# the VGCL goal (docs/domain.md): members in the whole system by December 2028, declared once
NATIONAL_GOAL = dict(NATIONAL_TARGETS)[GOAL_YEAR]["total_members"]
PACE_MONTHS = 12
HORIZON_MONTHS = 1200   # a pace that needs over a century is said to never reach the goal


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class Trajectory:
    unit_code: str
    unit_name: str
    goal: int
    goal_month: date
    points: tuple[tuple[date, int], ...]      # (month, members), in order

    @property
    def baseline(self) -> tuple[date, int] | None:
        return self.points[0] if self.points else None

    def path_at(self, month: date) -> float | None:
        """The straight path's members in `month`: baseline to goal, linearly by month."""
        if not self.points:
            return None
        start, members = self.points[0]
        span = months_between(start, self.goal_month)
        if span <= 0:
            return float(self.goal)
        return members + (self.goal - members) * months_between(start, month) / span

    @property
    def pace(self) -> float | None:
        """Average growth per month over the last PACE_MONTHS months reported."""
        if len(self.points) < 2:
            return None
        recent = self.points[-(PACE_MONTHS + 1):]
        months = months_between(recent[0][0], recent[-1][0])
        return (recent[-1][1] - recent[0][1]) / months if months else None

    @property
    def reach_month(self) -> date | None:
        """The month the current pace would reach the goal (None if it never would)."""
        if not self.points:
            return None
        last_month, members = self.points[-1]
        if members >= self.goal:
            return last_month
        pace = self.pace
        if not pace or pace <= 0:
            return None
        needed = math.ceil((self.goal - members) / pace)
        return add_months(last_month, needed) if needed <= HORIZON_MONTHS else None

    @property
    def on_path(self) -> bool | None:
        if not self.points:
            return None
        month, members = self.points[-1]
        return members >= (self.path_at(month) or 0)


def monthly_members(reads, unit: OrgUnit) -> list[tuple[date, int]]:
    """(month, members reported) for the subtree of `unit`, where the union sat that month."""
    managers = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True),
                                           OrgUnit.type != UnitType.grassroots.value)
    rows = reads.execute(
        sa.select(MembershipTally.month, sa.func.sum(MembershipTally.closing))
        .where(MembershipTally.managing_unit_id.in_(list(reads.scalars(managers))))
        .group_by(MembershipTally.month).order_by(MembershipTally.month))
    return [(month, int(total or 0)) for month, total in rows]


def goal_of(reads, unit: OrgUnit, national_baseline: int | None, baseline: int | None) -> int:
    target = reads.scalar(sa.select(Target.total_members).where(
        Target.unit_id == unit.id, Target.year == GOAL_YEAR))
    if target:
        return int(target)
    if unit.is_root or not national_baseline or baseline is None:
        return NATIONAL_GOAL
    return round(NATIONAL_GOAL * baseline / national_baseline)


def trajectory(reads, unit: OrgUnit, root: OrgUnit | None = None) -> Trajectory:
    """The trajectory of `unit`; `root` (the VGCL) scales the goal of a unit without one."""
    points = monthly_members(reads, unit)
    national = None
    if root is not None and root.id != unit.id:
        national_points = monthly_members(reads, root)
        national = national_points[0][1] if national_points else None
    baseline = points[0][1] if points else None
    return Trajectory(unit_code=unit.code, unit_name=unit.name,
                      goal=goal_of(reads, unit, national, baseline),
                      goal_month=date(GOAL_YEAR, 12, 1), points=tuple(points))
