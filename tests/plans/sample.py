"""A small plan for tests: one policy, measures owned by given departments of the organization."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core.models import Department
from chiikidx.plans import services
from chiikidx.plans.models import Dependency, Measure, MeasureBudget, Plan

_DAY = datetime.timedelta(days=1)


def admin_of(org):
    from chiikidx.core.models import Membership

    found = (
        Membership.objects.filter(organization=org, role__in=["muni_admin", "pref_admin"])
        .select_related("user")
        .first()
    )
    return found.user if found else get_user_model().objects.get(username="root")


def department(org, name=None):
    found = Department.objects.filter(organization=org)
    if name:
        found = found.filter(name=name)
    dept = found.order_by("sort_order", "name").first()
    return dept or Department.objects.create(organization=org, name=name or "企画課")


def make_plan(org, user=None, *, title="DX推進計画", measures=2, owner=None) -> Plan:
    user = user or admin_of(org)
    plan = services.create_plan(
        acting_user=user,
        organization=org,
        title=title,
        vision="誰一人取り残されないデジタル社会",
        start_fy=2025,
        end_fy=2028,
    )
    policy = services.save_policy(acting_user=user, plan=plan, code="1", title="行政手続のDX")
    owner = owner or department(org)
    for i in range(measures):
        services.save_measure(
            acting_user=user,
            plan=plan,
            policy=policy,
            title=f"施策{i + 1}",
            owner_department=owner,
            deadline=datetime.date(2026, 3, 31),
        )
    return plan


def sample_plan(org) -> Plan:
    """The organization's first plan, created on demand (あおば市: owned by 福祉課)."""
    plan = Plan.objects.filter(organization=org).first()
    if plan is None:
        owner = department(org, "福祉課") if org.code == "992011" else None
        plan = make_plan(org, owner=owner, measures=1)
    return plan


def sample_measure(org) -> Measure:
    return sample_plan(org).measures.first()


def dated_plan(org, admin, count, owner=None):
    """`count` measures in a chain of pairs: 2k → 2k+1 (終了→開始, 1 day), one a month."""
    plan = make_plan(org, admin, measures=count, owner=owner or department(org, "福祉課"))
    measures = list(plan.measures.order_by("pk"))
    for i, m in enumerate(measures):
        start = datetime.date(2025, 4, 1) + datetime.timedelta(days=30 * (i % 2) + 7 * (i // 2))
        Measure.objects.filter(pk=m.pk).update(
            start_date=start, deadline=start + datetime.timedelta(days=29), code=f"M{i}"
        )
    measures = list(plan.measures.order_by("pk"))
    for i in range(0, count - 1, 2):
        Dependency.objects.create(predecessor=measures[i], successor=measures[i + 1], lag_days=1)
    return plan, measures


def summary_plan(org, admin, extra=0):
    """Five measures around today, budgets for two 年度, a baseline, and a dependency."""
    today = timezone.localdate()
    plan = make_plan(org, admin, measures=5 + extra, owner=department(org, "福祉課"))
    m = list(plan.measures.order_by("pk"))
    rows = [
        # (status, progress, weight, start, deadline, department)
        ("delayed", 20, 2, today - 200 * _DAY, today - 10 * _DAY, "福祉課"),
        ("on_track", 60, 1, today - 100 * _DAY, today + 30 * _DAY, "住民課"),
        ("done", 100, 1, today - 100 * _DAY, today + 10 * _DAY, "福祉課"),
        ("caution", 40, 1, today - 50 * _DAY, today + 100 * _DAY, "福祉課"),
        ("cancelled", 0, 5, today - 50 * _DAY, today + 20 * _DAY, "福祉課"),
    ]
    for i, measure in enumerate(m):
        status, progress, weight, start, deadline, dept = rows[i % len(rows)]
        Measure.objects.filter(pk=measure.pk).update(
            status=status,
            progress=progress,
            weight=weight,
            start_date=start,
            deadline=deadline,
            code=f"S{i}",
            owner_department=department(org, dept),
        )
    MeasureBudget.objects.create(
        measure=m[0], fiscal_year=2025, planned_yen=1_234_500, actual_yen=1_000_499
    )
    MeasureBudget.objects.create(measure=m[1], fiscal_year=2026, planned_yen=2_000_000)
    # S3 waits for S0 (late): S3 is pushed on the critical path.
    Dependency.objects.create(predecessor=m[0], successor=m[3], lag_days=0)
    services.take_baseline(acting_user=admin, plan=plan, label="議会承認時")
    Measure.objects.filter(pk=m[1].pk).update(deadline=today + 50 * _DAY)  # +20 days since
    return plan, m


def drifted_plan(org, admin):
    """Four chained measures, two baselines; since the later one M1's 期限 moved 45 days later,
    M2 starts 10 days earlier and a fifth measure was added."""
    plan, measures = dated_plan(org, admin, 4)
    older = services.take_baseline(acting_user=admin, plan=plan, label="原課合意時")
    Measure.objects.filter(pk=measures[0].pk).update(deadline=datetime.date(2025, 4, 20))
    latest = services.take_baseline(acting_user=admin, plan=plan, label="議会承認時")
    m1, m2 = measures[1], measures[2]
    Measure.objects.filter(pk=m1.pk).update(deadline=m1.deadline + 45 * _DAY)
    Measure.objects.filter(pk=m2.pk).update(start_date=m2.start_date - 10 * _DAY)
    added = services.save_measure(
        acting_user=admin,
        plan=plan,
        policy=plan.policies.get(),
        title="追加の施策",
        code="M4",
        owner_department=department(org, "福祉課"),
        start_date=datetime.date(2025, 6, 1),
        deadline=datetime.date(2025, 9, 30),
    )
    return plan, [*measures, added], older, latest


def client_for(user_named, username):
    """An API client authenticated as the user named `username`."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user_named(username))
    return api
