"""Every demo organization gets a plausible 4-year plan (令和7–10年度) with dependencies, delays,
a PoC, a baseline at approval and later drift; あおば市 keeps its hand-written plan; the
prefecture gets a wide-area plan. Building again changes nothing."""

from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chiikidx.core import demo as core_demo
from chiikidx.core.models import AuditEntry, Department, Organization
from chiikidx.plans import baselines, demo, demo_catalogue, queries, schedule, services
from chiikidx.plans.choices import NEXT_STATUSES, PlanStatus
from chiikidx.plans.models import (
    Dependency,
    Measure,
    MeasureBudget,
    MeasureContributor,
    MeasureUpdate,
    Plan,
)

SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")
AOBA, WAKABA, PREFECTURE = (core_demo.code(SPEC, s) for s in ("201", "301", "000"))
# The queries of the whole build (about 620 measures, 4,800 rows with their audit entries):
# bulk writes in SQLite's batches of 999 parameters, not a query per row.
MAX_QUERIES = 1000


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo plans of つばさ県, built once for this module and rolled back after it:
    the organizations, the number of plans before and the queries of the build."""
    with django_db_blocker.unblock(), transaction.atomic():
        orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
        plans_before = Plan.objects.count()
        with CaptureQueriesContext(connection) as captured:
            demo.extend(SPEC, orgs)
        yield orgs, plans_before, len(captured.captured_queries)
        transaction.set_rollback(True)


def _plans(orgs):
    return {
        p.organization.code: p
        for p in Plan.objects.filter(organization__in=orgs.values()).select_related("organization")
    }


def test_every_organization_gets_a_plan_as_the_issue_asks(built, db):
    orgs, *_ = built
    plans = _plans(orgs)
    expected = {code for code, o in orgs.items() if o.kind != "ward"}
    assert set(plans) == expected and len(plans) == 25  # 24 municipalities and the prefecture
    for plan in plans.values():
        name = plan.organization.name
        measures = list(Measure.objects.filter(plan=plan).select_related("owner_department"))
        assert 20 <= len(measures) <= 40, name
        assert (plan.start_fy, plan.end_fy) == (2025, 2028), name
        assert all(m.owner_department.organization_id == plan.organization_id for m in measures)
        helpers = MeasureContributor.objects.filter(measure__plan=plan)
        assert not helpers.exclude(department__organization=plan.organization_id).exists()
        kinds = Counter(m.kind for m in measures)
        assert kinds["poc"] >= 1, name
        assert any(m.status == "delayed" for m in measures), name
        assert len({m.status for m in measures}) >= 4, name
        links = Dependency.objects.filter(successor__plan=plan)
        assert links.count() >= 5, name
        # The schedule computes (no cycle), and a delay breaks a follower's 期限.
        found = services.schedule_of(plan)
        assert not found.error and found.result.critical_paths, name
        assert any(row.days_late > 0 for row in found.rows), name
        _check_approval(plan)
        _check_drift(plan, measures)
        assert MeasureBudget.objects.filter(measure__plan=plan).count() >= len(measures), name
        assert MeasureUpdate.objects.filter(measure__plan=plan).count() >= len(measures) // 2
        assert queries.plan_tree(plan).progress is not None
    kinds = set(Dependency.objects.filter(successor__plan__in=plans.values()).values_list("kind"))
    assert kinds == {("fs",), ("ss",), ("blocks",)}
    statuses = Counter(p.status for p in plans.values())
    assert statuses[PlanStatus.GIKAI] > len(plans) / 2 and statuses[PlanStatus.HONBU] >= 1
    sizes = {code: Measure.objects.filter(plan=p).count() for code, p in plans.items()}
    assert sizes[core_demo.code(SPEC, "100")] == 40  # the designated city has the most
    assert min(sizes.values()) <= 21 and len(set(sizes.values())) >= 6


def _check_approval(plan):
    """原課合意 → 推進本部決定 (→ 議会報告・承認), each step allowed after the one before."""
    decisions = list(plan.decisions.order_by("decided_on"))
    assert [d.to_status for d in decisions][:2] == ["genka", "honbu"], plan
    status = PlanStatus.DRAFT
    for d in decisions:
        assert d.from_status == status and d.to_status in NEXT_STATUSES[status], plan
        status = d.to_status
    assert plan.status == status
    baseline = plan.baselines.get()  # taken at the last step, with the plan as it then was
    last = decisions[-1]
    assert baseline.label == baselines.step_label(last.to_status, last.decided_on)
    assert baseline.taken_at.date() == last.decided_on
    assert baseline.snapshot["plan"]["status"] == last.to_status
    assert baseline.snapshot["format"] == baselines.SNAPSHOT_VERSION


def _check_drift(plan, measures):
    """Since the baseline: measures added, dates moved later, progress made, budgets revised."""
    comparison = baselines.compare(plan.baselines.get(), plan)
    assert comparison.added and not comparison.removed, plan
    assert len(comparison.added) == sum(1 for m in measures if m.pk not in _snapshot_ids(plan))
    assert any((c.deadline_drift or 0) > 0 for c in comparison.changed), plan
    assert sum(1 for c in comparison.changed if c.progress_drift > 0) >= len(measures) // 2
    assert comparison.budget_drift != 0, plan


def _snapshot_ids(plan) -> set[int]:
    return {m["id"] for m in plan.baselines.get().snapshot["measures"]}


def test_aoba_keeps_its_hand_written_plan(built, db):
    orgs, *_ = built
    plan = _plans(orgs)[AOBA]
    assert plan.title == "あおば市DX推進計画" and plan.status == "gikai"
    assert plan.decisions.count() == 3 and plan.policies.count() == 3
    measures = Measure.objects.filter(plan=plan)
    titles = set(measures.values_list("title", flat=True))
    assert {row[2] for row in demo.MEASURES} <= titles
    assert 20 <= len(titles) <= 40
    assert {"on_track", "caution", "delayed", "done", "cancelled"} <= set(
        measures.values_list("status", flat=True)
    )
    assert measures.filter(kind="poc", decision="adopt").exists()
    follow_on = measures.get(spawned_from__title="AI議事録作成の実証")
    assert follow_on.title == "AI議事録作成の実証(本格導入)"
    assert measures.values("owner_department").distinct().count() >= 8
    links = Dependency.objects.filter(successor__plan=plan).select_related(
        "predecessor", "successor"
    )
    pairs = {(d.predecessor.title, d.successor.title) for d in links}
    assert {(p, s) for p, s, *_ in demo.DEPENDENCIES} <= pairs
    assert links.filter(kind="blocks").exists()
    found = services.schedule_of(plan)
    late = {r.measure.title for r in found.rows if r.days_late}
    assert {"子育て手続のワンストップ化", "庁内データ分析基盤の整備"} <= late
    # The baseline has 標準化 as approved (令和8年1月31日); it has slipped to 令和8年6月30日.
    comparison = baselines.compare(plan.baselines.get(), plan)
    standard = next(c for c in comparison.changed if c.title.startswith("情報システムの標準化"))
    assert standard.deadline_drift == 150
    assert [b.fiscal_year for b in standard.budgets] == [2026]
    assert plan.decisions.first().recorded_by.username == "t-muni-admin-1"


def test_the_prefecture_gets_a_wide_area_plan(built, db):
    orgs, *_ = built
    plan = _plans(orgs)[PREFECTURE]
    assert "広域" in plan.title and plan.visibility == "shared"
    measures = Measure.objects.filter(plan=plan).select_related("owner_department")
    assert 20 <= measures.count() <= 40
    assert all("参加市町村" in m.description for m in measures if not m.spawned_from_id)
    municipalities = {o.name for o in orgs.values() if o.kind not in ("ward", "prefecture")}
    named = [
        m.description.split("団体): ")[1].split("、")
        for m in measures
        if "団体): " in m.description
    ]
    assert named and all(set(names) <= municipalities for names in named)
    assert {m.owner_department.name for m in measures} <= set(core_demo.PREFECTURE_DEPARTMENTS)
    added = baselines.compare(plan.baselines.get(), plan).added
    assert "市町村のサイバー攻撃への備え(インシデント対応訓練)" in {m["title"] for m in added}
    assert plan.decisions.first().recorded_by.username == "t-pref-admin"


def test_municipalities_without_a_demo_user_are_recorded_as_the_system(built, db):
    orgs, *_ = built
    plan = _plans(orgs)[core_demo.code(SPEC, "202")]
    assert plan.decisions.first().recorded_by is None and plan.created_by is None
    entries = AuditEntry.objects.filter(organization=plan.organization, model_label="plans.Plan")
    assert entries.exists() and not entries.exclude(actor_id=None).exists()
    assert _plans(orgs)[WAKABA].created_by.username == "t-muni-admin-2"


def test_building_again_changes_nothing(built, db, django_assert_num_queries):
    orgs, plans_before, _queries = built
    entries = AuditEntry.objects.count()
    with django_assert_num_queries(1):  # which organizations have a plan already
        demo.extend(SPEC, orgs)
    assert AuditEntry.objects.count() == entries
    assert Plan.objects.count() == plans_before + 25


def test_the_build_makes_no_query_per_measure(built, db):
    """Bulk inserts and one UPDATE per model and acting user (4 here), 3 queries per plan for
    its baseline's snapshot; a query per measure would add more than 600."""
    orgs, _plans_before, queries_made = built
    assert Measure.objects.filter(plan__organization__in=orgs.values()).count() > 550
    assert 400 < queries_made <= MAX_QUERIES


def test_the_same_code_gives_the_same_plan(org_coded):
    org = org_coded(core_demo.code(SPEC, "203"))
    depts = {d.name: d for d in Department.objects.filter(organization=org)}
    drafts = [demo.municipal_draft(org, depts, demo.generator(org)) for _ in "ab"]
    shown = [
        [(i.title, i.start, i.now_deadline, i.status, i.progress, i.added) for i in d.items]
        for d in drafts
    ]
    assert shown[0] == shown[1] and drafts[0].title == drafts[1].title


def test_the_catalogue_runs_forward_and_is_deterministic():
    """Links run from an earlier entry to a later one (no cycle, dates planned in one pass);
    every link names catalogue entries; the same code gives the same plan."""
    for catalogue, links in [
        (demo_catalogue.CATALOGUE, demo_catalogue.LINKS),
        (demo_catalogue.PREFECTURE_CATALOGUE, demo_catalogue.PREFECTURE_LINKS),
    ]:
        order = {e.key: n for n, e in enumerate(catalogue)}
        assert len(order) == len(catalogue)
        assert all(order[p] < order[s] for p, s, *_ in links)
        tasks = [schedule.Task(k, demo.FIRST_DAY, demo.FIRST_DAY) for k in order]
        schedule.check_cycles(tasks, [schedule.Link(p, s) for p, s, *_ in links])
    assert set(demo_catalogue.PARTICIPANTS) == {e.key for e in demo_catalogue.PREFECTURE_CATALOGUE}
