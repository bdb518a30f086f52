"""Reads of the plans app shared by pages, the API and other apps (assessments)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from chiikidx.core import access
from chiikidx.core.models import Department
from chiikidx.core.tasks import Task

from .choices import CANDIDATE_PLAN_STATUSES, OPEN_STATUSES, MeasureStatus
from .models import Measure, Plan, PlanDecision, Policy
from .services import weighted_progress


def plans_of(org) -> QuerySet:
    return (
        Plan.objects.filter(organization=org)
        .annotate(measure_count=Count("measures"), revised=_revised())
        .order_by("revised", "-start_fy", "title", "-version")
    )


def _revised():
    """Whether a plan has been revised (改定前の版: read-only, kept as history)."""
    return Exists(Plan.objects.filter(previous_id=OuterRef("pk")))


def current_measures() -> QuerySet:
    """Measures of plans that are not 改定前の版 (the ones that can still be updated)."""
    return Measure.objects.exclude(plan__revisions__isnull=False)


def visible_plans(user) -> QuerySet:
    """Plans the user may read (the only door for the API: Plan.objects.visible_to)."""
    return Plan.objects.visible_to(user)


def visible_measures(user) -> QuerySet:
    """Measures of the plans the user may read."""
    return Measure.objects.filter(plan__in=visible_plans(user).values("pk"))


def candidate_plans(org) -> QuerySet:
    """Plans of `org` that may take a candidate measure (下書き・改定中)."""
    return Plan.objects.filter(organization=org, status__in=CANDIDATE_PLAN_STATUSES).order_by(
        "-start_fy", "title"
    )


def measures_from(org, source_kind: str, refs: Iterable[str]) -> dict[str, Measure]:
    """The measures of `org` made from the given weak points (source_ref → measure)."""
    found = (
        Measure.objects.filter(
            plan__organization=org, source_kind=source_kind, source_ref__in=list(refs)
        )
        .select_related("plan__organization")
        .order_by("pk")
    )
    result: dict[str, Measure] = {}
    for m in found:
        result.setdefault(m.source_ref, m)
    return result


def plan_of(org, plan_id) -> Plan:
    """A plan of the URL's organization (another organization's id: DoesNotExist → 404)."""
    return Plan.objects.select_related("organization").get(pk=plan_id, organization=org)


def measure_of(org, measure_id) -> Measure:
    return Measure.objects.select_related(
        "plan__organization", "policy", "owner_department", "spawned_from"
    ).get(pk=measure_id, plan__organization=org)


def with_budget_total(measures: QuerySet) -> QuerySet:
    return measures.annotate(budget_total=Sum("budgets__planned_yen"))


def departments_for(org) -> QuerySet:
    return Department.objects.filter(organization=org, is_archived=False).order_by(
        "sort_order", "name"
    )


@dataclass
class PolicyNode:
    policy: Policy
    measures: list = field(default_factory=list)  # shown (after filters)
    progress: Decimal | None = None  # roll-up over all its measures
    count: int = 0
    budget_total: int = 0


@dataclass
class PlanTree:
    plan: Plan
    nodes: list[PolicyNode]
    progress: Decimal | None
    decisions: list[PlanDecision]
    status_counts: dict[str, int]
    budget_total: int
    shown: int


def plan_tree(plan: Plan, *, department_id=None, status: str = "") -> PlanTree:
    """Policies → measures with roll-ups (always over all measures; filters only hide rows)."""
    measures = list(
        with_budget_total(Measure.objects.filter(plan=plan)).select_related("owner_department")
    )
    nodes = {p.pk: PolicyNode(p) for p in Policy.objects.filter(plan=plan)}
    by_policy: dict[int, list[Measure]] = {}
    for m in measures:
        by_policy.setdefault(m.policy_id, []).append(m)
    for pk, node in nodes.items():
        own = by_policy.get(pk, [])
        node.progress, node.count = weighted_progress(own), len(own)
        node.budget_total = sum(m.budget_total or 0 for m in own)
        node.measures = [m for m in own if _shown(m, department_id, status)]
    counts = {s: sum(1 for m in measures if m.status == s) for s in MeasureStatus.values}
    return PlanTree(
        plan=plan,
        nodes=list(nodes.values()),
        progress=weighted_progress(measures),
        decisions=list(plan.decisions.select_related("recorded_by").order_by("recorded_at")),
        status_counts=counts,
        budget_total=sum(m.budget_total or 0 for m in measures),
        shown=sum(len(n.measures) for n in nodes.values()),
    )


def _shown(m: Measure, department_id, status: str) -> bool:
    if department_id and m.owner_department_id != department_id:
        return False
    return not status or m.status == status


def user_departments(user, org) -> list[int]:
    return [
        m.department_id
        for m in access.active_memberships(user)
        if m.organization_id == org.pk and m.department_id
    ]


def my_measures(user, org) -> QuerySet:
    """Measures of the user's departments in `org`, open ones first, by deadline."""
    departments = user_departments(user, org)
    return (
        current_measures()
        .filter(plan__organization=org, owner_department_id__in=departments)
        .select_related("plan", "plan__organization", "policy", "owner_department")
        .order_by("plan__title", "deadline", "pk")
    )


def measure_tasks(user) -> Iterable[Task]:
    """「自分の作業」: delayed or overdue measures of the user's departments."""
    departments = [m.department_id for m in access.active_memberships(user) if m.department_id]
    if not departments:
        return []
    today = timezone.localdate()
    late = Q(status=MeasureStatus.DELAYED) | Q(deadline__lt=today)
    found = (
        current_measures()
        .filter(owner_department_id__in=departments, status__in=OPEN_STATUSES)
        .filter(late)
        .select_related("plan__organization")
    )
    return [_task(m, today) for m in found]


def _task(measure: Measure, today) -> Task:
    org = measure.plan.organization
    overdue = measure.deadline is not None and measure.deadline < today
    detail = (
        gettext("期限を過ぎています。状況と進捗を更新してください。")
        if overdue
        else gettext("遅延しています。状況と進捗を更新してください。")
    )
    return Task(
        gettext("施策「%(title)s」") % {"title": measure.title},
        detail,
        reverse("plans:mine", args=[org.code]) + f"#measure-{measure.pk}",
        org,
        gettext("DX推進計画"),
        measure.deadline,
    )


def plan_versions(plan: Plan) -> list[Plan]:
    """Every version (版) of the plan, oldest first; `plan` itself is one of them.

    Also tells `plan` its next version, so `plan.is_superseded` needs no further query."""
    earlier = []
    current = plan
    while current.previous_id:
        current = Plan.objects.only("pk", "title", "version", "status", "previous_id").get(
            pk=current.previous_id
        )
        earlier.append(current)
    later, frontier = [], [plan.pk]
    while frontier:
        found = list(
            Plan.objects.filter(previous_id__in=frontier).only(
                "pk", "title", "version", "status", "previous_id"
            )
        )
        later += found
        frontier = [p.pk for p in found]
    plan._next_version = next((p for p in later if p.previous_id == plan.pk), None)
    return [*reversed(earlier), plan, *sorted(later, key=lambda p: p.version)]


def baselines_of(versions: list[Plan]) -> QuerySet:
    """Baselines of the given versions of a plan, oldest first."""
    from .models import Baseline

    return (
        Baseline.objects.filter(plan__in=[p.pk for p in versions])
        .select_related("taken_by", "plan")
        .order_by("taken_at", "pk")
    )
