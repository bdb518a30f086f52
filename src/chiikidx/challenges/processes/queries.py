"""Reads of the process inventory shared by pages, exports and the API. Each read takes a fixed
number of queries (processes, then all their steps at once), whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from chiikidx.core.choices import OrgKind

from ..models import Challenge, Process, ProcessStep
from .analysis import ProcessData, StepData

# 比較用の標準名 offered when writing a process (with those already used in the prefecture).
STANDARD_NAMES = [
    "転入届",
    "転出届",
    "転居届",
    "住民票の写しの交付",
    "印鑑登録証明書の交付",
    "戸籍証明書の交付",
    "児童手当の認定請求",
    "保育所等の利用申込",
    "介護保険の要介護認定申請",
    "国民健康保険の資格取得",
    "道路占用許可",
    "粗大ごみの収集申込",
]


def visible_processes(user) -> QuerySet:
    """Processes the user may read (the only door for pages and the API)."""
    return Process.objects.visible_to(user)


def processes_of(org, user, department_id=None) -> QuerySet:
    """The organization's processes the user may read, by name."""
    found = (
        visible_processes(user)
        .filter(organization=org)
        .select_related("department", "organization")
    )
    if department_id:
        found = found.filter(department_id=department_id)
    return found.order_by("name", "pk")


def process_of(org, user, process_id) -> Process:
    """A process of the URL's organization the user may read (another organization's id, or
    one the user may not read: DoesNotExist → 404)."""
    return (
        visible_processes(user)
        .select_related("department", "organization")
        .get(pk=process_id, organization=org)
    )


def step_of(process: Process, step_id) -> ProcessStep:
    return ProcessStep.objects.select_related("process__organization").get(
        pk=step_id, process=process
    )


def steps_of(process_ids: Iterable[int]) -> dict[int, list[ProcessStep]]:
    """Every step of these processes, in order (one query)."""
    found: dict[int, list[ProcessStep]] = defaultdict(list)
    for step in ProcessStep.objects.filter(process_id__in=list(process_ids)).order_by(
        "process_id", "order", "pk"
    ):
        found[step.process_id].append(step)
    return found


def step_data(step: ProcessStep) -> StepData:
    return StepData(
        id=step.pk,
        order=step.order,
        name=step.name,
        step_type=step.step_type,
        medium=step.medium,
        minutes=step.minutes,
        performer=step.performer,
        performer_note=step.performer_note,
    )


def process_data(process: Process, steps: Iterable[ProcessStep]) -> ProcessData:
    return ProcessData(
        id=process.pk,
        name=process.name,
        annual_volume=process.annual_volume,
        steps=tuple(step_data(s) for s in steps),
        common_name=process.common_name,
        department=process.department.name if process.department_id else "",
        organization=process.organization.name,
        organization_code=process.organization.code,
    )


def with_data(processes: Iterable[Process]) -> list[tuple[Process, ProcessData]]:
    """Each process with its plain data for the analysis (one query for all the steps)."""
    processes = list(processes)
    steps = steps_of(p.pk for p in processes)
    return [(p, process_data(p, steps.get(p.pk, []))) for p in processes]


def one_with_data(process: Process) -> tuple[list[ProcessStep], ProcessData]:
    steps = steps_of([process.pk]).get(process.pk, [])
    return steps, process_data(process, steps)


def challenges_by_step(user, step_ids: Iterable[int]) -> dict[int, Challenge]:
    """The challenges the user may see that were made from these steps, by step."""
    found = (
        Challenge.objects.visible_to(user)
        .filter(source_step_id__in=list(step_ids))
        .select_related("organization", "source_step")
        .order_by("pk")
    )
    return {c.source_step_id: c for c in found}


def cited_step_ids(process_ids: Iterable[int]) -> set[int]:
    """Steps some challenge was made from, visible or not: they cannot be deleted. Only for
    those who may change the process (members of its organization, who see its 課題): to
    anyone else it would tell of a 課題 not shared with them."""
    return set(
        Challenge.objects.filter(source_step__process_id__in=list(process_ids)).values_list(
            "source_step_id", flat=True
        )
    )


# --- the prefecture's comparison ----------------------------------------------------------------


def municipal_processes(user, prefecture) -> QuerySet:
    """Processes of the prefecture's municipalities the user may see."""
    return (
        Process.objects.visible_to(user)
        .filter(organization__prefecture=prefecture)
        .exclude(organization__kind=OrgKind.PREFECTURE)
    )


def common_names(user, prefecture) -> list[tuple[str, int]]:
    """(比較用の標準名, number of municipalities with it), the most widespread first."""
    rows = (
        municipal_processes(user, prefecture)
        .exclude(common_name="")
        .values("common_name")
        .annotate(count=Count("organization", distinct=True))
        .order_by("-count", "common_name")
    )
    return [(r["common_name"], r["count"]) for r in rows]


def compared(user, prefecture, common_name: str) -> list[tuple[Process, ProcessData]]:
    """Every visible municipality's process of that name, by municipality code (2 queries)."""
    found = (
        municipal_processes(user, prefecture)
        .filter(common_name=common_name)
        .select_related("organization", "department")
        .order_by("organization__code", "name", "pk")
    )
    return with_data(found)


def name_suggestions(user, org) -> list[str]:
    """The standard names, then the other names used in processes the user may see."""
    used = (
        Process.objects.visible_to(user)
        .filter(organization__prefecture_id=org.prefecture_id)
        .exclude(common_name="")
        .values_list("common_name", flat=True)
        .distinct()
        .order_by("common_name")
    )
    return list(dict.fromkeys([*STANDARD_NAMES, *used]))
