"""Reads of cost-effectiveness cases shared by the pages, the API, the Excel export and the
panels on the plans' pages. Results are computed (monitoring.costs), never stored; the
realised counts come from the linked KPIs' current actuals (queries.current_actuals)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BigIntegerField, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from chiikidx.core import access
from chiikidx.core.japanese import fiscal_year
from chiikidx.core.panels import Panel
from chiikidx.plans import queries as plans_queries
from chiikidx.plans.models import Measure

from . import costs, queries
from .choices import COUNT_KINDS, KpiKind
from .models import CostCase, Kpi

HUNDRED = Decimal(100)


def _cases() -> QuerySet:
    return CostCase.objects.select_related("organization", "measure__plan", "kpi").prefetch_related(
        "adoption"
    )


def cases_of(org) -> QuerySet:
    return (
        _cases()
        .filter(organization=org)
        .order_by("measure__plan_id", "measure__order", "procedure", "pk")
    )


def case_of(org, case_id) -> CostCase:
    """A case of the URL's organization (another organization's id: DoesNotExist → 404)."""
    return _cases().get(pk=case_id, organization=org)


def visible_cases(user) -> QuerySet:
    """Cases the user may read (the only door for the API: CostCase.objects.visible_to)."""
    return CostCase.objects.visible_to(user)


def count_kpis(org) -> QuerySet:
    """KPIs that may count a case's procedures: the organization's count KPIs."""
    return Kpi.objects.filter(organization=org, kind__in=COUNT_KINDS).order_by("code", "name", "pk")


def inputs_of(case: CostCase) -> costs.Inputs:
    return costs.Inputs(
        annual_procedures=case.annual_procedures,
        travel_minutes=case.travel_minutes,
        waiting_minutes=case.waiting_minutes,
        filling_minutes=case.filling_minutes,
        travel_cost=case.travel_cost,
        postage=case.postage,
        time_value=case.time_value,
        staff_minutes=case.staff_minutes,
        staff_hourly_cost=case.staff_hourly_cost,
        initial_cost=case.initial_cost,
        running_cost=case.running_cost,
        discount_rate=case.discount_rate,
        years=tuple(case.years),
        adoption={
            a.fiscal_year: costs.Adoption(a.low, a.base, a.high) for a in case.adoption.all()
        },
    )


@dataclass
class YearRow:
    """One 年度 of a case: the three projections, and the realised count beside them."""

    fiscal_year: int
    adoption: costs.Adoption | None
    low: costs.Year
    base: costs.Year
    high: costs.Year
    cumulative: dict[str, Decimal]
    counted: costs.Counted | None = None
    actual: costs.Year | None = None
    compared: costs.Year | None = None  # the base projection for the months counted
    actual_cumulative: Decimal | None = None
    current: bool = False  # the 年度 today falls in
    annual_procedures: Decimal = Decimal(0)

    @property
    def realised_adoption(self) -> Decimal | None:
        """実績の普及率 (%): counted ÷ (N × the share of the 年度 covered)."""
        return None if self.counted is None else self.counted.adoption(self.annual_procedures)

    @property
    def gap(self) -> Decimal | None:
        return None if self.actual is None else self.actual.moved - self.compared.moved

    @property
    def gap_percent(self) -> Decimal | None:
        if self.gap is None or not self.compared.moved:
            return None
        return self.gap / self.compared.moved * HUNDRED

    @property
    def state(self) -> str:
        """ "" (a whole 年度), "in_progress" (途中: today's 年度, in part), "partial" (a past
        年度 recorded in part) or "none" (nothing counted)."""
        if self.counted is None:
            return "none"
        if self.counted.complete:
            return ""
        return "in_progress" if self.current else "partial"


@dataclass
class CaseResult:
    case: CostCase
    inputs: costs.Inputs
    scenarios: dict[str, costs.Result]
    counted: dict[int, costs.Counted] = field(default_factory=dict)
    realised: costs.Result | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def low(self) -> costs.Result:
        return self.scenarios["low"]

    @property
    def base(self) -> costs.Result:
        return self.scenarios["base"]

    @property
    def high(self) -> costs.Result:
        return self.scenarios["high"]

    @property
    def has_realised(self) -> bool:
        return self.realised is not None and bool(self.realised.years)

    @property
    def compared_moved(self) -> Decimal | None:
        """The base projection's procedures for the months the realised counts cover."""
        if not self.has_realised:
            return None
        return sum(
            (
                costs.comparable(self.inputs, self.base.year(y.fiscal_year), y.share).moved
                for y in self.realised.years
            ),
            Decimal(0),
        )

    @property
    def gap(self) -> Decimal | None:
        """Realised less projected procedures so far (negative: short of the projection)."""
        compared = self.compared_moved
        return None if compared is None else self.realised.moved - compared

    @property
    def gap_percent(self) -> Decimal | None:
        compared = self.compared_moved
        return None if not compared else self.gap / compared * HUNDRED

    @property
    def missing_years(self) -> list[int]:
        return self.inputs.missing_years

    def rows(self) -> list[YearRow]:
        current = fiscal_year(self.today)
        cumulative = {name: r.cumulative for name, r in self.scenarios.items()}
        actual_cumulative = dict(
            zip(
                [y.fiscal_year for y in self.realised.years] if self.realised else [],
                self.realised.cumulative if self.realised else [],
                strict=True,
            )
        )
        rows = []
        for i, fy in enumerate(self.inputs.years):
            base = self.base.years[i]
            counted = self.counted.get(fy)
            actual = self.realised.year(fy) if self.realised else None
            rows.append(
                YearRow(
                    fiscal_year=fy,
                    adoption=self.inputs.adoption.get(fy),
                    low=self.low.years[i],
                    base=base,
                    high=self.high.years[i],
                    cumulative={name: values[i] for name, values in cumulative.items()},
                    counted=counted,
                    actual=actual,
                    compared=costs.comparable(self.inputs, base, counted.share) if actual else None,
                    actual_cumulative=actual_cumulative.get(fy),
                    current=fy == current,
                    annual_procedures=self.inputs.annual_procedures,
                )
            )
        return rows

    def chart(self) -> dict:
        """Cumulative net benefit (千円) per 年度: the three projections and the realised."""
        from chiikidx.core.japanese import nendo_label

        rows = self.rows()

        def k(value):
            return None if value is None else float(round(value / 1000, 1))

        return {
            "years": [nendo_label(r.fiscal_year) for r in rows],
            "low": [k(r.cumulative["low"]) for r in rows],
            "base": [k(r.cumulative["base"]) for r in rows],
            "high": [k(r.cumulative["high"]) for r in rows],
            "realised": [k(r.actual_cumulative) for r in rows],
            # the label over a realised bar counted in part: 途中 (this 年度) or 一部 (earlier)
            "partial": [{"in_progress": "途中", "partial": "一部"}.get(r.state, "") for r in rows],
        }


def results(
    cases, today: datetime.date | None = None, actuals: dict | None = None
) -> list[CaseResult]:
    """Compute the cases (their adoption rows prefetched): 1 query for the KPIs' actuals."""
    cases = list(cases)
    today = today or timezone.localdate()
    if actuals is None:
        kpis = {c.kpi.pk: c.kpi for c in cases if c.kpi_id}
        actuals = queries.current_actuals(kpis.values())
    found = []
    for case in cases:
        inputs = inputs_of(case)
        result = CaseResult(case, inputs, costs.projections(inputs), today=today)
        if case.kpi_id:
            result.counted = counted_of(case.kpi, actuals.get(case.kpi_id, []), inputs.years)
            result.realised = costs.realised(inputs, result.counted)
        found.append(result)
    return found


def counted_of(kpi: Kpi, observations, years) -> dict[int, costs.Counted]:
    baseline = None
    if kpi.baseline_value is not None and kpi.baseline_date is not None:
        baseline = (kpi.baseline_date, kpi.baseline_value)
    cumulative = kpi.kind == KpiKind.COUNT_CUMULATIVE
    return costs.counted_per_year(cumulative, observations, years, baseline)


# --- totals (the plan's summary, the measure page, the list) ---------------------------------


@dataclass
class Totals:
    """Sums over several cases: each case over its own period."""

    count: int = 0
    resident_hours: Decimal = Decimal(0)
    resident_yen: Decimal = Decimal(0)
    staff_hours: Decimal = Decimal(0)
    staff_yen: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    npv: dict = field(default_factory=lambda: dict.fromkeys(costs.SCENARIOS, Decimal(0)))
    moved: Decimal = Decimal(0)
    realised_count: int = 0  # cases with realised counts
    realised_moved: Decimal = Decimal(0)
    realised_resident_hours: Decimal = Decimal(0)
    realised_resident_yen: Decimal = Decimal(0)
    realised_staff_hours: Decimal = Decimal(0)
    realised_staff_yen: Decimal = Decimal(0)
    realised_net: Decimal = Decimal(0)

    def add(self, found: CaseResult) -> None:
        base = found.base
        self.count += 1
        self.moved += base.moved
        self.resident_hours += base.resident_hours
        self.resident_yen += base.resident_yen
        self.staff_hours += base.staff_hours
        self.staff_yen += base.staff_yen
        self.net += base.net
        for name in costs.SCENARIOS:
            self.npv[name] += found.scenarios[name].npv
        if found.has_realised:
            done = found.realised
            self.realised_count += 1
            self.realised_moved += done.moved
            self.realised_resident_hours += done.resident_hours
            self.realised_resident_yen += done.resident_yen
            self.realised_staff_hours += done.staff_hours
            self.realised_staff_yen += done.staff_yen
            self.realised_net += done.net


def totals(found: list[CaseResult]) -> Totals:
    total = Totals()
    for one in found:
        total.add(one)
    return total


def cases_of_measure(measure) -> QuerySet:
    """Cases of the measure and of its copies in other versions of the plan (改定)."""
    return (
        _cases()
        .filter(organization_id=measure.plan.organization_id)
        .filter(plans_queries.same_measure(measure))
        .order_by("procedure", "pk")
    )


def cases_of_plan(plan) -> QuerySet:
    """Cases of the plan's measures, and of the same measures in its other versions."""
    keys = (
        Measure.objects.filter(plan=plan)
        .annotate(key=Coalesce(F("origin"), F("id"), output_field=BigIntegerField()))
        .values("key")
    )
    return (
        _cases()
        .filter(organization_id=plan.organization_id)
        .filter(Q(measure_id__in=keys) | Q(measure__origin__in=keys))
        .order_by("measure__order", "procedure", "pk")
    )


def measure_panel(request, measure) -> Panel | None:
    """The measure's cases and their headline figures (1 query without cases, 3 with)."""
    found = results(cases_of_measure(measure))
    user = getattr(request, "user", None)
    can_add = user is not None and access.can(user, "change", measure.plan.organization)
    if not found and not can_add:
        return None
    context = {"cost_results": found, "can_add_cost": can_add, "panel_measure": measure}
    return Panel("monitoring/_cost_measure_panel.html", context, order=60)


def summary_panel(request, plan) -> Panel | None:
    """Totals over the plan's cases for its one-page summary (nothing without cases)."""
    found = results(cases_of_plan(plan))
    if not found:
        return None
    context = {"cost_totals": totals(found), "cost_results": found, "panel_plan": plan}
    return Panel("monitoring/_cost_summary_panel.html", context)
