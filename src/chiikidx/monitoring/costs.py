"""Cost-effectiveness of a measure (費用対効果), pure: Decimal arithmetic, no database.

For each 年度 of the period (t = 0 for the first) and each adoption scenario (低位・基準・高位):

    moved procedures   M_t = N × a_t ÷ 100             (a_t: adoption %, 0 when not entered)
    resident hours     H_t = M_t × (travel + waiting + filling minutes) ÷ 60
    resident ¥         B_t = H_t × value of time + M_t × (travel cost + postage)
    staff hours        S_t = M_t × staff minutes ÷ 60
    staff ¥            K_t = S_t × staff hourly cost
    cost               E_t = running cost (+ initial cost when t = 0)
    net benefit       NB_t = B_t + K_t − E_t
    internal effect        K_t − E_t                    (行政内部だけの効果)
    NPV                    Σ NB_t ÷ (1 + r)^t           (r: discount rate ÷ 100)
    payback 年度            the first 年度 whose cumulative net benefit is ≥ 0 (None: not within)

Realised (実績): the same formulas with M_t counted by the linked KPI (`counted_per_year`). A
年度 the KPI covers only in part counts the running cost for the months covered (the initial
cost in full) and is compared with the projection for the same months.

Everything is exact (Decimal); rounding is for display only (`yen_k`, `hours`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from chiikidx.core.japanese import fiscal_year_range

ZERO, ONE, HUNDRED, SIXTY, TWELVE = Decimal(0), Decimal(1), Decimal(100), Decimal(60), Decimal(12)
SCENARIOS = ("low", "base", "high")
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


@dataclass(frozen=True)
class Adoption:
    """普及率 of one 年度 (%)."""

    low: Decimal
    base: Decimal
    high: Decimal

    def of(self, scenario: str) -> Decimal:
        return getattr(self, scenario)


NO_ADOPTION = Adoption(ZERO, ZERO, ZERO)


@dataclass(frozen=True)
class Inputs:
    annual_procedures: Decimal  # N (件/年)
    travel_minutes: Decimal = ZERO  # round trip (分/件)
    waiting_minutes: Decimal = ZERO
    filling_minutes: Decimal = ZERO
    travel_cost: Decimal = ZERO  # 円/件
    postage: Decimal = ZERO  # 円/件
    time_value: Decimal = ZERO  # 円/時
    staff_minutes: Decimal = ZERO  # 分/件
    staff_hourly_cost: Decimal = ZERO  # 円/時
    initial_cost: Decimal = ZERO  # 円, in the first 年度
    running_cost: Decimal = ZERO  # 円/年
    discount_rate: Decimal = ZERO  # %/年
    years: tuple[int, ...] = ()
    adoption: Mapping[int, Adoption] = field(default_factory=dict)

    @property
    def resident_minutes(self) -> Decimal:
        return self.travel_minutes + self.waiting_minutes + self.filling_minutes

    @property
    def rate(self) -> Decimal:
        return self.discount_rate / HUNDRED

    def adoption_of(self, fy: int) -> Adoption:
        return self.adoption.get(fy, NO_ADOPTION)

    @property
    def missing_years(self) -> list[int]:
        """年度 of the period without adoption rows (counted as 0%)."""
        return [fy for fy in self.years if fy not in self.adoption]


@dataclass(frozen=True)
class Year:
    """The effect of one 年度 (`share`: the part of the 年度 counted, 1 but for a realised 年度
    the KPI covers only in part)."""

    fiscal_year: int
    t: int
    share: Decimal
    moved: Decimal
    resident_hours: Decimal
    resident_time_yen: Decimal
    resident_money_yen: Decimal  # travel cost and postage
    staff_hours: Decimal
    staff_yen: Decimal
    cost: Decimal
    discount: Decimal  # (1 + r)^t

    @property
    def resident_yen(self) -> Decimal:
        return self.resident_time_yen + self.resident_money_yen

    @property
    def benefit(self) -> Decimal:
        return self.resident_yen + self.staff_yen

    @property
    def net(self) -> Decimal:
        return self.benefit - self.cost

    @property
    def internal(self) -> Decimal:
        """行政内部だけの効果: staff time freed, in yen, less the cost."""
        return self.staff_yen - self.cost

    @property
    def present_value(self) -> Decimal:
        return self.net / self.discount

    @property
    def internal_present_value(self) -> Decimal:
        return self.internal / self.discount


def year_result(inputs: Inputs, t: int, fy: int, moved: Decimal, share: Decimal = ONE) -> Year:
    """One 年度's effect of `moved` procedures (t: its position in the period, from 0)."""
    resident_hours = moved * inputs.resident_minutes / SIXTY
    staff_hours = moved * inputs.staff_minutes / SIXTY
    cost = inputs.running_cost * share + (inputs.initial_cost if t == 0 else ZERO)
    return Year(
        fiscal_year=fy,
        t=t,
        share=share,
        moved=moved,
        resident_hours=resident_hours,
        resident_time_yen=resident_hours * inputs.time_value,
        resident_money_yen=moved * (inputs.travel_cost + inputs.postage),
        staff_hours=staff_hours,
        staff_yen=staff_hours * inputs.staff_hourly_cost,
        cost=cost,
        discount=(ONE + inputs.rate) ** t,
    )


@dataclass(frozen=True)
class Result:
    """A series of 年度 (a scenario's, or the realised ones) and its totals."""

    years: list[Year]

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(y, name) for y in self.years), ZERO)

    @property
    def cumulative(self) -> list[Decimal]:
        running, found = ZERO, []
        for y in self.years:
            running += y.net
            found.append(running)
        return found

    @property
    def internal_cumulative(self) -> list[Decimal]:
        running, found = ZERO, []
        for y in self.years:
            running += y.internal
            found.append(running)
        return found

    moved = property(lambda self: self._sum("moved"))
    resident_hours = property(lambda self: self._sum("resident_hours"))
    resident_yen = property(lambda self: self._sum("resident_yen"))
    staff_hours = property(lambda self: self._sum("staff_hours"))
    staff_yen = property(lambda self: self._sum("staff_yen"))
    cost = property(lambda self: self._sum("cost"))
    net = property(lambda self: self._sum("net"))
    internal = property(lambda self: self._sum("internal"))
    npv = property(lambda self: self._sum("present_value"))
    internal_npv = property(lambda self: self._sum("internal_present_value"))

    @property
    def payback_fy(self) -> int | None:
        return _first_not_negative(self.years, self.cumulative)

    @property
    def internal_payback_fy(self) -> int | None:
        return _first_not_negative(self.years, self.internal_cumulative)

    def year(self, fy: int) -> Year | None:
        return next((y for y in self.years if y.fiscal_year == fy), None)


# Divisions by 60 leave digits beyond Decimal's 28th: a cumulative of exactly 0 must not come
# out as −2E-27 and miss its payback.
TOLERANCE = Decimal("1E-9")


def _first_not_negative(years: list[Year], cumulative: list[Decimal]) -> int | None:
    found = zip(years, cumulative, strict=True)
    return next((y.fiscal_year for y, c in found if c >= -TOLERANCE), None)


def projection(inputs: Inputs, scenario: str) -> Result:
    """One scenario over the period: M_t = N × a_t ÷ 100."""
    return Result(
        [
            year_result(
                inputs,
                t,
                fy,
                inputs.annual_procedures * inputs.adoption_of(fy).of(scenario) / HUNDRED,
            )
            for t, fy in enumerate(inputs.years)
        ]
    )


def projections(inputs: Inputs) -> dict[str, Result]:
    return {scenario: projection(inputs, scenario) for scenario in SCENARIOS}


# --- realised: procedures counted by a KPI ---------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """Procedures a KPI counted in one 年度, and the months its actuals cover."""

    fiscal_year: int
    moved: Decimal
    months: tuple[int, ...]  # calendar months, in 年度 order (4, 5, …, 12, 1, 2, 3)

    @property
    def complete(self) -> bool:
        return len(self.months) == 12

    @property
    def share(self) -> Decimal:
        return Decimal(len(self.months)) / TWELVE

    def adoption(self, annual_procedures: Decimal) -> Decimal | None:
        """実績の普及率 (%): counted ÷ (N × the share of the 年度 covered); None without N."""
        expected = annual_procedures * self.share
        return self.moved / expected * HUNDRED if expected else None

    @property
    def months_label(self) -> str:
        """通年, 4〜10月 (a run of months), or 7か月分 (with gaps)."""
        if self.complete:
            return _("通年")
        positions = [FISCAL_MONTHS.index(m) for m in self.months]
        if positions == list(range(positions[0], positions[-1] + 1)):
            first, last = self.months[0], self.months[-1]
            return f"{first}月" if first == last else f"{first}〜{last}月"
        return _("%(n)sか月分") % {"n": len(self.months)}


def _months(start, end) -> list[int]:
    """Calendar months from the month of `start` to the month of `end`."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _in_order(months: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(months), key=FISCAL_MONTHS.index))


def counted_per_year(
    cumulative: bool,
    observations: Iterable[tuple],
    years: Iterable[int],
    baseline: tuple | None = None,
) -> dict[int, Counted]:
    """Procedures per 年度 from a count KPI's current actuals, (period, value) pairs.

    Per-period counts: the sum of the periods of the 年度 (a 年度ごと KPI: its one value); the
    months covered are those of the periods recorded. Cumulative counts: the last value in the
    年度 less the value before it — the last actual before the 年度's first recorded period, else
    the baseline (date, value) if earlier, else 0 — covering the months from the one after that
    point (April when it is before the 年度) to the end of the last period recorded."""
    ordered = sorted(observations, key=lambda o: o[0])
    found = {}
    for fy in years:
        start, end = fiscal_year_range(fy)
        inside = [(p, v) for p, v in ordered if start <= p.end <= end]
        if not inside:
            continue
        if not cumulative:
            months = [m for p, _v in inside for m in _months(p.start, p.end)]
            moved = sum((v for _p, v in inside), ZERO)
        else:
            moved, months = _cumulative_year(ordered, inside, baseline, start)
        found[fy] = Counted(fy, moved, _in_order(months))
    return found


def _cumulative_year(ordered, inside, baseline, start) -> tuple[Decimal, list[int]]:
    first, last = inside[0][0], inside[-1][0]
    points = [(p.end, v) for p, v in ordered if p.end < first.start]
    if baseline is not None and baseline[0] < first.start:
        points.append(baseline)
    if points:
        day, value = max(points, key=lambda point: point[0])
        covered_from = max(start, _next_month(day))
    else:
        value, covered_from = ZERO, first.start
    return inside[-1][1] - value, _months(covered_from, last.end)


def _next_month(day):
    """The first day of the month holding the day after `day` (a point on a month's last day:
    the next month)."""
    following = day + datetime.timedelta(days=1)
    return following if following.day == 1 else following.replace(day=1)


def realised(inputs: Inputs, counted: Mapping[int, Counted]) -> Result:
    """The 年度 of the period with a count, through the same formulas."""
    return Result(
        [
            year_result(inputs, t, fy, counted[fy].moved, counted[fy].share)
            for t, fy in enumerate(inputs.years)
            if fy in counted
        ]
    )


def comparable(inputs: Inputs, projected: Year, share: Decimal) -> Year:
    """The projection for the part of the 年度 a realised count covers."""
    if share == ONE:
        return projected
    return year_result(inputs, projected.t, projected.fiscal_year, projected.moved * share, share)


# --- display (rounding happens only here) ------------------------------------------------------


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def yen_k(value: Decimal | None) -> str:
    """千円, rounded half up: 1,234,500 → 1,235; −499 → 0."""
    if value is None:
        return "—"
    rounded = _rounded(value / 1000, 0)
    return f"{rounded + 0:,}"  # + 0 turns −0 into 0


def yen(value: Decimal | None) -> str:
    return "—" if value is None else f"{_rounded(value, 0) + 0:,}"


def hours(value: Decimal | None) -> str:
    """Hours to one decimal: 1,234.5."""
    return "—" if value is None else f"{_rounded(value, 1) + 0:,}"


def count(value: Decimal | None) -> str:
    return "—" if value is None else f"{_rounded(value, 0) + 0:,}"


def percent(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{_rounded(value, places).normalize() + 0:f}"


def fixed(value: Decimal, places: int = 1) -> str:
    """A share with a fixed number of decimals: 22 → 22.0."""
    return f"{_rounded(value, places) + 0:,}"


def plain(value: Decimal) -> str:
    """A typed value without trailing zeros, with thousands separators: 30.0 → 30."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        normal = normal.quantize(ONE)
    return f"{normal + 0:,f}"
