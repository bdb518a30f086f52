"""The cost-effectiveness calculator (monitoring.costs) against a worked example computed by
hand, and the procedures a count KPI counted per 年度 (per period and cumulative)."""

import datetime
from decimal import Decimal

from chiikidx.monitoring import costs
from chiikidx.monitoring.periods import period_of

D = Decimal

# The worked example, by hand.
#
#   N = 10,000件/年; travel 30 + waiting 20 + filling 10 = 60分/件; value of time 1,200円/時;
#   travel cost 250 + postage 50 = 300円/件; staff 12分/件 at 3,000円/時;
#   initial cost 5,000,000円 (令和7年度), running cost 1,000,000円/年; discount rate 5%.
#   Adoption (低位/基準/高位 %): 令和7年度 10/20/30, 令和8年度 20/40/60, 令和9年度 30/50/70.
#
#   One moved procedure saves a resident 60 ÷ 60 = 1 hour → 1 × 1,200 = 1,200円, plus 300円 of
#   travel and postage: 1,500円; and frees 12 ÷ 60 = 0.2 staff hours → 0.2 × 3,000 = 600円.
#
#   基準 (base)       M_t     H_t      B_t         S_t     K_t         E_t         NB_t
#   令和7年度 (t=0)   2,000   2,000   3,000,000     400   1,200,000   6,000,000   −1,800,000
#   令和8年度 (t=1)   4,000   4,000   6,000,000     800   2,400,000   1,000,000    7,400,000
#   令和9年度 (t=2)   5,000   5,000   7,500,000   1,000   3,000,000   1,000,000    9,500,000
#   cumulative NB: −1,800,000 → 5,600,000 → 15,100,000: pays back in 令和8年度.
#   internal (K − E): −4,800,000, 1,400,000, 2,000,000; cumulative −4,800,000 → −3,400,000 →
#   −1,400,000: the administration alone does not pay back within the period.
#   NPV = −1,800,000 + 7,400,000 ÷ 1.05 + 9,500,000 ÷ 1.05²
#       = −1,800,000 + 7,047,619.05 + 8,616,780.05 = 13,864,399.09円 (13,864千円)
#
#   低位 (low): M = 1,000 / 2,000 / 3,000 → B + K = 2,100円 × M = 2,100,000 / 4,200,000 /
#   6,300,000; NB = −3,900,000 / 3,200,000 / 5,300,000; cumulative −3,900,000 → −700,000 →
#   4,600,000: pays back in 令和9年度.
#   NPV = −3,900,000 + 3,047,619.05 + 4,807,256.24 = 3,954,875.28円
#
#   高位 (high): M = 3,000 / 6,000 / 7,000 → B + K = 6,300,000 / 12,600,000 / 14,700,000;
#   NB = 300,000 / 11,600,000 / 13,700,000: pays back in 令和7年度 (the first 年度 already ≥ 0).
#   NPV = 300,000 + 11,047,619.05 + 12,426,303.85 = 23,773,922.90円
EXAMPLE = costs.Inputs(
    annual_procedures=D(10000),
    travel_minutes=D(30),
    waiting_minutes=D(20),
    filling_minutes=D(10),
    travel_cost=D(250),
    postage=D(50),
    time_value=D(1200),
    staff_minutes=D(12),
    staff_hourly_cost=D(3000),
    initial_cost=D(5000000),
    running_cost=D(1000000),
    discount_rate=D(5),
    years=(2025, 2026, 2027),
    adoption={
        2025: costs.Adoption(D(10), D(20), D(30)),
        2026: costs.Adoption(D(20), D(40), D(60)),
        2027: costs.Adoption(D(30), D(50), D(70)),
    },
)


def _column(result, name):
    return [getattr(y, name) for y in result.years]


def test_base_scenario_year_by_year():
    base = costs.projection(EXAMPLE, "base")
    assert _column(base, "fiscal_year") == [2025, 2026, 2027]
    assert _column(base, "t") == [0, 1, 2]
    assert _column(base, "moved") == [2000, 4000, 5000]
    assert _column(base, "resident_hours") == [2000, 4000, 5000]
    assert _column(base, "resident_time_yen") == [2400000, 4800000, 6000000]
    assert _column(base, "resident_money_yen") == [600000, 1200000, 1500000]
    assert _column(base, "resident_yen") == [3000000, 6000000, 7500000]
    assert _column(base, "staff_hours") == [400, 800, 1000]
    assert _column(base, "staff_yen") == [1200000, 2400000, 3000000]
    assert _column(base, "cost") == [6000000, 1000000, 1000000]
    assert _column(base, "net") == [-1800000, 7400000, 9500000]
    assert base.cumulative == [-1800000, 5600000, 15100000]
    assert _column(base, "internal") == [-4800000, 1400000, 2000000]
    assert base.internal_cumulative == [-4800000, -3400000, -1400000]
    assert base.payback_fy == 2026
    assert base.internal_payback_fy is None
    assert (base.resident_hours, base.resident_yen) == (11000, 16500000)
    assert (base.staff_hours, base.staff_yen, base.cost) == (2200, 6600000, 8000000)
    assert (base.net, base.internal) == (15100000, -1400000)
    assert base.npv == D(-1800000) + D(7400000) / D("1.05") + D(9500000) / D("1.1025")
    assert costs.yen(base.npv) == "13,864,399" and costs.yen_k(base.npv) == "13,864"


def test_low_and_high_scenarios():
    low, high = costs.projection(EXAMPLE, "low"), costs.projection(EXAMPLE, "high")
    assert _column(low, "moved") == [1000, 2000, 3000]
    assert _column(low, "net") == [-3900000, 3200000, 5300000]
    assert low.cumulative == [-3900000, -700000, 4600000]
    assert low.payback_fy == 2027
    assert costs.yen(low.npv) == "3,954,875"
    assert _column(high, "moved") == [3000, 6000, 7000]
    assert _column(high, "net") == [300000, 11600000, 13700000]
    assert high.payback_fy == 2025
    assert costs.yen(high.npv) == "23,773,923"
    assert set(costs.projections(EXAMPLE)) == {"low", "base", "high"}


def test_no_payback_and_missing_adoption_rows():
    dear = costs.Inputs(**{**EXAMPLE.__dict__, "initial_cost": D(50000000)})
    assert costs.projection(dear, "high").payback_fy is None
    partial = costs.Inputs(**{**EXAMPLE.__dict__, "adoption": {2025: EXAMPLE.adoption[2025]}})
    assert partial.missing_years == [2026, 2027]
    assert _column(costs.projection(partial, "base"), "moved") == [2000, 0, 0]


def test_a_cumulative_of_exactly_zero_pays_back():
    # 8 minutes of staff time at 60円/時 is 8円: exactly the running cost, though 8 ÷ 60 has no
    # exact decimal (8 ÷ 60 × 60 comes out as 8 − 2E-27).
    even = costs.Inputs(
        annual_procedures=D(1),
        staff_minutes=D(8),
        staff_hourly_cost=D(60),
        running_cost=D(8),
        years=(2025,),
        adoption={2025: costs.Adoption(D(100), D(100), D(100))},
    )
    base = costs.projection(even, "base")
    assert costs.yen(base.net) == "0" and base.payback_fy == 2025


def test_display_rounds_only_at_the_end():
    assert costs.yen_k(D("1234500")) == "1,235" and costs.yen_k(D("1234499.99")) == "1,234"
    assert costs.yen_k(D("-499")) == "0" and costs.yen_k(None) == "—"
    assert costs.hours(D("1234.25")) == "1,234.3" and costs.hours(D("0.04")) == "0.0"
    assert costs.count(D("2500.5")) == "2,501"
    assert costs.percent(D("25.00")) == "25" and costs.percent(D("18.75")) == "18.8"


# --- realised ---------------------------------------------------------------------------------


def _monthly(values: dict) -> list:
    return [(period_of("monthly", datetime.date(*ym, 1)), D(v)) for ym, v in values.items()]


def test_per_period_counts_sum_the_periods_of_each_year():
    months = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in (1, 2, 3)]
    observed = _monthly(
        dict.fromkeys(months, 150) | {(2026, 4): 200, (2026, 5): 200, (2026, 6): 200}
    )
    found = costs.counted_per_year(False, observed, [2025, 2026, 2027])
    assert set(found) == {2025, 2026}
    assert (found[2025].moved, found[2025].complete, found[2025].months_label) == (
        1800,
        True,
        "通年",
    )
    assert (found[2026].moved, found[2026].complete, found[2026].share) == (600, False, D(3) / 12)
    assert found[2026].months == (4, 5, 6) and found[2026].months_label == "4〜6月"
    gaps = costs.counted_per_year(
        False, _monthly({(2025, 4): 1, (2025, 5): 1, (2025, 7): 1}), [2025]
    )
    assert gaps[2025].months_label == "3か月分"
    yearly = [(period_of("yearly", datetime.date(2025, 4, 1)), D(1900))]
    assert costs.counted_per_year(False, yearly, [2025])[2025].moved == 1900


def test_cumulative_counts_take_the_difference_of_the_last_values():
    quarters = [datetime.date(2025, 4, 1), datetime.date(2025, 7, 1), datetime.date(2025, 10, 1)]
    quarters += [datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)]
    values = [400, 900, 1300, 1800, 2500]
    observed = [(period_of("quarterly", d), D(v)) for d, v in zip(quarters, values, strict=True)]
    baseline = (datetime.date(2025, 3, 31), D(0))
    found = costs.counted_per_year(True, reversed(observed), [2025, 2026], baseline)
    assert (found[2025].moved, found[2025].complete) == (1800, True)
    assert (found[2026].moved, found[2026].months_label) == (700, "4〜6月")
    # No baseline, the count begins in Q3: from 0, covering 10〜3月.
    late = [
        (period_of("quarterly", quarters[2]), D(300)),
        (period_of("quarterly", quarters[3]), D(500)),
    ]
    found = costs.counted_per_year(True, late, [2025])
    assert (found[2025].moved, found[2025].months_label) == (500, "10〜3月")
    # A baseline of 120 before the 年度 is the starting point.
    found = costs.counted_per_year(True, late, [2025], (datetime.date(2025, 3, 31), D(120)))
    assert (found[2025].moved, found[2025].months_label) == (380, "通年")


# The realised example, by hand (the inputs above; the monthly KPI of the first test):
#   令和7年度, 12 months: M = 1,800 → H = 1,800; B = 1,800 × 1,500 = 2,700,000; S = 360;
#     K = 1,080,000; E = 1,000,000 + 5,000,000 = 6,000,000; NB = 3,780,000 − 6,000,000 =
#     −2,220,000. 普及率 1,800 ÷ 10,000 = 18%. The projection (基準) 2,000: 200 short (−10%).
#   令和8年度, 4〜6月 (3 of 12 months): M = 600 → B = 900,000; K = 360,000; E = 1,000,000 × 3 ÷ 12
#     = 250,000; NB = 1,260,000 − 250,000 = 1,010,000. 普及率 600 ÷ (10,000 × 3 ÷ 12) = 24%.
#     The projection for the same months: 4,000 × 3 ÷ 12 = 1,000: 400 short (−40%).
#   So far: M = 2,400; NB = −1,210,000; NPV = −2,220,000 + 1,010,000 ÷ 1.05 = −1,258,095.24.
def test_realised_uses_the_same_formulas_and_compares_like_with_like():
    months = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in (1, 2, 3)]
    observed = _monthly(
        dict.fromkeys(months, 150) | {(2026, 4): 200, (2026, 5): 200, (2026, 6): 200}
    )
    counted = costs.counted_per_year(False, observed, EXAMPLE.years)
    done = costs.realised(EXAMPLE, counted)
    assert _column(done, "fiscal_year") == [2025, 2026]
    assert _column(done, "moved") == [1800, 600]
    assert _column(done, "resident_yen") == [2700000, 900000]
    assert _column(done, "staff_yen") == [1080000, 360000]
    assert _column(done, "cost") == [6000000, 250000]
    assert _column(done, "net") == [-2220000, 1010000]
    assert (done.moved, done.net) == (2400, -1210000)
    assert costs.yen(done.npv) == "-1,258,095"
    base = costs.projection(EXAMPLE, "base")
    first = costs.comparable(EXAMPLE, base.year(2025), counted[2025].share)
    second = costs.comparable(EXAMPLE, base.year(2026), counted[2026].share)
    assert (first.moved, second.moved, second.cost) == (2000, 1000, 250000)
    assert done.year(2025).moved - first.moved == -200
    assert done.year(2026).moved - second.moved == -400
