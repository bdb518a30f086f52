"""Reads of PDCA reviews shared by pages, the API, 「自分の作業」 and the plans' panels."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from chiikidx.core import access
from chiikidx.core.panels import Panel
from chiikidx.core.tasks import Task
from chiikidx.plans import queries as plans_queries
from chiikidx.plans.models import Measure, Plan, Policy
from chiikidx.plans.queries import user_departments

from ..periods import Period, period_of
from . import sections
from .choices import OPEN_FOLLOW_UP, PeriodKind, ScopeKind
from .models import Review, ReviewFollowUp, period_label, period_months

SCOPE_RELATED = ("plan", "policy__plan", "measure__plan", "organization")
PANEL_ROWS = 5


def _with_counts(found: QuerySet) -> QuerySet:
    return found.annotate(
        follow_up_count=Count("follow_ups", distinct=True),
        open_count=Count(
            "follow_ups", filter=Q(follow_ups__status__in=OPEN_FOLLOW_UP), distinct=True
        ),
    )


def reviews_of(org) -> QuerySet:
    """The organization's reviews, newest period first, with their follow-up counts."""
    found = Review.objects.filter(organization=org).select_related(*SCOPE_RELATED)
    return _with_counts(found).order_by("-period_start", "period_kind", "pk")


def filtered(found: QuerySet, *, scope_kind="", plan_id=None, status="") -> QuerySet:
    if scope_kind == ScopeKind.PLAN:
        found = found.filter(plan__isnull=False)
    elif scope_kind == ScopeKind.POLICY:
        found = found.filter(policy__isnull=False)
    elif scope_kind == ScopeKind.MEASURE:
        found = found.filter(measure__isnull=False)
    if plan_id:
        found = found.filter(in_plan(plan_id))
    if status:
        found = found.filter(status=status)
    return found


def in_plan(plan_id) -> Q:
    """Reviews of a plan, of its 基本方針 and of its 施策."""
    return Q(plan_id=plan_id) | Q(policy__plan_id=plan_id) | Q(measure__plan_id=plan_id)


def review_of(org, review_id) -> Review:
    """A review of the URL's organization (another organization's id: DoesNotExist → 404)."""
    return Review.objects.select_related(*SCOPE_RELATED, "signed_off_by", "reopened_by").get(
        pk=review_id, organization=org
    )


def follow_up_of(org, follow_up_id) -> ReviewFollowUp:
    return ReviewFollowUp.objects.select_related(
        "review__organization",
        "review__plan",
        "review__policy__plan",
        "review__measure__plan",
        "owner_user",
        "owner_department",
    ).get(pk=follow_up_id, review__organization=org)


def follow_ups_of(review: Review) -> list[ReviewFollowUp]:
    """The review's follow-ups with their owners, where each came from and went to."""
    return list(
        review.follow_ups.select_related(
            "owner_user", "owner_department", "carried_from__review", "carried_to__review"
        ).order_by("due_on", "pk")
    )


def visible_reviews(user) -> QuerySet:
    """Reviews the user may read (the only door for the API: Review.objects.visible_to)."""
    return Review.objects.visible_to(user)


def visible_follow_ups(user) -> QuerySet:
    return ReviewFollowUp.objects.filter(review__in=visible_reviews(user).values("pk"))


def sections_of(review: Review) -> tuple[dict, dict, bool]:
    """(Plan, Do, frozen): the sections stored at sign-off, else computed now."""
    if review.is_signed_off and review.plan_snapshot and review.do_snapshot:
        return review.plan_snapshot, review.do_snapshot, True
    inputs = sections.gather(review)
    period = review.period
    return sections.plan_section(inputs, period), sections.do_section(inputs, period), False


# --- choosing what to review ----------------------------------------------------------------


def current_plans(org) -> QuerySet:
    """The organization's plans that are not 改定前の版."""
    revised = Exists(Plan.objects.filter(previous_id=OuterRef("pk")))
    return (
        Plan.objects.filter(organization=org)
        .annotate(revised=revised)
        .filter(revised=False)
        .order_by("-start_fy", "title", "pk")
    )


def scope_choices(org) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices «plan:1», «policy:2», «measure:3» of the current plans (3 queries)."""
    plans = list(current_plans(org))
    policies: dict[int, list] = {}
    for p in Policy.objects.filter(plan__in=plans).order_by("order", "pk"):
        policies.setdefault(p.plan_id, []).append(p)
    measures: dict[int, list] = {}
    for m in Measure.objects.filter(plan__in=plans).order_by("order", "pk"):
        measures.setdefault(m.policy_id, []).append(m)
    groups = []
    for plan in plans:
        options = [(f"plan:{plan.pk}", gettext("計画全体: %(t)s") % {"t": plan.title})]
        for policy in policies.get(plan.pk, []):
            name = f"{policy.code} {policy.title}".strip()
            options.append((f"policy:{policy.pk}", f"{plan.policy_label}: {name}"))
            for m in measures.get(policy.pk, []):
                options.append(
                    (f"measure:{m.pk}", f"　{plan.measure_label}: {m.code} {m.title}".rstrip())
                )
        groups.append((plan.title, options))
    return groups


def resolve_scope(org, key: str):
    """The plan, 基本方針 or 施策 named by «kind:id», inside the organization (None: none)."""
    kind, _sep, pk = (key or "").partition(":")
    if not pk.isdigit():
        return None
    if kind == ScopeKind.PLAN:
        return Plan.objects.filter(pk=pk, organization=org).select_related("organization").first()
    if kind == ScopeKind.POLICY:
        return Policy.objects.filter(pk=pk, plan__organization=org).select_related("plan").first()
    if kind == ScopeKind.MEASURE:
        return (
            Measure.objects.filter(pk=pk, plan__organization=org)
            .select_related("plan", "policy")
            .first()
        )
    return None


PERIODS_SHOWN = {PeriodKind.QUARTERLY: 8, PeriodKind.HALF_YEARLY: 4, PeriodKind.YEARLY: 3}


def period_key(period: Period) -> str:
    return f"{period.frequency}:{period.start.isoformat()}"


def period_from_key(key: str) -> Period | None:
    kind, _sep, day = (key or "").partition(":")
    if kind not in PeriodKind.values:
        return None
    try:
        return period_of(kind, datetime.date.fromisoformat(day))
    except ValueError:
        return None


def period_choices(today: datetime.date | None = None) -> list:
    """Grouped choices of periods that have started: the current one and those before it."""
    today = today or timezone.localdate()
    groups = []
    for kind, label in PeriodKind.choices:
        current = period_of(kind, today)
        found = [current]
        for _i in range(PERIODS_SHOWN[kind] - 1):
            found.append(found[-1].previous())
        options = [(period_key(p), f"{period_label(p)}({period_months(p)})") for p in found]
        groups.append((str(label), options))
    return groups


def default_period(today: datetime.date | None = None) -> Period:
    """The latest quarter that has ended."""
    today = today or timezone.localdate()
    return period_of(PeriodKind.QUARTERLY, today).previous()


# --- 自分の作業 and 自分のフォローアップ ------------------------------------------------------


def _mine(user, org_ids: Iterable[int], departments: Iterable[tuple[int, int]]) -> Q:
    """Follow-ups the user owns; those without a named owner go to their department."""
    mine = Q(owner_user_id=user.pk, review__organization_id__in=list(org_ids))
    for org_id, department_id in departments:
        mine |= Q(
            owner_user__isnull=True,
            owner_department_id=department_id,
            review__organization_id=org_id,
        )
    return mine


def my_follow_ups(user, org) -> QuerySet:
    """Unfinished follow-ups of `org` the user owns (or their department, when no one is named),
    oldest due first."""
    departments = [(org.pk, d) for d in user_departments(user, org)]
    return (
        ReviewFollowUp.objects.filter(_mine(user, [org.pk], departments))
        .filter(status__in=OPEN_FOLLOW_UP)
        .select_related(
            "review__organization",
            "review__plan",
            "review__policy__plan",
            "review__measure__plan",
            "owner_user",
            "owner_department",
        )
        .order_by("due_on", "pk")
    )


def follow_up_tasks(user) -> Iterable[Task]:
    """「自分の作業」: unfinished follow-ups the user (or their department) owns (1 query)."""
    memberships = access.active_memberships(user)
    if not memberships:
        return []
    departments = [(m.organization_id, m.department_id) for m in memberships if m.department_id]
    found = (
        ReviewFollowUp.objects.filter(
            _mine(user, [m.organization_id for m in memberships], departments)
        )
        .filter(status__in=OPEN_FOLLOW_UP)
        .select_related("review__organization", "review__plan", "review__policy", "review__measure")
    )
    today = timezone.localdate()
    return [_task(f, today) for f in found]


def _task(follow_up: ReviewFollowUp, today: datetime.date) -> Task:
    review = follow_up.review
    org = review.organization
    where = gettext("%(period)sの振り返り(%(scope)s)で決めたフォローアップです。") % {
        "period": review.period_label,
        "scope": review.scope_title,
    }
    if follow_up.due_on < today:
        where += gettext("期限を過ぎています。対応の状況を更新してください。")
    return Task(
        gettext("フォローアップ「%(title)s」") % {"title": follow_up.title},
        where,
        reverse("monitoring:follow_ups_mine", args=[org.code]) + f"#follow-up-{follow_up.pk}",
        org,
        gettext("PDCAの振り返り"),
        follow_up.due_on,
    )


# --- panels on the plans' pages ---------------------------------------------------------------


def _panel_rows(found: QuerySet) -> list[Review]:
    return list(_with_counts(found.select_related(*SCOPE_RELATED)).order_by("-period_start", "pk"))


def measure_panel(request, measure) -> Panel:
    """「振り返り」 on a 施策's page: its reviews (also of its copies in other versions)."""
    org = measure.plan.organization
    found = _panel_rows(
        Review.objects.filter(organization=org).filter(plans_queries.same_measure(measure))
    )
    user = getattr(request, "user", None)
    context = {
        "panel_reviews": found[:PANEL_ROWS],
        "panel_more": max(0, len(found) - PANEL_ROWS),
        "panel_new_scope": f"measure:{measure.pk}",
        "panel_list_query": f"plan={measure.plan_id}&scope=measure",
        "panel_plan_query": f"plan={measure.plan_id}",
        "panel_heading": gettext("この施策の振り返り(PDCA)"),
        "panel_can_add": user is not None and access.can(user, "change", org),
        "panel_org": org,
    }
    return Panel("monitoring/reviews/_panel.html", context, order=60)


def plan_panel(request, plan) -> Panel:
    """「振り返り」 on a plan's page: reviews of the plan, its 基本方針 and its 施策."""
    org = plan.organization
    found = _panel_rows(Review.objects.filter(organization=org).filter(in_plan(plan.pk)))
    user = getattr(request, "user", None)
    context = {
        "panel_reviews": found[:PANEL_ROWS],
        "panel_more": max(0, len(found) - PANEL_ROWS),
        "panel_new_scope": f"plan:{plan.pk}",
        "panel_list_query": f"plan={plan.pk}",
        "panel_heading": gettext("振り返り(PDCA)"),
        "panel_can_add": user is not None
        and access.can(user, "change", org)
        and not plan.is_superseded,
        "panel_org": org,
    }
    return Panel("monitoring/reviews/_panel.html", context, order=60)
