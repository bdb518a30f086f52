"""Reads of the assessments app shared by pages and API."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from . import frameworks
from .choices import ResponseStatus, RoundStatus
from .models import Framework, FrameworkVersion, PrefectureSettings, Response, Round


def frameworks_of(prefecture) -> QuerySet:
    return Framework.objects.filter(organization=prefecture).prefetch_related("versions")


def adoptable(prefecture) -> list[tuple[str, str]]:
    """Shipped frameworks the prefecture has not adopted yet: (code, title)."""
    taken = set(
        Framework.objects.filter(organization=prefecture).values_list("based_on", flat=True)
    )
    return [
        (code, frameworks.shipped(code).title)
        for code in frameworks.shipped_codes()
        if code not in taken
    ]


def rounds_of(prefecture) -> QuerySet:
    return with_counts(
        Round.objects.filter(organization=prefecture).select_related("version__framework")
    ).order_by("-opens_on", "title")


def with_counts(rounds: QuerySet) -> QuerySet:
    """Rounds with `total` responses and `done` (submitted or accepted) ones."""
    counted = Q(responses__status__in=[ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED])
    return rounds.annotate(total=Count("responses"), done=Count("responses", filter=counted))


def tracker(round_: Round, user) -> QuerySet:
    """The round's responses the user may see (liaisons: only their municipalities)."""
    return (
        Response.objects.filter(round=round_)
        .visible_to(user)
        .select_related("organization")
        .order_by("organization__code")
    )


def is_late(response: Response) -> bool:
    pending = response.status in (ResponseStatus.DRAFT, ResponseStatus.RETURNED)
    return pending and timezone.localdate() > response.round.due_on


def responses_of(municipality) -> QuerySet:
    return (
        Response.objects.filter(organization=municipality)
        .select_related("round__version__framework", "round__organization")
        .order_by("-round__opens_on")
    )


def previous_round(round_: Round) -> Round | None:
    """The prefecture's previous round of the same framework."""
    return (
        Round.objects.filter(
            organization_id=round_.organization_id,
            version__framework_id=round_.version.framework_id,
            opens_on__lt=round_.opens_on,
        )
        .exclude(status=RoundStatus.CANCELLED)
        .order_by("-opens_on")
        .first()
    )


def previous_response(response: Response) -> Response | None:
    """The same municipality's response to the previous round of the same framework."""
    return (
        Response.objects.filter(
            organization_id=response.organization_id,
            round__version__framework_id=response.round.version.framework_id,
            round__opens_on__lt=response.round.opens_on,
        )
        .exclude(round__status=RoundStatus.CANCELLED)
        .order_by("-round__opens_on")
        .first()
    )


def version_of(prefecture, version_id) -> FrameworkVersion:
    return FrameworkVersion.objects.select_related("framework").get(
        pk=version_id, framework__organization=prefecture
    )


def settings_of(prefecture_id: int) -> PrefectureSettings:
    """The prefecture's settings (defaults when it never changed them; nothing is written)."""
    found = PrefectureSettings.objects.filter(organization_id=prefecture_id).first()
    return found or PrefectureSettings(organization_id=prefecture_id)
