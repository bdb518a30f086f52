"""Writes of the process inventory: atomic, with the acting user, audited through the models.
Pages, imports and the API call these, so they accept and refuse the same input with the same
Japanese messages.

Who may write: the organization's staff (団体の管理者・職員) any process of it; 原課担当 the
processes of their own department (Process is department-scoped), and only into it.
A step some 課題 was made from cannot be deleted (the 課題 keeps its source), nor can its
process.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import access, audit, japanese
from chiikidx.core.services import ServiceError

from .. import services as challenge_services
from ..choices import Medium, Performer, SourceKind, StepType
from ..models import Challenge, Process, ProcessStep
from . import analysis, queries

PROCESS_FIELDS = ("name", "common_name", "department", "annual_volume", "description")
STEP_FIELDS = ("name", "step_type", "medium", "minutes", "performer", "performer_note")
MAX_VOLUME = 100_000_000
MAX_MINUTES = Decimal("99999.9")
MAX_STEPS = 200
TENTH = Decimal("0.1")


@dataclass
class StepInput:
    """One step as given by a form, an import or the API (`id`: an existing step of the
    process, None for a new one)."""

    name: str
    step_type: str
    medium: str
    minutes: Decimal | int | str = Decimal(0)
    performer: str = Performer.STAFF
    performer_note: str = ""
    id: int | None = None


@dataclass
class StepProblem:
    """What is wrong with the n-th step given (1-based; 0: the list as a whole), in which
    field."""

    index: int
    field: str
    message: str

    def __str__(self) -> str:
        if not self.index:
            return self.message
        return _("%(n)s番目の手順: %(m)s") % {"n": self.index, "m": self.message}


class StepsRefused(ServiceError):
    """Some steps cannot be saved; `problems` lists every one. Nothing was saved."""

    def __init__(self, problems: list[StepProblem]):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


def told(user, challenge: Challenge, named: str, unnamed: str) -> str:
    """`named` with the challenge's title (%(t)s) for someone who may see it, else `unnamed`.
    Integrity rules read every 課題 (a cited source is kept whoever made the 課題), but a 課題
    is member_private: its title reaches no one it is not shared with. (Shared with the
    dialogue records' services, which refuse for the same reasons.)"""
    return named % {"t": challenge.title} if access.can(user, "view", challenge) else unnamed


class AlreadyMade(ServiceError):
    """The source (a step, a dialogue record, an opinion) already became a 課題 (`challenge`).
    `visible`: whether the acting user may see it (then the message names it and a page opens
    it; else the message only says that the source is taken)."""

    def __init__(self, user, challenge: Challenge, named: str, unnamed: str):
        self.challenge = challenge
        self.visible = access.can(user, "view", challenge)
        super().__init__(named % {"t": challenge.title} if self.visible else unnamed)


# --- rights ---------------------------------------------------------------------------------


def can_change(user, process: Process) -> bool:
    return access.can(user, "change", process)


def can_create(user, organization) -> bool:
    """The organization's staff, or 原課担当 of one of its departments."""
    return access.can(user, "change", organization) or bool(
        access.grants(user).dept_change.get(organization.pk)
    )


def creatable_department_ids(user, organization) -> set[int] | None:
    """The departments a 原課担当 may write processes for (None: any, the staff)."""
    if access.can(user, "change", organization):
        return None
    return set(access.grants(user).dept_change.get(organization.pk, ()))


def _require_change(user, process: Process) -> None:
    if not can_change(user, process):
        raise ServiceError(
            _(
                "この業務プロセスを変更できるのは、団体の管理者・職員と、"
                "業務の部署の原課担当だけです。"
            )
        )


# --- processes ------------------------------------------------------------------------------


def _clean_process(organization, values: dict) -> dict:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = japanese.normalize(cleaned["name"])[:200]
        if not cleaned["name"]:
            raise ServiceError(_("業務名を入力してください(例: 転入届)。"))
    if "common_name" in cleaned:
        cleaned["common_name"] = japanese.normalize(cleaned["common_name"] or "")
        if len(cleaned["common_name"]) > 100:
            raise ServiceError(_("比較用の標準名は100文字以内で入力してください。"))
    if "annual_volume" in cleaned:
        volume = cleaned["annual_volume"] or 0
        if not isinstance(volume, int) or not 0 <= volume <= MAX_VOLUME:
            raise ServiceError(
                _("年間件数は0以上%(max)sまでの整数で入力してください。")
                % {"max": f"{MAX_VOLUME:,}"}
            )
        cleaned["annual_volume"] = volume
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    department = cleaned.get("department")
    if department is not None and department.organization_id != organization.pk:
        raise ServiceError(_("部署はこの団体の部署から選んでください。"))
    return {k: v for k, v in cleaned.items() if k in PROCESS_FIELDS}


@transaction.atomic
def create_process(*, acting_user, organization, steps=None, **fields) -> Process:
    """A new process; 原課担当 create processes of their own department only."""
    values = _clean_process(organization, {"name": "", **fields})
    if not access.can_create_in(acting_user, organization, values.get("department")):
        raise ServiceError(
            _(
                "この団体の業務プロセスを登録する権限がありません。"
                "原課担当の方は、自分の部署を選んでください。"
            )
        )
    with audit.acting_as(acting_user):
        process = Process.objects.create(organization=organization, **values)
    if steps:
        save_steps(acting_user=acting_user, process=process, steps=steps)
    return process


@transaction.atomic
def update_process(*, acting_user, process: Process, **fields) -> Process:
    _require_change(acting_user, process)
    values = _clean_process(process.organization, fields)
    for name, value in values.items():
        setattr(process, name, value)
    # A department's staff may not move a process out of their own department.
    _require_change(acting_user, process)
    with audit.acting_as(acting_user):
        process.save()
    return process


@transaction.atomic
def delete_process(*, acting_user, process: Process) -> None:
    _require_change(acting_user, process)
    # Every 課題 counts here, seen or not: the source of each must stay.
    cited = (
        Challenge.objects.filter(source_step__process=process)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if cited is not None:
        advice = _("業務が変わったときは、手順を書き直してください。")
        raise ServiceError(
            told(
                acting_user,
                cited,
                _("この業務プロセスの手順から課題「%(t)s」が作られているため、削除できません。"),
                _("この業務プロセスの手順から課題が作られているため、削除できません。"),
            )
            + advice
        )
    with audit.acting_as(acting_user):
        process.delete()  # its steps go with it (each deletion audited)


# --- steps ----------------------------------------------------------------------------------


def minutes_value(value) -> Decimal:
    """Minutes per case as stored: 0 to 99999.9, one decimal place (全角 digits read)."""
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = japanese.parse_decimal(value if value not in (None, "") else 0)
        except (ValueError, InvalidOperation):
            raise ValueError(_("時間(分)は数値で入力してください(例: 5、2.5)。")) from None
    if number != number.quantize(TENTH, rounding=ROUND_HALF_UP):
        raise ValueError(_("時間(分)は小数点以下1桁までで入力してください(例: 2.5)。"))
    if not 0 <= number <= MAX_MINUTES:
        raise ValueError(_("時間(分)は0以上99999.9以下で入力してください。"))
    return number.quantize(TENTH)


def step_problems(given: StepInput) -> tuple[dict, list[tuple[str, str]]]:
    """(clean values, [(field, message)…]) of one step."""
    problems = []
    name = japanese.normalize(given.name)
    if not name:
        problems.append(("name", _("手順の名前を入力してください(例: 届出書の受付)。")))
    elif len(name) > 200:
        problems.append(("name", _("手順の名前は200文字以内で入力してください。")))
    if given.step_type not in StepType.values:
        problems.append(
            ("step_type", _("手順の種類は %(c)s から選んでください。") % {"c": _labels(StepType)})
        )
    if given.medium not in Medium.values:
        problems.append(("medium", _("媒体は %(c)s から選んでください。") % {"c": _labels(Medium)}))
    performer = given.performer or Performer.STAFF
    if performer not in Performer.values:
        problems.append(
            ("performer", _("行う人は %(c)s から選んでください。") % {"c": _labels(Performer)})
        )
    note = japanese.normalize(given.performer_note)
    if len(note) > 100:
        problems.append(("performer_note", _("担当は100文字以内で入力してください。")))
    minutes = Decimal(0)
    try:
        minutes = minutes_value(given.minutes)
    except ValueError as exc:
        problems.append(("minutes", str(exc)))
    values = {
        "name": name,
        "step_type": given.step_type,
        "medium": given.medium,
        "minutes": minutes,
        "performer": performer,
        "performer_note": note,
    }
    return values, problems


def _labels(choices) -> str:
    return "・".join(str(label) for label in choices.labels)


def _cited_problems(process: Process, removed: list[ProcessStep]) -> list[StepProblem]:
    cited = queries.cited_step_ids([process.pk])
    return [
        StepProblem(
            0,
            "",
            _("手順%(n)s「%(s)s」は課題の出どころのため削除できません。")
            % {"n": s.order, "s": s.name},
        )
        for s in removed
        if s.pk in cited
    ]


@transaction.atomic
def save_steps(*, acting_user, process: Process, steps: list[StepInput]) -> list[ProcessStep]:
    """The process's steps become `steps`, in that order: given ids are changed, the others
    created, the existing steps not given deleted. Every problem is reported; nothing is
    saved when there is one."""
    _require_change(acting_user, process)
    existing = {s.pk: s for s in ProcessStep.objects.select_for_update().filter(process=process)}
    problems, cleaned, seen = [], [], set()
    if len(steps) > MAX_STEPS:
        problems.append(
            StepProblem(
                0,
                "",
                _("1つの業務の手順は%(n)s個までです。業務を分けてください。") % {"n": MAX_STEPS},
            )
        )
    for index, given in enumerate(steps, start=1):
        values, found = step_problems(given)
        problems += [StepProblem(index, name, message) for name, message in found]
        if given.id is not None and (given.id not in existing or given.id in seen):
            problems.append(StepProblem(index, "id", _("この業務の手順ではありません。")))
        seen.add(given.id)
        cleaned.append((given.id, values))
    removed = sorted((s for pk, s in existing.items() if pk not in seen), key=lambda s: s.order)
    if removed:
        problems += _cited_problems(process, removed)
    if problems:
        raise StepsRefused(problems)
    return _apply(acting_user, process, existing, cleaned, removed)


def _apply(acting_user, process, existing, cleaned, removed) -> list[ProcessStep]:
    created, changed, result = [], [], []
    for order, (pk, values) in enumerate(cleaned, start=1):
        values = values | {"order": order}
        if pk is None:
            step = ProcessStep(process=process, **values)
            created.append(step)
        else:
            step = existing[pk]
            if any(getattr(step, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(step, k, v)
                changed.append(step)
        result.append(step)
    with audit.acting_as(acting_user):
        if removed:
            ProcessStep.objects.filter(pk__in=[s.pk for s in removed]).delete()
        if changed:
            ProcessStep.objects.bulk_update(changed, [*STEP_FIELDS, "order"])
        if created:
            ProcessStep.objects.bulk_create(created)
    return result


def current_inputs(process: Process) -> list[StepInput]:
    """The process's steps as inputs, to edit the list and save it again."""
    return [
        StepInput(
            id=s.pk,
            name=s.name,
            step_type=s.step_type,
            medium=s.medium,
            minutes=s.minutes,
            performer=s.performer,
            performer_note=s.performer_note,
        )
        for s in process.steps.order_by("order", "pk")
    ]


@transaction.atomic
def add_steps(
    *, acting_user, process: Process, steps: list[StepInput], replace: bool = False
) -> list[ProcessStep]:
    """New steps after the existing ones (or instead of them: `replace`)."""
    _require_change(acting_user, process)
    kept = [] if replace else current_inputs(process)
    offset = len(kept)
    try:
        return save_steps(acting_user=acting_user, process=process, steps=[*kept, *steps])
    except StepsRefused as refused:
        # Number the problems as the caller gave the steps (1 = the first new one).
        shifted = [
            StepProblem(p.index - offset, p.field, p.message) if p.index > offset else p
            for p in refused.problems
        ]
        raise StepsRefused(shifted) from None


@transaction.atomic
def move_step(
    *, acting_user, process: Process, step_id, offset: int, steps: list[StepInput] | None = None
) -> list[ProcessStep]:
    """The step one place up (offset −1) or down (+1), saved with the rest of `steps` (the step
    table as edited on the page; by default the stored steps). The first step cannot go up,
    nor the last down, nor a step swap places with a new one. Problems are numbered as
    `steps` were given."""
    given = current_inputs(process) if steps is None else list(steps)
    at = _position(given, step_id)
    to = at + offset
    if offset not in (-1, 1) or not 0 <= to < len(given) or given[to].id is None:
        raise ServiceError(_("最初の手順は上に、最後の手順は下には動かせません。"))
    order = list(range(len(given)))
    order[at], order[to] = to, at
    return _save_in_order(acting_user, process, given, order)


@transaction.atomic
def delete_step(
    *, acting_user, process: Process, step_id, steps: list[StepInput] | None = None
) -> list[ProcessStep]:
    """The other `steps` saved without this one (a step some 課題 was made from stays)."""
    given = current_inputs(process) if steps is None else list(steps)
    at = _position(given, step_id)
    order = [i for i in range(len(given)) if i != at]
    return _save_in_order(acting_user, process, given, order)


def _position(steps: list[StepInput], step_id) -> int:
    found = next((i for i, s in enumerate(steps) if s.id is not None and s.id == step_id), None)
    if found is None:
        raise ServiceError(_("その手順は見つかりません。画面を読み込み直してください。"))
    return found


def _save_in_order(acting_user, process, given: list[StepInput], order: list[int]):
    """Save given[i] for i in `order`; a problem of the n-th saved step is told of the step
    as the caller gave it."""
    try:
        return save_steps(acting_user=acting_user, process=process, steps=[given[i] for i in order])
    except StepsRefused as refused:
        placed = [
            StepProblem(order[p.index - 1] + 1, p.field, p.message) if p.index else p
            for p in refused.problems
        ]
        raise StepsRefused(placed) from None


# --- one click: a candidate becomes a 課題 ------------------------------------------------------


def _one_place(value: Decimal) -> str:
    return f"{analysis.one_place(value):,}"


def challenge_text(data: analysis.ProcessData, step: analysis.StepData, candidate) -> str:
    """The 課題's description: where it comes from and the figures."""
    where = _("業務プロセス「%(p)s」(%(d)s年間%(v)s件)の手順%(n)s「%(s)s」から作った課題です。") % {
        "p": data.name,
        "d": f"{data.department}・" if data.department else "",
        "v": f"{data.annual_volume:,}",
        "n": step.order,
        "s": step.name,
    }
    lines = [
        where,
        _("・手順: %(t)s・%(m)s・1件あたり%(min)s分・%(who)s")
        % {
            "t": step.type_label,
            "m": step.medium_label,
            "min": _one_place(step.minutes),
            "who": step.performer_label,
        },
    ]
    staff = analysis.staff_minutes_year(step, data.annual_volume)
    if staff:
        lines.append(
            _("・この手順にかかる職員の時間: 年間%(h)s時間(%(min)s分 × %(v)s件)")
            % {
                "h": _one_place(analysis.hours(staff)),
                "min": _one_place(step.minutes),
                "v": f"{data.annual_volume:,}",
            }
        )
    resident = analysis.resident_minutes_year(step, data.annual_volume)
    if resident:
        lines.append(
            _("・住民・事業者の時間: 年間%(h)s時間") % {"h": _one_place(analysis.hours(resident))}
        )
    if candidate is not None:
        lines.append(
            _("・改善の候補: %(k)s — %(r)s") % {"k": candidate.label, "r": candidate.reason}
        )
        lines.append(_("・改善の方向: %(r)s") % {"r": candidate.remedy})
    return "\n".join(lines)


def _field_for(organization, candidate) -> str:
    wanted = "内部事務"
    if candidate is not None and candidate.kind in (
        analysis.Kind.HANDWRITING,
        analysis.Kind.IN_PERSON_ONLY,
    ):
        wanted = "窓口"
    fields = challenge_services.settings_for(organization).fields or []
    return wanted if wanted in fields else ""


def _affected(data: analysis.ProcessData, candidate) -> dict:
    if candidate is not None and candidate.kind in (
        analysis.Kind.HANDWRITING,
        analysis.Kind.IN_PERSON_ONLY,
    ):
        return {"affected": _("窓口に来る住民・事業者"), "affected_count": data.annual_volume}
    where = f"{data.department}の" if data.department else ""
    return {"affected": _("%(d)s職員") % {"d": where}, "affected_count": None}


@transaction.atomic
def make_challenge(*, acting_user, step: ProcessStep) -> Challenge:
    """A 候補 課題 from the step (title, figures, the process's department, the step as its
    source). Only who may create 課題 of the process's department learns anything of the
    step's 課題. A step becomes a 課題 once: AlreadyMade tells of the existing one."""
    # Locked, so two clicks at once make one 課題 (the process is read apart: PostgreSQL locks
    # no row on the nullable side of an outer join, and the department may be empty).
    step = ProcessStep.objects.select_for_update().get(pk=step.pk)
    process = Process.objects.select_related("organization", "department").get(pk=step.process_id)
    if not access.can_create_in(acting_user, process.organization, process.department):
        raise ServiceError(
            _(
                "業務プロセスの手順から課題を作れるのは、団体の管理者・職員と、"
                "業務の部署の原課担当だけです。"
            )
        )
    existing = (
        Challenge.objects.filter(source_step=step)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if existing is not None:
        raise AlreadyMade(
            acting_user,
            existing,
            _("この手順はすでに課題「%(t)s」になっています。"),
            _("この手順はすでに課題になっています。"),
        )
    step.process = process
    _steps, data = queries.one_with_data(process)
    step_data = next(s for s in data.steps if s.id == step.pk)
    candidate = analysis.candidate_for(data, step.pk)
    return challenge_services.create_challenge(
        acting_user=acting_user,
        organization=process.organization,
        department=process.department,
        field=_field_for(process.organization, candidate),
        title=analysis.challenge_title(candidate, data, step_data),
        description=challenge_text(data, step_data, candidate),
        source_kind=SourceKind.PROCESS,
        source_step=step,
        source_note=_("業務プロセス「%(p)s」の手順%(n)s") % {"p": process.name, "n": step.order},
        **_affected(data, candidate),
    )
