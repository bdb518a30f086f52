"""Periods by 年度 (April–March) and reading them as offices write them."""

import datetime

import pytest

from chiikidx.monitoring.periods import named_period, parse_period, period_of, periods_between

D = datetime.date


def test_periods_follow_the_fiscal_year():
    q4 = period_of("quarterly", D(2026, 2, 10))
    assert (q4.start, q4.end, q4.key, q4.fiscal_year) == (
        D(2026, 1, 1),
        D(2026, 3, 31),
        "2025Q4",
        2025,
    )
    assert q4.label == "令和7年度 Q4(1〜3月)"
    h2 = period_of("half_yearly", D(2025, 12, 1))
    assert (h2.start, h2.end, h2.label) == (
        D(2025, 10, 1),
        D(2026, 3, 31),
        "令和7年度 下期(10〜3月)",
    )
    year = period_of("yearly", D(2025, 4, 1))
    assert (year.start, year.end, year.label) == (D(2025, 4, 1), D(2026, 3, 31), "令和7年度")
    feb = period_of("monthly", D(2024, 2, 29))
    assert (feb.start, feb.end, feb.label, feb.key) == (
        D(2024, 2, 1),
        D(2024, 2, 29),
        "令和6年2月",
        "2024-02",
    )
    assert feb.next().label == "令和6年3月" and feb.previous().label == "令和6年1月"
    # 令和元年: May 2019 is the first month of 令和
    assert period_of("monthly", D(2019, 5, 7)).label == "令和元年5月"


def test_periods_between():
    found = periods_between("quarterly", D(2025, 5, 1), D(2026, 1, 5))
    assert [p.key for p in found] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert periods_between("monthly", D(2025, 5, 1), D(2025, 4, 1)) == []


@pytest.mark.parametrize(
    ("frequency", "text", "key"),
    [
        ("monthly", "令和7年4月", "2025-04"),
        ("monthly", "R7.4", "2025-04"),
        ("monthly", "2025/4", "2025-04"),
        ("monthly", "２０２５年４月", "2025-04"),
        ("monthly", "令和7年4月30日", "2025-04"),
        ("monthly", D(2025, 4, 30), "2025-04"),
        ("quarterly", "令和7年度 Q1", "2025Q1"),
        ("quarterly", "令和7年度 Q4(1〜3月)", "2025Q4"),
        ("quarterly", "2025年度 第2四半期", "2025Q2"),
        ("quarterly", "R7 Q3", "2025Q3"),
        ("quarterly", "2026/2/1", "2025Q4"),
        ("half_yearly", "令和7年度 上期", "2025H1"),
        ("half_yearly", "令和７年度　下半期", "2025H2"),
        ("yearly", "令和7年度", "2025FY"),
        ("yearly", "2025年度", "2025FY"),
    ],
)
def test_parse_period(frequency, text, key):
    assert parse_period(frequency, text).key == key


def test_parse_period_refuses_with_reasons():
    with pytest.raises(ValueError, match="四半期の期間ですが、このKPIは月ごとに入力します"):
        parse_period("monthly", "令和7年度 Q1")
    with pytest.raises(ValueError, match="期間として読めません"):
        parse_period("monthly", "来月")
    with pytest.raises(ValueError, match="期間が空です"):
        parse_period("quarterly", "")
    with pytest.raises(ValueError, match="13月という月はありません"):
        parse_period("monthly", "2025/13")


def test_named_period():
    assert named_period("令和7年度 Q1").frequency == "quarterly"
    assert named_period("2025/6/30") is None
