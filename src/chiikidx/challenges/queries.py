"""Reads of challenges (課題) shared by the pages, the API and the panel on a plan measure.

Every read starts from `Challenge.objects.visible_to(user)`: outside the organization's own
members a challenge is visible only once it is shared (core.access, `member_private`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _l

from chiikidx.core import access
from chiikidx.core.panels import Panel
from chiikidx.core.requests import int_or_none

from . import priority
from .choices import SCORE_DESCRIPTORS, Axis, ChallengeStatus, Scope, Timing
from .models import Challenge, ChallengeSettings

LIST_RELATED = ("organization", "department", "measure__plan")
DETAIL_RELATED = (
    *LIST_RELATED,
    "source_record",
    "source_opinion__record",
    "source_step__process",
    "created_by",
    "updated_by",
)
PANEL_ROWS = 10

# Sort keys of the list: (label, order_by). Priority and the scores put unscored rows last.
SORTS = {
    "priority": (_l("優先度の高い順"), (F("priority").desc(nulls_last=True), "-pk")),
    "benefit": (_l("裨益性の高い順"), (F("benefit").desc(nulls_last=True), "-pk")),
    "difficulty": (_l("難易度の低い(易しい)順"), (F("difficulty").asc(nulls_last=True), "-pk")),
    "urgency": (_l("緊急性の高い順"), (F("urgency").desc(nulls_last=True), "-pk")),
    "new": (_l("登録の新しい順"), ("-created_at", "-pk")),
    "updated": (_l("更新の新しい順"), ("-updated_at", "-pk")),
}
SHARING = {
    "shared": _l("県と共有している"),
    "escalated": _l("県・広域に上げた"),
    "private": _l("共有していない"),
}
STATUS_STYLES = {
    ChallengeStatus.CANDIDATE: "neutral",
    ChallengeStatus.ADOPTED: "update",
    ChallengeStatus.MEASURED: "ok",
    ChallengeStatus.RESOLVED: "ok",
    ChallengeStatus.DEFERRED: "draft",
}
UNSCORED = Q(benefit__isnull=True) | Q(difficulty__isnull=True) | Q(urgency__isnull=True)


@dataclass(frozen=True)
class Filters:
    """The filters of the list, the scoring table and the map (each page shows the ones it
    needs), each checked against what the organization offers: an unknown value filters
    nothing."""

    field: str = ""
    department: int | None = None
    status: str = ""
    scope: str = ""
    timing: str = ""
    sharing: str = ""
    q: str = ""
    unscored: bool = False

    @classmethod
    def from_query(cls, query: Mapping, *, fields: list[str], departments) -> Filters:
        """From the page's query string; `fields` is what `used_fields` offers and
        `departments` the organization's."""
        department = int_or_none(query.get("department"))
        return cls(
            field=one_of(query.get("field"), fields),
            department=department if any(d.pk == department for d in departments) else None,
            status=one_of(query.get("status"), ChallengeStatus.values),
            scope=one_of(query.get("scope"), Scope.values),
            timing=one_of(query.get("timing"), Timing.values),
            sharing=one_of(query.get("sharing"), SHARING),
            q=(query.get("q") or "").strip()[:100],
            unscored=query.get("unscored") == "1",
        )

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def as_query(self) -> list[tuple[str, str]]:
        """The filters as query parameters, to keep them across a save."""
        pairs = [(f.name, getattr(self, f.name)) for f in fields(self)]
        return [(name, "1" if value is True else str(value)) for name, value in pairs if value]


def one_of(value, allowed) -> str:
    return value if value and value in allowed else ""


def visible(user) -> QuerySet:
    """Challenges the user may read (the only door, for pages and the API alike)."""
    return Challenge.objects.visible_to(user)


def challenges_of(user, organization, weights) -> QuerySet:
    """The organization's challenges the user may read, with their priority (SQL)."""
    found = visible(user).filter(organization=organization).select_related(*LIST_RELATED)
    return priority.annotate(found, weights)


def filtered(found: QuerySet, filters: Filters, *, with_status: bool = True) -> QuerySet:
    if filters.field:
        found = found.filter(field=filters.field)
    if filters.department:
        found = found.filter(department_id=filters.department)
    if filters.status and with_status:
        found = found.filter(status=filters.status)
    if filters.scope:
        found = found.filter(scope=filters.scope)
    if filters.timing:
        found = found.filter(timing=filters.timing)
    if filters.sharing == "shared":
        found = found.filter(shared_at__isnull=False)
    elif filters.sharing == "escalated":
        found = found.filter(escalated_at__isnull=False)
    elif filters.sharing == "private":
        found = found.filter(shared_at__isnull=True)
    if filters.q:
        found = found.filter(Q(title__icontains=filters.q) | Q(description__icontains=filters.q))
    if filters.unscored:
        found = found.filter(UNSCORED)
    return found


def sorted_by(found: QuerySet, key: str) -> QuerySet:
    return found.order_by(*SORTS.get(key, SORTS["priority"])[1])


def status_counts(found: QuerySet) -> dict[str, int]:
    """How many challenges there are in each status (one query)."""
    rows = found.order_by().values_list("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(ChallengeStatus.values, 0)
    counts.update(dict(rows))
    return counts


def field_choices(configured: list[str], used: Iterable[str]) -> list[str]:
    """The 分野 offered in filters and dropdowns: the organization's list, then any other 分野
    its challenges still carry (removed from the list since)."""
    return [*configured, *sorted({f for f in used if f} - set(configured))]


def used_fields(found: QuerySet, configured: list[str]) -> list[str]:
    """`field_choices` for the challenges of `found` (one query)."""
    used = found.order_by().exclude(field="").values_list("field", flat=True).distinct()
    return field_choices(configured, used)


def challenge_of(user, organization, challenge_id) -> Challenge:
    """A challenge of the URL's organization the user may read (else DoesNotExist → 404)."""
    return (
        visible(user)
        .select_related(*DETAIL_RELATED)
        .get(pk=challenge_id, organization=organization)
    )


# --- what each row and the detail page show -------------------------------------------------


def decorate(challenge: Challenge, weights) -> Challenge:
    """Adds what the templates show: the priority, the quadrant and the status style."""
    # The Python score (one decimal place, rounded half up) replaces the SQL annotation,
    # which was only for sorting: the page shows the same figure as the formula's working.
    challenge.priority = priority.score(
        challenge.benefit, challenge.difficulty, challenge.urgency, weights
    )
    challenge.quadrant = priority.quadrant(challenge.benefit, challenge.difficulty)
    challenge.quadrant_key = priority.quadrant_slug(challenge.benefit, challenge.difficulty)
    challenge.status_style = STATUS_STYLES.get(challenge.status, "neutral")
    return challenge


def scores_of(challenge: Challenge) -> list[dict]:
    """The three scores with what the chosen point means."""
    rows = []
    for axis in Axis:
        value = getattr(challenge, axis.value)
        rows.append(
            {
                "axis": axis.value,
                "label": axis.label,
                "value": value,
                "descriptor": str(SCORE_DESCRIPTORS[axis][value]) if value else "",
            }
        )
    return rows


def descriptor_table() -> list[dict]:
    """Points 5 → 1 with each axis's descriptor (the settings page and the scoring table's
    legend)."""
    return [
        {
            "point": point,
            "cells": [str(SCORE_DESCRIPTORS[axis][point]) for axis in Axis],
        }
        for point in (5, 4, 3, 2, 1)
    ]


def working(challenge: Challenge, weights) -> str:
    """The priority computed by hand for this challenge, e.g.
    100 × (2×(4−1) + 1×(5−2) + 2×(3−1)) ÷ (4 × 5) = 100 × 13 ÷ 20 = 65.0"""
    if not challenge.is_scored:
        return ""
    wb, we, wu = weights
    b, d, u = challenge.benefit, challenge.difficulty, challenge.urgency
    points = wb * (b - 1) + we * (5 - d) + wu * (u - 1)
    total = 4 * (wb + we + wu)
    result = priority.score(b, d, u, weights)
    return (
        f"100 × ({wb}×({b}−1) + {we}×(5−{d}) + {wu}×({u}−1)) ÷ (4 × {wb + we + wu})"
        f" = 100 × {points} ÷ {total} = {result}"
    )


def choices_for_filters():
    return {
        "statuses": ChallengeStatus.choices,
        "scopes": Scope.choices,
        "timings": Timing.choices,
        "sorts": [(key, label) for key, (label, _order) in SORTS.items()],
        "sharings": list(SHARING.items()),
    }


# --- the panel on a plan measure's page -----------------------------------------------------


def measure_panel(request, measure) -> Panel | None:
    """「この施策のもとになった課題」 on a 施策's page: the challenges it came from that the
    viewer may read (an unshared challenge stays hidden from the prefecture)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    found = list(
        visible(user)
        .filter(measure=measure)
        .select_related("organization", "department")
        .order_by("-pk")
    )
    if not found:
        return None
    weights_by_org = _weights_by_org({c.organization_id for c in found})
    for challenge in found:
        decorate(challenge, weights_by_org.get(challenge.organization_id, DEFAULT_WEIGHTS))
    context = {
        "panel_challenges": found[:PANEL_ROWS],
        "panel_more": max(0, len(found) - PANEL_ROWS),
        "panel_can_view_org": access.can(user, "view", measure.plan.organization),
    }
    return Panel("challenges/_measure_panel.html", context, order=40)


DEFAULT_WEIGHTS = ChallengeSettings().weights


def _weights_by_org(org_ids) -> dict[int, tuple[int, int, int]]:
    """The weights of several organizations in one query (the API's rows, the panel)."""
    found = ChallengeSettings.objects.filter(organization_id__in=list(org_ids))
    return {s.organization_id: s.weights for s in found}


def weights_for(org_ids) -> dict[int, tuple[int, int, int]]:
    found = _weights_by_org(org_ids)
    return {pk: found.get(pk, DEFAULT_WEIGHTS) for pk in org_ids}
