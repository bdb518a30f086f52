"""The status maths against cases computed by hand (no database)."""

import datetime
from decimal import Decimal

import pytest

from chiikidx.monitoring import status
from chiikidx.monitoring.choices import Alert, Status
from chiikidx.monitoring.periods import period_of
from chiikidx.monitoring.status import KpiFacts, Observation, Point, Thresholds

D = datetime.date
BASELINE = Point(D(2025, 3, 31), Decimal(100))
TARGETS = [Point(D(2026, 3, 31), Decimal(220)), Point(D(2027, 3, 31), Decimal(400))]


def month(year, m, value, by=None):
    return Observation(period_of("monthly", D(year, m, 1)), Decimal(value), by)


def facts(**kw):
    base = {
        "kind": "count_period",
        "direction": "higher",
        "frequency": "monthly",
        "start": D(2025, 4, 1),
        "baseline": BASELINE,
        "targets": TARGETS,
    }
    return KpiFacts(**(base | kw))


# --- interpolation ----------------------------------------------------------------------------


def test_target_path_is_linear_by_days_between_points():
    # 2025-03-31 → 2026-03-31 is 365 days, +120: 2025-09-30 is 183 days in.
    # 100 + 120 × 183 / 365 = 100 + 60.1643… = 160.1643…
    value = status.target_at(BASELINE, TARGETS, D(2025, 9, 30))
    assert round(value, 4) == Decimal("160.1644")
    # Second segment: 2026-03-31 → 2027-03-31 is 365 days, +180; 2026-06-30 is 91 days in.
    # 220 + 180 × 91 / 365 = 220 + 44.8767… = 264.8767…
    assert round(status.target_at(BASELINE, TARGETS, D(2026, 6, 30)), 4) == Decimal("264.8767")


def test_target_path_at_the_points_before_and_after():
    assert status.target_at(BASELINE, TARGETS, D(2025, 3, 31)) == 100
    assert status.target_at(BASELINE, TARGETS, D(2026, 3, 31)) == 220
    assert status.target_at(BASELINE, TARGETS, D(2025, 3, 30)) is None  # before the baseline
    assert status.target_at(BASELINE, TARGETS, D(2030, 1, 1)) == 400  # stays at the last
    # Without a baseline the path starts at the first target.
    assert status.target_at(None, TARGETS, D(2026, 3, 30)) is None
    assert round(status.target_at(None, TARGETS, D(2026, 9, 30)), 2) == Decimal("310.25")
    # 220 + 180 × 183 / 365 = 310.2465…
    assert status.target_at(None, [], D(2026, 1, 1)) is None


def test_a_target_on_the_baseline_day_wins():
    points = status.path_points(BASELINE, [Point(D(2025, 3, 31), Decimal(90))])
    assert [p.value for p in points] == [90]


# --- direction and thresholds -----------------------------------------------------------------


def test_shortfall_is_direction_aware():
    # higher is better: target 200, actual 180 → 20 / 200 = 10% behind
    assert status.shortfall("higher", Decimal(180), Decimal(200)) == 10
    assert status.shortfall("higher", Decimal(210), Decimal(200)) == -5  # ahead
    # lower is better (minutes at the counter): target 20, actual 23 → 3 / 20 = 15% behind
    assert status.shortfall("lower", Decimal(23), Decimal(20)) == 15
    assert status.shortfall("lower", Decimal(18), Decimal(20)) == -10


def test_shortfall_against_a_target_of_zero_uses_the_planned_change():
    # 未処理件数 from 40 to 0: actual 6 → 6 / |40 − 0| = 15%
    assert status.shortfall("lower", Decimal(6), Decimal(0), Decimal(40)) == 15
    assert status.shortfall("lower", Decimal(0), Decimal(0), None) == 0
    assert status.shortfall("lower", Decimal(1), Decimal(0), None) is None


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (Decimal(-3), Status.ON_TRACK),
        (Decimal(5), Status.ON_TRACK),  # at the threshold: still 順調
        (Decimal("5.01"), Status.AT_RISK),
        (Decimal(15), Status.AT_RISK),
        (Decimal("15.01"), Status.OFF_TRACK),
        (None, Status.OFF_TRACK),
    ],
)
def test_default_thresholds(gap, expected):
    assert status.status_of_shortfall(gap, Thresholds()) == expected


def test_thresholds_per_kpi():
    strict = Thresholds(Decimal(2), Decimal(4))
    assert status.status_of_shortfall(Decimal(3), strict) == Status.AT_RISK
    assert status.status_of_shortfall(Decimal(5), strict) == Status.OFF_TRACK


def test_judge_a_month_against_the_path():
    # 令和7年9月 ends 2025-09-30: target 160.16…; actual 150 → 10.16 / 160.16 = 6.3% → 注意
    found, target, gap = status.judge(facts(), month(2025, 9, 150))
    assert found == Status.AT_RISK
    assert round(target, 2) == Decimal("160.16")
    assert round(gap, 1) == Decimal("6.3")
    # Lower is better, same path read as minutes: 150 is below 160.16 → ahead → 順調
    assert status.judge(facts(direction="lower"), month(2025, 9, 150))[0] == Status.ON_TRACK
    # 170 minutes: 9.84 / 160.16 = 6.1% behind → 注意
    assert status.judge(facts(direction="lower"), month(2025, 9, 170))[0] == Status.AT_RISK


def test_no_target_yet():
    early = facts(baseline=None)
    assert status.judge(early, month(2025, 9, 150))[0] == Status.NO_TARGET


# --- milestones -------------------------------------------------------------------------------


def test_milestone_steps():
    q = period_of("quarterly", D(2026, 4, 1))  # 令和8年度 Q1: 4〜6月
    due = D(2026, 9, 30)
    assert status.milestone_status(True, due, q) == Status.ON_TRACK
    assert status.milestone_status(False, due, q) == Status.AT_RISK  # due in the next quarter
    assert status.milestone_status(False, D(2026, 12, 31), q) == Status.ON_TRACK
    assert status.milestone_status(False, D(2026, 6, 30), q) == Status.OFF_TRACK
    assert status.milestone_status(False, None, q) == Status.NO_TARGET
    milestone = facts(kind="milestone", frequency="quarterly", targets=[Point(due, Decimal(1))])
    assert status.path_value(milestone, D(2026, 9, 29)) == 0
    assert status.path_value(milestone, D(2026, 9, 30)) == 1


# --- staleness, due periods -------------------------------------------------------------------


def test_due_missed_and_stale():
    # Monthly from 令和7年4月, 30 days' grace, today 2025-08-15.
    # Ended: April–July. Deadlines: 5/31, 6/30, 7/31, 8/30 → April–June are closed.
    kpi = facts(actuals=[month(2025, 4, 110), month(2025, 5, 120)])
    found = status.evaluate(kpi, D(2025, 8, 15))
    assert [p.key for p in found.due] == ["2025-06", "2025-07"]
    assert [p.key for p in found.missed] == ["2025-06"]
    assert found.status == Status.STALE and Alert.STALE in found.alerts
    # June entered: the last closed period has its value; July is due but within its grace.
    kpi.actuals.append(month(2025, 6, 130))
    found = status.evaluate(kpi, D(2025, 8, 15))
    assert [p.key for p in found.due] == ["2025-07"] and found.missed == []
    assert Alert.STALE not in found.alerts
    # June ends 2025-06-30: target 100 + 120 × 91 / 365 = 129.92; 130 is ahead → 順調
    assert found.status == Status.ON_TRACK


def test_an_old_gap_does_not_make_a_kpi_stale():
    kpi = facts(actuals=[month(2025, 4, 110), month(2025, 6, 130)])
    found = status.evaluate(kpi, D(2025, 7, 20))
    assert [p.key for p in found.missed] == ["2025-05"]
    assert found.status != Status.STALE


def test_no_data():
    found = status.evaluate(facts(), D(2025, 4, 20))
    assert found.status == Status.NO_DATA and found.alerts == [Alert.NO_OWNER]
    late = status.evaluate(facts(), D(2025, 7, 1))
    assert late.status == Status.NO_DATA and Alert.STALE in late.alerts


def test_grace_days_are_per_kpi():
    kpi = facts(grace_days=0, actuals=[month(2025, 4, 110)])
    assert status.evaluate(kpi, D(2025, 6, 1)).status == Status.STALE  # May closed on 5/31
    kpi.grace_days = 5
    assert status.evaluate(kpi, D(2025, 6, 1)).status != Status.STALE


# --- the two rules ----------------------------------------------------------------------------


def test_not_growing_over_n_periods():
    # Last 4 values (N = 3): 150 → 151: +1 ≤ 1% of 150 (1.5) → flat
    values = [120, 150, 152, 149, 151]
    kpi = facts(actuals=[month(2025, 4 + i, v) for i, v in enumerate(values)])
    assert status.not_growing(kpi)
    # 150 → 152: +2 > 1.5 → growing
    kpi.actuals[-1] = month(2025, 8, 152)
    assert not status.not_growing(kpi)
    # Too few values for N = 3
    assert not status.not_growing(facts(actuals=kpi.actuals[-3:]))
    # N = 0 switches the rule off
    flat = facts(stall_periods=0, actuals=[month(2025, 4 + i, 100) for i in range(5)])
    assert not status.not_growing(flat)


def test_not_growing_for_lower_is_better():
    # Minutes 30 → 29.8 over 3 periods: improved 0.2 ≤ 0.3 (1% of 30) → flat
    values = [32, 30, 30.5, 29.9, 29.8]
    kpi = facts(direction="lower", actuals=[month(2025, 4 + i, v) for i, v in enumerate(values)])
    assert status.not_growing(kpi)
    kpi.actuals[-1] = month(2025, 8, Decimal("29.5"))  # improved 0.5 > 0.3
    assert not status.not_growing(kpi)


def test_owner_never_updates():
    entered = [month(2025, 4, 110, by=7), month(2025, 5, 120, by=7)]
    kpi = facts(owner_id=3, actuals=entered, recorders={7})
    found = status.evaluate(kpi, D(2025, 7, 15))
    assert Alert.OWNER_NEVER_UPDATES in found.alerts
    kpi.recorders.add(3)
    assert Alert.OWNER_NEVER_UPDATES not in status.evaluate(kpi, D(2025, 7, 15)).alerts
    # Nothing closed yet: too early to say
    fresh = facts(owner_id=3)
    assert Alert.OWNER_NEVER_UPDATES not in status.evaluate(fresh, D(2025, 5, 10)).alerts


def test_measure_suggestion():
    assert status.suggest_measure_status([]) is None
    assert status.suggest_measure_status([Status.NO_DATA, Status.NO_TARGET]) is None
    assert status.suggest_measure_status([Status.ON_TRACK, Status.NO_DATA]) == "on_track"
    assert status.suggest_measure_status([Status.ON_TRACK, Status.STALE]) == "caution"
    assert status.suggest_measure_status([Status.AT_RISK, Status.OFF_TRACK]) == "delayed"
