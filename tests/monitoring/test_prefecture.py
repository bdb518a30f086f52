"""「県内のKPIの状況」: prefecture_statuses counts every municipality's KPIs as its own
monitoring page does, from the latest actuals only, in a fixed number of queries; the page
shows the municipalities the user may see."""

import datetime
import itertools
import random
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chiikidx.core.models import Organization
from chiikidx.monitoring import queries, services, status
from chiikidx.monitoring.choices import Alert
from chiikidx.monitoring.periods import add_months, period_of, periods_between

from .sample import make_kpi, user

AOBA, WAKABA, SAKURA, PREF = "992011", "993018", "992020", "990001"


def _month(n_back: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -n_back)


def _kpis(org, count: int, *, seed: int = 1) -> list:
    """`count` monthly KPIs of `org` over the last 14 months, with actuals shaped to give
    every status and alert: behind, ahead, stale, flat, entered by someone other than the
    owner, without an owner, without actuals."""
    rng = random.Random(seed)  # noqa: S311 (seeded test data)
    baseline = _month(14) - datetime.timedelta(days=1)
    staff = user("muni-staff-1") if org.code == AOBA else user("muni-admin-2")
    owner = user("dept-staff-1") if org.code == AOBA else None
    made = []
    for i in range(count):
        kpi = make_kpi(
            org,
            code=f"P-{i:02}",
            name=f"県集計のKPI {i}",
            owner=owner if i % 4 else None,
            baseline_date=baseline,
            targets=[services.TargetInput(baseline + datetime.timedelta(days=730), Decimal(300))],
            stall_periods=(0, 3, 5)[i % 3],
        )
        shape = i % 6
        months = range(12, 3 if shape == 2 else 0, -1)  # shape 2: stopped four months ago
        for n, back in enumerate(months):
            value = 100 + (0 if shape == 3 else n * rng.choice((4, 8, 12)))  # 3: flat
            if shape == 5:
                continue  # no actual at all
            recorder = staff if shape == 4 or owner is None or i % 4 == 0 else owner
            services.record_actual(
                acting_user=recorder,
                kpi=kpi,
                period=period_of("monthly", _month(back)),
                value=Decimal(value),
            )
        made.append(kpi)
    return made


def _page_counts(org):
    page = queries.overview(org, show="all")
    return (
        {v: n for v, _label, _style, n in page.counts},
        {v: n for v, _label, n in page.alert_counts},
        page.coverage,
        sum(1 for s in page.states if s.needs_attention),
    )


@pytest.mark.django_db
def test_counts_are_those_of_each_municipalitys_own_page(org_coded):
    _kpis(org_coded(AOBA), 18, seed=1)
    _kpis(org_coded(WAKABA), 12, seed=2)
    rows = {r.organization.code: r for r in queries.prefecture_statuses(org_coded(PREF))}
    assert list(rows) == sorted(rows)  # every municipality, in code order
    assert PREF not in rows
    for code in (AOBA, WAKABA):
        row = rows[code]
        counts, alerts, coverage, attention = _page_counts(org_coded(code))
        assert (row.counts, row.alerts, row.coverage, row.attention) == (
            counts,
            alerts,
            coverage,
            attention,
        )
    aoba = rows[AOBA]
    # Hand-counted: 18 KPIs in six shapes of three each (shape 5 has no actual: 実績なし)
    assert aoba.total == 18
    assert aoba.counts["no_data"] == 3
    assert aoba.counts["stale"] == 3  # shape 2 stopped four months ago
    assert aoba.coverage.with_owner == 13  # every fourth has none (i = 0, 4, 8, 12, 16)
    assert aoba.alerts["no_owner"] == 5
    assert rows[SAKURA].total == 0 and rows[SAKURA].counts == dict.fromkeys(rows[SAKURA].counts, 0)


@pytest.mark.django_db
def test_a_fixed_number_of_queries(org_coded, django_assert_num_queries):
    prefecture = org_coded(PREF)
    _kpis(org_coded(AOBA), 2)
    with django_assert_num_queries(4):  # municipalities, KPIs, targets, latest actuals
        small = queries.prefecture_statuses(prefecture)
    _kpis(org_coded(WAKABA), 20, seed=3)
    with django_assert_num_queries(4):
        large = queries.prefecture_statuses(prefecture)
    assert sum(r.total for r in small) == 2 and sum(r.total for r in large) == 22


@pytest.mark.django_db
def test_only_the_latest_actuals_are_read(org_coded, monkeypatch):
    """The evaluation gets the latest N+1 actuals (N: the largest stall window), so a KPI
    with years of history costs the same as a new one."""
    kpis = _kpis(org_coded(AOBA), 3)  # stall windows 0, 3 and 5: six actuals each at most
    seen = {}
    evaluate = status.evaluate

    def spy(facts, today, **kw):
        seen[len(seen)] = (len(facts.actuals), kw)
        return evaluate(facts, today, **kw)

    monkeypatch.setattr(status, "evaluate", spy)
    queries.prefecture_statuses(org_coded(PREF))
    assert [n for n, _kw in seen.values()] == [6, 6, 6]
    assert all(kw == {"periods": False} for _n, kw in seen.values())
    assert len(kpis) == 3


@pytest.mark.django_db
def test_inactive_kpis_are_left_out(org_coded):
    org = org_coded(AOBA)
    kpi = _kpis(org, 2)[0]
    services.save_kpi(acting_user=user("muni-admin-1"), organization=org, kpi=kpi, is_active=False)
    row = next(r for r in queries.prefecture_statuses(org_coded(PREF)) if r.organization == org)
    assert row.total == 1


# --- evaluate(periods=False) and last_closed -------------------------------------------------


def _facts(rng, frequency, today):
    start = today - datetime.timedelta(days=rng.randrange(0, 900))
    periods = periods_between(frequency, start, today)
    kept = [p for p in periods if rng.random() < 0.8 and p.start <= today]
    values = itertools.accumulate(rng.choice((0, 0, 1, 5, -2)) for _ in kept)
    owner = rng.choice((None, 7, 8))
    return status.KpiFacts(
        kind=rng.choice(("numeric", "count_cumulative", "milestone")),
        direction=rng.choice(("higher", "lower")),
        frequency=frequency,
        start=start,
        baseline=status.Point(start - datetime.timedelta(days=1), Decimal(10)),
        targets=[status.Point(start + datetime.timedelta(days=400), Decimal(40))],
        grace_days=rng.choice((0, 10, 30, 95)),
        stall_periods=rng.choice((0, 1, 3)),
        owner_id=owner,
        actuals=[
            status.Observation(p, Decimal(10 + v), 7) for p, v in zip(kept, values, strict=True)
        ],
        recorders=rng.choice((set(), {7}, {8})),
    )


def test_the_status_needs_only_the_latest_actuals():
    """On random KPIs: the status and alerts from the latest N+1 actuals (periods=False) are
    those of the full evaluation; the last closed period is the last of the closed ones."""
    rng = random.Random(20261126)  # noqa: S311 (seeded test data)
    for _ in range(400):
        today = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(700))
        facts = _facts(rng, rng.choice(("monthly", "quarterly", "half_yearly", "yearly")), today)
        full = status.evaluate(facts, today)
        latest = sorted(facts.actuals, key=lambda o: o.period)[-(facts.stall_periods + 1) :]
        short = status.evaluate(
            status.KpiFacts(**{**facts.__dict__, "actuals": latest}), today, periods=False
        )
        assert (short.status, short.alerts, short.latest) == (full.status, full.alerts, full.latest)
        assert short.due == [] and short.missed == []
        ended = [p for p in status.expected_periods(facts, today) if p.end < today]
        closed = [p for p in ended if status.deadline(p, facts.grace_days) < today]
        assert status.last_closed(facts, today) == (closed[-1] if closed else None)


# --- the page -------------------------------------------------------------------------------


def _client(username):
    client = Client()
    client.force_login(user(username))
    return client


@pytest.mark.django_db
def test_page_lists_municipalities_worst_first(org_coded, django_assert_num_queries):
    _kpis(org_coded(AOBA), 6)
    url = reverse("monitoring:prefecture", args=[PREF])
    client = _client("pref-admin")
    client.get(url)
    with django_assert_num_queries(10):  # the shell 6, the statuses 4
        page = client.get(url).content.decode()
    municipalities = Organization.objects.filter(prefecture__code=PREF).exclude(code=PREF)
    assert page.count('<th scope="row">') == municipalities.exclude(kind="ward").count()
    rows = page.split('<th scope="row">')[1:]
    # あおば市 has KPIs needing attention: first; municipalities without KPIs say so
    aoba = next(r for r in queries.prefecture_statuses(org_coded(PREF)) if r.total)
    assert reverse("monitoring:home", args=[AOBA]) in rows[0]
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', rows[0])]
    assert numbers[:7] == [6, *aoba.counts.values()]  # KPIs, then each status in order
    assert numbers[7:] == [aoba.alerts[v] for v in Alert.values]  # then each alert, in order
    assert sum(numbers[7:]) > 0
    assert f"{aoba.attention}<span" in rows[0]
    assert "使用中のKPIがまだありません。" in rows[-1]
    by_code = client.get(url + "?sort=code").content.decode().split('<th scope="row">')[1:]
    codes = [r.split("/o/")[1][:6] for r in by_code]
    assert codes == sorted(codes)


@pytest.mark.django_db
def test_a_liaison_sees_the_municipalities_assigned(org_coded):
    _kpis(org_coded(AOBA), 2)
    page = _client("liaison").get(reverse("monitoring:prefecture", args=[PREF]))
    shown = page.content.decode().split('<th scope="row">')[1:]
    # The demo assigns the liaison to あおば市, わかば町 and two more (core.demo)
    assert sorted(r.split("/o/")[1][:6] for r in shown) == [AOBA, WAKABA, "993026", "994014"]


@pytest.mark.django_db
def test_only_prefectures_have_the_page(org_coded):
    assert (
        _client("muni-admin-1").get(reverse("monitoring:prefecture", args=[AOBA])).status_code
        == 404
    )
    assert (
        _client("pref-admin").get(reverse("monitoring:prefecture", args=[AOBA])).status_code == 404
    )
    home = _client("pref-admin").get(reverse("monitoring:home", args=[PREF])).content.decode()
    assert reverse("monitoring:prefecture", args=[PREF]) in home
