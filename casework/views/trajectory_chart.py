"""The trajectory chart's geometry: members per month (a line) against the straight path to the
goal (a dashed line), drawn by the server as SVG (templates/membership/trajectory.html)."""
from __future__ import annotations

from dataclasses import dataclass

from casework.services.trajectory import Trajectory, add_months, months_between

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 32


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    actual: str                  # the polyline's points
    path: str                    # the straight path: baseline to goal
    goal_y: float
    y_ticks: tuple[tuple[float, int], ...]
    x_ticks: tuple[tuple[float, str], ...]
    last: tuple[float, float] | None


def _nice_step(top: float) -> int:
    raw = top / 4 or 1
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def chart(trajectory: Trajectory) -> Chart | None:
    """None when nothing was reported yet."""
    if not trajectory.points:
        return None
    start = trajectory.points[0][0]
    end = max(trajectory.goal_month, trajectory.points[-1][0])
    span = max(months_between(start, end), 1)
    top = max([trajectory.goal] + [m for _month, m in trajectory.points]) * 1.05
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(month) -> float:
        return round(LEFT + inner_w * months_between(start, month) / span, 1)

    def y(members) -> float:
        return round(TOP + inner_h * (1 - members / top), 1)

    actual = " ".join(f"{x(m)},{y(v)}" for m, v in trajectory.points)
    baseline = trajectory.points[0][1]
    path = f"{x(start)},{y(baseline)} {x(trajectory.goal_month)},{y(trajectory.goal)}"
    step = _nice_step(top)
    y_ticks = tuple((y(v), v) for v in range(0, int(top) + 1, step))
    x_ticks, month = [], start
    while month <= end:
        if month.month == 1 or month == start:
            x_ticks.append((x(month), str(month.year)))
        month = add_months(month, 1)
    last_month, last_members = trajectory.points[-1]
    return Chart(width=WIDTH, height=HEIGHT, actual=actual, path=path,
                 goal_y=y(trajectory.goal), y_ticks=y_ticks, x_ticks=tuple(x_ticks),
                 last=(x(last_month), y(last_members)))
