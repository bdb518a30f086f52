"""Reads of dialogue records shared by the pages and the API. Challenges are counted and listed
only as far as the user may see them (a municipality's unshared 課題 stay hidden from the
prefecture, even as a number)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from chiikidx.core.japanese import fiscal_year, fiscal_year_range

from ..models import Challenge, DialogueAttachment, DialogueRecord, Opinion


def visible_records(user) -> QuerySet:
    """Records the user may read (the only door for the API)."""
    return DialogueRecord.objects.visible_to(user)


def visible_opinions(user) -> QuerySet:
    return Opinion.objects.filter(record__in=visible_records(user).values("pk"))


def visible_challenges(user) -> QuerySet:
    return Challenge.objects.visible_to(user)


def _challenge_count(user) -> Subquery:
    """How many challenges the user sees came from the record or one of its opinions."""
    found = (
        visible_challenges(user)
        .filter(Q(source_record=OuterRef("pk")) | Q(source_opinion__record=OuterRef("pk")))
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(found, output_field=IntegerField()), 0)


def _opinion_count() -> Subquery:
    found = (
        Opinion.objects.filter(record=OuterRef("pk"))
        .order_by()
        .values("record_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(found, output_field=IntegerField()), 0)


def with_counts(found: QuerySet, user) -> QuerySet:
    return found.annotate(opinion_count=_opinion_count(), challenge_count=_challenge_count(user))


def records_of(org, user) -> QuerySet:
    """The organization's records the user may read, newest first, with their opinion and
    challenge counts."""
    found = visible_records(user).filter(organization=org).select_related("department")
    return with_counts(found, user).order_by("-held_on", "-pk")


@dataclass(frozen=True)
class RecordFilter:
    kind: str = ""
    department_id: int | None = None
    fiscal_year: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.department_id or self.fiscal_year or self.text)


def filtered(found: QuerySet, chosen: RecordFilter) -> QuerySet:
    if chosen.kind:
        found = found.filter(kind=chosen.kind)
    if chosen.department_id:
        found = found.filter(department_id=chosen.department_id)
    if chosen.fiscal_year:
        start, end = fiscal_year_range(chosen.fiscal_year)
        found = found.filter(held_on__gte=start, held_on__lte=end)
    for word in chosen.text.split():
        found = found.filter(
            Q(title__icontains=word) | Q(notes__icontains=word) | Q(participants__icontains=word)
        )
    return found


def fiscal_years(org, user) -> list[int]:
    """The 年度 the organization's records (those the user may read) span, newest first (one
    query)."""
    span = (
        visible_records(user)
        .filter(organization=org)
        .aggregate(first=Min("held_on"), last=Max("held_on"))
    )
    if span["first"] is None:
        return []
    return list(range(fiscal_year(span["last"]), fiscal_year(span["first"]) - 1, -1))


def record_of(org, user, record_id) -> DialogueRecord:
    """A record of the URL's organization the user may read (another organization's id, or
    one the user may not read: DoesNotExist → 404)."""
    return (
        visible_records(user)
        .select_related("organization", "department")
        .get(pk=record_id, organization=org)
    )


def opinion_of(org, user, opinion_id) -> Opinion:
    """An opinion of a record of the URL's organization the user may read."""
    return (
        visible_opinions(user)
        .select_related("record__organization", "record__department")
        .get(pk=opinion_id, record__organization=org)
    )


def attachment_of(record: DialogueRecord, attachment_id) -> DialogueAttachment:
    found = DialogueAttachment.objects.get(pk=attachment_id, record=record)
    found.record = record
    return found


def attachments_of(record: DialogueRecord) -> list[DialogueAttachment]:
    return list(record.attachments.order_by("uploaded_at", "pk"))


def challenges_of(record: DialogueRecord, user) -> list[Challenge]:
    """The challenges made from the record or its opinions that the user sees."""
    return list(
        visible_challenges(user)
        .filter(Q(source_record=record) | Q(source_opinion__record=record))
        .select_related("organization", "source_opinion", "department")
        .order_by("-pk")
    )


@dataclass(frozen=True)
class OpinionFilter:
    age_band: str = ""
    area: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.age_band or self.area or self.text)


def opinions_of(record: DialogueRecord, chosen: OpinionFilter) -> QuerySet:
    found = record.opinions.order_by("number")
    if chosen.age_band:
        found = found.filter(age_band=chosen.age_band)
    if chosen.area:
        found = found.filter(area=chosen.area)
    for word in chosen.text.split():
        found = found.filter(text__icontains=word)
    return found


def opinion_facets(record: DialogueRecord) -> dict[str, list[tuple[str, int]]]:
    """How many opinions per 年代 and per 地区 (one query), for the filters and the summary."""
    rows = record.opinions.order_by().values_list("age_band", "area").annotate(n=Count("pk"))
    ages: dict[str, int] = {}
    areas: dict[str, int] = {}
    for age, area, n in rows:
        if age:
            ages[age] = ages.get(age, 0) + n
        if area:
            areas[area] = areas.get(area, 0) + n
    return {"age_bands": sorted(ages.items(), key=_age_order), "areas": sorted(areas.items())}


def _age_order(item: tuple[str, int]) -> tuple:
    """10歳未満, 10代, 20代 … 70代以上, then anything else by name."""
    label = item[0]
    digits = "".join(ch for ch in label if ch.isdigit())
    if not digits:
        return (1, 0, label)
    return (0, int(digits) - (1 if "未満" in label else 0), label)


def challenges_by_opinion(opinions, user) -> dict[int, Challenge]:
    """The challenge (visible to the user) each shown opinion became, in one query."""
    ids = [o.pk for o in opinions]
    if not ids:
        return {}
    found = visible_challenges(user).filter(source_opinion_id__in=ids).order_by("pk")
    return {c.source_opinion_id: c for c in found.select_related("organization")}


def cited_opinions(opinions) -> set[int]:
    """Which of the shown opinions any challenge cites (visible or not): those are kept as
    they are, so their edit and delete buttons are not offered. Only for those who may
    change the record: to anyone else it would tell of a 課題 not shared with them."""
    ids = [o.pk for o in opinions]
    if not ids:
        return set()
    return set(
        Challenge.objects.filter(source_opinion_id__in=ids).values_list(
            "source_opinion_id", flat=True
        )
    )
