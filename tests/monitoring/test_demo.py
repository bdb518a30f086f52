"""The demo municipalities get KPIs with years of actuals: some on track, some stalling, one
stale; linked to their plan's measures. Building again changes nothing."""

import datetime

import pytest

from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization
from chiikidx.monitoring import demo, logic_demo, queries
from chiikidx.monitoring.choices import Alert, Status
from chiikidx.monitoring.models import Kpi, KpiActual, KpiMeasure
from chiikidx.plans import demo as plans_demo
from chiikidx.plans.models import Plan

from ..plans.sample import make_plan

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


def test_demo_kpis_are_varied_linked_and_idempotent(django_assert_max_num_queries):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    without = orgs[core_demo.code(SPEC, "202")]
    plans_demo.extend(SPEC, {c: o for c, o in orgs.items() if o != without})
    hikari = orgs[core_demo.code(SPEC, "203")]
    make_plan(hikari, measures=2)  # a second plan
    with django_assert_max_num_queries(150):  # all municipalities together: per 500 rows
        demo.extend(SPEC, orgs, today=TODAY)
    count = KpiActual.objects.count()
    demo.extend(SPEC, orgs, today=TODAY)
    assert KpiActual.objects.count() == count
    aoba = orgs[core_demo.code(SPEC, "201")]
    states = {s.kpi.code: s for s in queries.states(Kpi.objects.filter(organization=aoba), TODAY)}
    assert len(states) == 7
    statuses = {code: s.status for code, s in states.items()}
    assert statuses["K-01"] == Status.ON_TRACK
    assert statuses["K-02"] == Status.AT_RISK
    assert statuses["K-04"] == Status.STALE
    assert statuses["K-05"] == Status.OFF_TRACK  # the milestone was due on 令和8年6月30日
    assert Alert.NOT_GROWING in states["K-03"].evaluation.alerts
    assert Alert.OWNER_NEVER_UPDATES in states["K-06"].evaluation.alerts
    assert Alert.NO_OWNER in states["K-07"].evaluation.alerts
    # two to three years of monthly actuals: 令和6年4月 to 令和8年10月
    monthly = KpiActual.objects.filter(kpi=states["K-01"].kpi)
    assert monthly.count() == 31
    assert KpiMeasure.objects.filter(kpi__organization=aoba).count() == 6
    assert states["K-03"].kpi.owner_user.username == "t-dept-staff-1"
    wakaba = orgs[core_demo.code(SPEC, "301")]
    small = queries.states(Kpi.objects.filter(organization=wakaba), TODAY)
    found = {s.status for s in small}
    assert Status.STALE in found and Status.ON_TRACK in found
    assert any(Alert.NOT_GROWING in s.evaluation.alerts for s in small)
    assert KpiMeasure.objects.filter(kpi__organization=wakaba).count() == 4
    assert Kpi.objects.filter(organization=hikari).count() == 3
    # municipalities without a plan get none (yet); every other one gets its KPIs
    assert not Kpi.objects.filter(organization=without).exists()
    with_plan = set(Plan.objects.values_list("organization_id", flat=True))
    municipalities = [o for o in orgs.values() if o.pk in with_plan and o.kind != "prefecture"]
    assert all(Kpi.objects.filter(organization=o).exists() for o in municipalities)


def test_other_municipalities_differ_but_each_has_on_track_stalling_and_stale():
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    plans_demo.extend(SPEC, orgs)
    demo.extend(SPEC, orgs, today=TODAY)
    logic_demo.extend(SPEC, orgs, today=TODAY)  # adds the visitors, which never fall
    hand_made = {core_demo.code(SPEC, s) for s in demo.SETS}
    patterns, sizes = set(), set()
    for org in orgs.values():
        if org.code in hand_made or not Kpi.objects.filter(organization=org).exists():
            continue
        states = queries.states(Kpi.objects.filter(organization=org), TODAY)
        found = [s.status for s in states]
        assert Status.ON_TRACK in found and Status.STALE in found, org
        assert any(Alert.NOT_GROWING in s.evaluation.alerts for s in states), org
        patterns.add(tuple(sorted(found)))
        sizes.add(next(s.kpi.baseline_value for s in states if s.kpi.code == "K-01"))
    # the prefecture's page must tell them apart: sizes and statuses vary
    assert len(patterns) > 1 and len(sizes) > 3, (patterns, sizes)
