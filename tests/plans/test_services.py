"""Plans: approval workflow, roll-up, progress updates, 原課 limits, PoC follow-ons, audit."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans import queries, services
from chiikidx.plans.models import Measure, MeasureUpdate, PlanDecision

from .sample import department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"
DAY = datetime.date(2025, 5, 20)


def _advance(plan, user, to, **extra):
    return services.advance_plan(
        acting_user=user,
        plan=plan,
        to_status=to,
        decided_on=DAY,
        decided_by=extra.pop("decided_by", "DX推進本部会議"),
        **extra,
    )


def test_a_plan_has_default_level_names_and_checks_its_period(org_coded, user_named):
    plan = make_plan(org_coded(AOBA), measures=0)
    assert (plan.policy_label, plan.measure_label, plan.action_label) == (
        "基本方針",
        "施策",
        "取組",
    )
    with pytest.raises(ServiceError, match="終了年度は開始年度以降にしてください。"):
        services.update_plan(acting_user=user_named("muni-admin-1"), plan=plan, end_fy=2024)


def test_approval_steps_follow_the_order_and_record_each_decision(org_coded, user_named):
    admin = user_named("muni-admin-1")
    plan = make_plan(org_coded(AOBA), admin, measures=0)
    with pytest.raises(ServiceError) as refused:
        _advance(plan, admin, "honbu")
    assert str(refused.value) == (
        "「下書き」から「推進本部決定」へは進められません。次の段階は「原課合意」です。"
    )
    for step in ["genka", "honbu", "gikai", "revising", "genka"]:
        _advance(plan, admin, step, meeting="第1回会議", minutes_url="https://example.jp/m.pdf")
    plan.refresh_from_db()
    assert plan.status == "genka"
    decisions = list(PlanDecision.objects.filter(plan=plan).order_by("recorded_at", "pk"))
    assert [(d.from_status, d.to_status) for d in decisions] == [
        ("draft", "genka"),
        ("genka", "honbu"),
        ("honbu", "gikai"),
        ("gikai", "revising"),
        ("revising", "genka"),
    ]
    assert decisions[0].recorded_by == admin and decisions[0].decided_on == DAY
    logged = AuditEntry.objects.filter(model_label="plans.PlanDecision", action="create")
    assert logged.filter(object_id__in=[str(d.pk) for d in decisions]).count() == 5


def test_a_decision_needs_who_decided(org_coded, user_named):
    admin = user_named("muni-admin-1")
    plan = make_plan(org_coded(AOBA), admin, measures=0)
    with pytest.raises(ServiceError, match="決定した会議体または決裁者を入力してください。"):
        _advance(plan, admin, "genka", decided_by=" ")
    assert not PlanDecision.objects.filter(plan=plan).exists()


@pytest.mark.parametrize("username", ["executive-1", "dept-staff-1", "pref-staff", "liaison"])
def test_only_the_organizations_staff_advance_its_plan(username, org_coded, user_named):
    plan = make_plan(org_coded(AOBA), measures=0)
    with pytest.raises(ServiceError, match="この計画を変更する権限がありません。"):
        _advance(plan, user_named(username), "genka")
    plan.refresh_from_db()
    assert plan.status == "draft"


def _m(progress, weight=1, status="on_track"):
    return SimpleNamespace(progress=progress, weight=Decimal(weight), status=status)


def test_roll_up_is_the_weighted_mean_without_cancelled_measures():
    # (80×2 + 20×1 + 50×1) / (2 + 1 + 1) = 230 / 4 = 57.5; the cancelled 0% does not count
    measures = [_m(80, 2), _m(20), _m(50), _m(0, 3, "cancelled")]
    assert services.weighted_progress(measures) == Decimal("57.5")
    # (100×1 + 0×0.5) / 1.5 = 66.666… → 66.7
    assert services.weighted_progress([_m(100, 1, "done"), _m(0, "0.5")]) == Decimal("66.7")
    assert services.weighted_progress([_m(40, 1, "cancelled")]) is None
    assert services.weighted_progress([]) is None


def test_tree_rolls_up_per_policy_and_plan(org_coded, user_named):
    admin = user_named("muni-admin-1")
    org = org_coded(AOBA)
    plan = make_plan(org, admin, measures=0)
    p1 = services.save_policy(acting_user=admin, plan=plan, code="1", title="窓口", order=1)
    p2 = services.save_policy(acting_user=admin, plan=plan, code="2", title="内部", order=2)
    owner = department(org, "福祉課")
    specs = [(p1, 100, 1, "done"), (p1, 40, 3, "on_track"), (p2, 10, 1, "delayed")]
    specs.append((p2, 90, 5, "cancelled"))
    for policy, progress, weight, status in specs:
        services.save_measure(
            acting_user=admin,
            plan=plan,
            policy=policy,
            title=f"{policy.title}{progress}",
            owner_department=owner,
            progress=progress,
            weight=Decimal(weight),
            status=status,
        )
    tree = queries.plan_tree(plan)
    # p1: (100×1 + 40×3) / 4 = 55.0; p2: 10 (cancelled excluded); plan: (100 + 120 + 10) / 5 = 46.0
    assert [n.progress for n in tree.nodes if n.count] == [Decimal("55.0"), Decimal("10.0")]
    assert tree.progress == Decimal("46.0")
    filtered = queries.plan_tree(plan, status="delayed")
    assert filtered.shown == 1 and filtered.progress == Decimal("46.0")


def test_dept_staff_update_only_their_departments_measures(org_coded, user_named):
    org = org_coded(AOBA)
    own = make_plan(org, owner=department(org, "福祉課"), measures=1).measures.get()
    other = make_plan(org, owner=department(org, "税務課"), measures=1).measures.get()
    staff = user_named("dept-staff-1")
    update = services.update_progress(
        acting_user=staff, measure=own, status="caution", progress=30, comment="人員不足"
    )
    assert (update.by, update.status, update.progress, update.comment) == (
        staff,
        "caution",
        30,
        "人員不足",
    )
    own.refresh_from_db()
    assert (own.status, own.progress) == ("caution", 30)
    with pytest.raises(ServiceError) as refused:
        services.update_progress(acting_user=staff, measure=other, status="done", progress=100)
    assert str(refused.value) == (
        "この施策を更新できるのは、担当部署の職員と計画の担当者だけです。"
    )
    other.refresh_from_db()
    assert (other.status, other.progress) == ("not_started", 0)
    assert not MeasureUpdate.objects.filter(measure=other).exists()
    # 原課担当 cannot edit the plan's structure either.
    with pytest.raises(ServiceError):
        services.save_measure(acting_user=staff, plan=own.plan, measure=own, title="改名")
    action = services.add_action(
        acting_user=user_named("muni-admin-1"), measure=own, title="仕様書"
    )
    services.set_action_done(acting_user=staff, action=action, done=True)
    action.refresh_from_db()
    assert action.done


def test_executives_and_prefecture_staff_only_view(org_coded, user_named):
    measure = make_plan(org_coded(AOBA), measures=1).measures.get()
    for username in ["executive-1", "pref-staff", "muni-admin-2"]:
        with pytest.raises(ServiceError):
            services.update_progress(
                acting_user=user_named(username), measure=measure, status="done", progress=1
            )


def test_done_means_100_percent_and_every_update_is_logged_and_audited(org_coded, user_named):
    measure = make_plan(org_coded(AOBA), measures=1).measures.get()
    staff = user_named("muni-staff-1")
    before = AuditEntry.objects.count()
    services.update_progress(acting_user=staff, measure=measure, status="done", progress=60)
    measure.refresh_from_db()
    assert measure.progress == 100
    assert measure.updates.get().progress == 100
    entries = AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[
        : AuditEntry.objects.count() - before
    ]
    labels = sorted(e.model_label for e in entries)
    assert labels == ["plans.Measure", "plans.MeasureUpdate"]
    assert all(e.actor_name == "muni-staff-1" for e in entries)


def test_progress_out_of_range_is_refused(org_coded, user_named):
    measure = make_plan(org_coded(AOBA), measures=1).measures.get()
    with pytest.raises(ServiceError, match="進捗は0〜100の範囲で入力してください。"):
        services.update_progress(
            acting_user=user_named("muni-staff-1"), measure=measure, status="on_track", progress=101
        )


def test_measure_fields_must_belong_to_the_plans_organization(org_coded, user_named):
    admin = user_named("muni-admin-1")
    plan = make_plan(org_coded(AOBA), admin, measures=1)
    measure = plan.measures.get()
    with pytest.raises(ServiceError, match="担当部署はこの団体の部署から選んでください。"):
        services.save_measure(
            acting_user=admin,
            plan=plan,
            measure=measure,
            owner_department=department(org_coded("993018")),
        )
    measure.refresh_from_db()  # the refused values stay on the instance, not in the database
    with pytest.raises(ServiceError, match="期限は開始日以降にしてください。"):
        services.save_measure(
            acting_user=admin,
            plan=plan,
            measure=measure,
            start_date=datetime.date(2026, 4, 1),
            deadline=datetime.date(2026, 3, 31),
        )


def test_budgets_per_year_are_saved_replaced_and_removed(org_coded, user_named):
    admin = user_named("muni-admin-1")
    plan = make_plan(org_coded(AOBA), admin, measures=1)
    measure = plan.measures.get()
    services.save_measure(
        acting_user=admin,
        plan=plan,
        measure=measure,
        budgets={2025: (1_200_000, 1_100_000), 2026: (3_000_000, None)},
    )
    services.save_measure(
        acting_user=admin, plan=plan, measure=measure, budgets={2026: (2_500_000, None)}
    )
    assert list(measure.budgets.values_list("fiscal_year", "planned_yen", "actual_yen")) == [
        (2026, 2_500_000, None)
    ]
    tree = queries.plan_tree(plan)
    assert tree.budget_total == 2_500_000


def test_a_poc_decided_adopt_spawns_one_follow_on(org_coded, user_named):
    admin = user_named("muni-admin-1")
    org = org_coded(AOBA)
    plan = make_plan(org, admin, measures=1, owner=department(org, "福祉課"))
    poc = plan.measures.get()
    with pytest.raises(ServiceError) as refused:
        services.spawn_follow_on(acting_user=admin, measure=poc)
    assert str(refused.value) == ("後継の施策を作れるのは、判断が「本格導入」の実証(PoC)だけです。")
    services.save_measure(
        acting_user=admin,
        plan=plan,
        measure=poc,
        kind="poc",
        hypothesis="AI議事録で作成時間が半減する",
        success_criteria="作成時間50%削減",
        result="作成時間が60%減った",
        decision="adopt",
        contributors=[department(org, "DX推進室")],
    )
    follow_on = services.spawn_follow_on(acting_user=admin, measure=poc)
    assert follow_on.spawned_from == poc
    assert (follow_on.policy, follow_on.owner_department) == (poc.policy, poc.owner_department)
    assert follow_on.kind == "normal" and follow_on.title == "施策1(本格導入)"
    assert list(follow_on.contributors.all()) == [department(org, "DX推進室")]
    with pytest.raises(ServiceError, match="すでに後継の施策が作られています。"):
        services.spawn_follow_on(acting_user=admin, measure=poc)
    assert (
        AuditEntry.objects.filter(model_label="plans.MeasureContributor", action="create").count()
        >= 2
    )


def test_decision_only_for_pocs(org_coded, user_named):
    admin = user_named("muni-admin-1")
    plan = make_plan(org_coded(AOBA), admin, measures=1)
    with pytest.raises(ServiceError, match="実証後の判断は"):
        services.save_measure(
            acting_user=admin, plan=plan, measure=plan.measures.get(), decision="adopt"
        )


def test_tasks_list_delayed_and_overdue_measures_of_my_department(org_coded, user_named):
    org = org_coded(AOBA)
    admin = user_named("muni-admin-1")
    plan = make_plan(org, admin, measures=3, owner=department(org, "福祉課"))
    first, second, third = plan.measures.order_by("pk")
    services.save_measure(
        acting_user=admin, plan=plan, measure=first, deadline=datetime.date(2020, 3, 31)
    )
    services.save_measure(
        acting_user=admin,
        plan=plan,
        measure=second,
        status="delayed",
        deadline=datetime.date(2099, 3, 31),
    )
    services.save_measure(
        acting_user=admin,
        plan=plan,
        measure=third,
        status="on_track",
        deadline=datetime.date(2099, 3, 31),
    )
    tasks = list(queries.measure_tasks(user_named("dept-staff-1")))
    assert sorted(t.title for t in tasks) == ["施策「施策1」", "施策「施策2」"]
    assert all(t.url.startswith("/o/992011/plans/mine/#measure-") for t in tasks)
    assert not list(queries.measure_tasks(user_named("executive-1")))
    assert Measure.objects.filter(plan=plan).count() == 3
