"""The demo municipalities get a plausible plan; building again changes nothing."""

from decimal import Decimal

import pytest

from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization
from chiikidx.plans import demo, queries, services
from chiikidx.plans.models import Dependency, Measure, MeasureBudget, Plan

pytestmark = pytest.mark.django_db


def test_demo_plan_is_varied_and_idempotent():
    spec = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    demo.extend(spec, orgs)
    demo.extend(spec, orgs)
    plan = Plan.objects.get(organization__code=core_demo.code(spec, "201"))
    assert (plan.start_fy, plan.end_fy, plan.status) == (2025, 2028, "honbu")
    assert plan.decisions.count() == 2 and plan.policies.count() == 3
    measures = Measure.objects.filter(plan=plan)
    assert measures.count() == 12
    assert {"on_track", "caution", "delayed", "done", "cancelled"} <= set(
        measures.values_list("status", flat=True)
    )
    assert measures.filter(kind="poc", decision="adopt").exists()
    assert measures.values("owner_department").distinct().count() >= 8
    assert MeasureBudget.objects.filter(measure__plan=plan).count() > 12
    assert isinstance(queries.plan_tree(plan).progress, Decimal)
    assert Plan.objects.filter(organization__code=core_demo.code(spec, "301")).count() == 1
    links = Dependency.objects.filter(successor__plan=plan).select_related(
        "predecessor", "successor"
    )
    assert 8 <= links.count() <= 12
    assert links.filter(kind="blocks").exists()
    assert any(d.predecessor.policy_id != d.successor.policy_id for d in links)
    found = services.schedule_of(plan)
    assert not found.error and found.result.critical_paths
    late = {r.measure.title for r in found.rows if r.days_late}
    assert late == {"子育て手続のワンストップ化", "庁内データ分析基盤の整備"}
