"""The one-page summary of a plan (概要) for 本部会議 and 議会: status counts, late measures,
deadlines of the next 90 days, budget by 年度, the roll-up progress, critical measures at risk
and the drift from the latest baseline. A fixed number of queries, whatever the plan's size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core.japanese import nendo_label

from . import baselines, queries, services
from .choices import OPEN_STATUSES, STATUS_STYLE, MeasureStatus
from .models import Baseline, Measure, MeasureBudget, Plan

UPCOMING_DAYS = 90
AT_RISK_STATUSES = (MeasureStatus.CAUTION, MeasureStatus.DELAYED)


def thousand_yen(yen: int | None) -> str:
    """Yen shown in 千円, rounded half up: 1,234,500 → 1,235 (None → —)."""
    if yen is None:
        return "—"
    value = (Decimal(yen) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{value:,}"


@dataclass
class StatusCount:
    value: str
    label: str
    style: str  # badge modifier (colour), the label is always written beside it
    colour: str  # the bar of the status line (the Gantt's colours)
    count: int
    x: float = 0  # start of its segment in the status line, 0–100
    width: float = 0


@dataclass
class LateMeasure:
    measure: Measure
    days_overdue: int  # today − 期限, when the 期限 has passed (0: not passed)
    days_late_scheduled: int  # the schedule's finish after the 期限 (pushed by predecessors)

    @property
    def sort_key(self) -> tuple:
        # Measures without a 期限 last among equals (a date never compares with a number).
        days = max(self.days_overdue, self.days_late_scheduled)
        return (-days, self.measure.deadline or datetime.date.max, self.measure.pk)


@dataclass
class Upcoming:
    measure: Measure
    days_left: int


@dataclass
class BudgetYear:
    fiscal_year: int
    planned: int
    actual: int | None  # None: no 決算 entered for that 年度 yet

    @property
    def label(self) -> str:
        return nendo_label(self.fiscal_year)

    @property
    def planned_k(self) -> str:
        return thousand_yen(self.planned)

    @property
    def actual_k(self) -> str:
        return thousand_yen(self.actual)

    @property
    def rate(self) -> Decimal | None:
        """決算 ÷ 予算 in %, one decimal (None without a 決算 or a 予算)."""
        if self.actual is None or not self.planned:
            return None
        return (Decimal(self.actual) * 100 / self.planned).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class AtRisk:
    row: object  # services.ScheduleRow
    reasons: list[str]


@dataclass
class DriftLine:
    baseline: Baseline
    comparison: baselines.Comparison
    later: int  # measures whose 期限 moved later
    earlier: int
    max_later: int  # days

    @property
    def budget_text(self) -> str:
        """The change of the total 予算 in 千円, with its sign and a word: +9,000千円 増."""
        yen = self.comparison.budget_drift
        if yen > 0:
            return _("+%(n)s千円 増") % {"n": thousand_yen(yen)}
        if yen < 0:
            return _("−%(n)s千円 減") % {"n": thousand_yen(-yen)}
        return _("±0千円")


@dataclass
class Summary:
    plan: Plan
    today: datetime.date
    tree: queries.PlanTree
    statuses: list[StatusCount]
    total: int
    late: list[LateMeasure]
    upcoming: list[Upcoming]
    budgets: list[BudgetYear]
    critical_count: int
    at_risk: list[AtRisk]
    schedule_error: str = ""
    drift: DriftLine | None = None
    decision: object | None = None  # the latest PlanDecision

    @property
    def upcoming_until(self) -> datetime.date:
        return self.today + datetime.timedelta(days=UPCOMING_DAYS)

    @property
    def budget_planned_k(self) -> str:
        return thousand_yen(sum(b.planned for b in self.budgets))

    @property
    def budget_actual_k(self) -> str:
        actuals = [b.actual for b in self.budgets if b.actual is not None]
        return thousand_yen(sum(actuals)) if actuals else "—"


def summary(plan: Plan, today: datetime.date | None = None) -> Summary:
    today = today or timezone.localdate()
    tree = queries.plan_tree(plan)
    measures = [m for node in tree.nodes for m in node.measures]
    found = services.schedule_of(plan, measures)
    rows = {r.measure.pk: r for r in found.rows if not r.external}
    statuses = _statuses(tree.status_counts)
    return Summary(
        plan=plan,
        today=today,
        tree=tree,
        statuses=statuses,
        total=sum(s.count for s in statuses),
        late=_late(measures, rows, today),
        upcoming=_upcoming(measures, today),
        budgets=_budgets(plan),
        critical_count=sum(1 for r in rows.values() if r.computed.critical),
        at_risk=_at_risk(rows.values()),
        schedule_error=found.error,
        drift=_drift(plan),
        decision=tree.decisions[-1] if tree.decisions else None,
    )


def _statuses(counts: dict[str, int]) -> list[StatusCount]:
    total = sum(counts.values())
    result, x = [], 0.0
    for value, label in MeasureStatus.choices:
        count = counts.get(value, 0)
        width = round(100 * count / total, 2) if total else 0
        result.append(
            StatusCount(
                value,
                str(label),
                STATUS_STYLE.get(value, "neutral"),
                queries.GANTT_COLOURS.get(value, "#949497"),
                count,
                x=x,
                width=width,
            )
        )
        x = round(x + width, 2)
    return result


def _late(measures, rows, today) -> list[LateMeasure]:
    """Delayed (遅延), past their 期限 while open, or pushed past it by the schedule."""
    found = []
    for m in measures:
        if m.status not in OPEN_STATUSES:
            continue
        overdue = (today - m.deadline).days if m.deadline and m.deadline < today else 0
        row = rows.get(m.pk)
        scheduled = row.days_late if row else 0
        if m.status == MeasureStatus.DELAYED or overdue or scheduled:
            found.append(LateMeasure(m, overdue, scheduled))
    return sorted(found, key=lambda item: item.sort_key)


def _upcoming(measures, today) -> list[Upcoming]:
    until = today + datetime.timedelta(days=UPCOMING_DAYS)
    found = [
        Upcoming(m, (m.deadline - today).days)
        for m in measures
        if m.status in OPEN_STATUSES and m.deadline and today <= m.deadline <= until
    ]
    return sorted(found, key=lambda u: (u.measure.deadline, u.measure.pk))


def _budgets(plan: Plan) -> list[BudgetYear]:
    """予算 and 決算 per 年度 of the plan's period (and any other 年度 with amounts)."""
    sums = (
        MeasureBudget.objects.filter(measure__plan=plan)
        .values("fiscal_year")
        .annotate(planned=Sum("planned_yen"), actual=Sum("actual_yen"), actuals=Count("actual_yen"))
        .order_by("fiscal_year")
    )
    by_year = {s["fiscal_year"]: s for s in sums}
    years = sorted(set(range(plan.start_fy, plan.end_fy + 1)) | by_year.keys())
    result = []
    for fy in years:
        s = by_year.get(fy, {})
        actual = s.get("actual") if s.get("actuals") else None
        result.append(BudgetYear(fy, s.get("planned") or 0, actual))
    return result


def _at_risk(rows) -> list[AtRisk]:
    """Critical measures still open that are 注意/遅延, pushed past their 期限, or without
    slack to spare (negative slack: a 期限 cannot be met even if nothing slips)."""
    found = []
    for r in rows:
        c, m = r.computed, r.measure
        if not c.critical or m.status not in OPEN_STATUSES:
            continue
        reasons = []
        if m.status in AT_RISK_STATUSES:
            reasons.append(_("状況が「%(s)s」") % {"s": m.get_status_display()})
        if r.days_late:
            reasons.append(_("工程上 期限を%(n)s日超過") % {"n": r.days_late})
        elif c.slack_days < 0:
            reasons.append(_("余裕 %(n)s日") % {"n": c.slack_days})
        if reasons:
            found.append(AtRisk(r, reasons))
    return found


def _drift(plan: Plan) -> DriftLine | None:
    """The current plan against its latest baseline (of this or an earlier version)."""
    latest = queries.baselines_of(queries.plan_versions(plan)).last()
    if latest is None:
        return None
    comparison = baselines.compare(latest, plan)
    drifts = [c.deadline_drift for c in comparison.changed if c.deadline_drift]
    later = [d for d in drifts if d > 0]
    return DriftLine(
        baseline=latest,
        comparison=comparison,
        later=len(later),
        earlier=sum(1 for d in drifts if d < 0),
        max_later=max(later, default=0),
    )
