"""A small plan for tests: one policy, measures owned by given departments of the organization."""

import datetime

from django.contrib.auth import get_user_model

from chiikidx.core.models import Department
from chiikidx.plans import services
from chiikidx.plans.models import Dependency, Measure, Plan


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
