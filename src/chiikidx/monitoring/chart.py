"""The KPI page's chart as server-drawn SVG geometry (pure): the target path as a dashed line,
actuals as a line with dots, a tick at the start of every 年度. The table beside it carries the
same numbers for screen readers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from chiikidx.core.japanese import fiscal_year, nendo_short

from . import status

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    target_points: str = ""
    actual_points: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    today_x: float | None = None


def _number(value: Decimal | float, step: float) -> str:
    return f"{value:,.0f}" if step >= 1 else f"{value:,.1f}"


def line_chart(facts: status.KpiFacts, actuals: list[tuple], today: datetime.date) -> Chart | None:
    """`actuals`: (period, value) in any order. None for milestones or when nothing to draw."""
    if facts.kind == "milestone":
        return None
    actuals = sorted(actuals)
    points = status.path_points(facts.baseline, facts.targets)
    days = [facts.start, today, *(p.date for p in points), *(a[0].end for a in actuals)]
    first, last = min(days), max(days)
    if last <= first:
        return None
    values = [float(p.value) for p in points] + [float(v) for _, v in actuals]
    if not values:
        return None
    low, high = min(0.0, *values), max(values)
    if high == low:
        high = low + 1
    high += (high - low) * 0.05
    chart = Chart()
    span = (last - first).days

    def x(day: datetime.date) -> float:
        return round(chart.left + (chart.right - chart.left) * (day - first).days / span, 1)

    def y(value) -> float:
        share = (float(value) - low) / (high - low)
        return round(chart.bottom - (chart.bottom - chart.top) * share, 1)

    corners = [p for p in points if first <= p.date <= last]
    path = [(first, status.target_at(facts.baseline, facts.targets, first))]
    path += [(p.date, p.value) for p in corners]
    path.append((last, status.target_at(facts.baseline, facts.targets, last)))
    chart.target_points = " ".join(f"{x(d)},{y(v)}" for d, v in path if v is not None)
    chart.dots = [(x(p.end), y(v), p.label) for p, v in actuals]
    chart.actual_points = " ".join(f"{dx},{dy}" for dx, dy, _ in chart.dots)
    step = (high - low) / 4
    chart.y_ticks = [(y(low + step * i), _number(low + step * i, step)) for i in range(5)]
    for fy in range(fiscal_year(first), fiscal_year(last) + 1):
        start = datetime.date(fy, 4, 1)
        if first <= start <= last:
            chart.x_ticks.append((x(start), nendo_short(fy)))
    chart.today_x = x(today) if first <= today <= last else None
    return chart
