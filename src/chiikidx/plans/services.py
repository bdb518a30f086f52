"""Writes of the plans app: atomic, with the acting user, audited through the models.

Who may write is decided by `core.access`; the services check it again for the writes that
原課担当 (department-scoped staff) may make, so a view or API can never widen their rights.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import access, audit, uploads
from chiikidx.core.japanese import wareki
from chiikidx.core.services import ServiceError

from . import baselines, schedule
from .choices import (
    CANDIDATE_PLAN_STATUSES,
    NEXT_STATUSES,
    DependencyKind,
    MeasureKind,
    MeasureStatus,
    PlanStatus,
    PocDecision,
)
from .models import (
    Action,
    Baseline,
    Dependency,
    Measure,
    MeasureBudget,
    MeasureUpdate,
    Plan,
    PlanDecision,
    Policy,
    minutes_storage,
)

PLAN_FIELDS = ("title", "vision", "start_fy", "end_fy", "sogo_keikaku", "level_names")
POLICY_FIELDS = ("code", "order", "title", "description")
MEASURE_FIELDS = (
    "policy",
    "code",
    "order",
    "title",
    "description",
    "owner_department",
    "responsible",
    "start_date",
    "deadline",
    "deliverable",
    "target_level",
    "weight",
    "priority",
    "status",
    "progress",
    "kind",
    "hypothesis",
    "success_criteria",
    "poc_start",
    "poc_end",
    "result",
    "decision",
)


# --- roll-up -------------------------------------------------------------------------------


def weighted_progress(measures: Iterable) -> Decimal | None:
    """Σ(progress × weight) / Σ weight over measures not cancelled (中止は除く), to one decimal.

    None when nothing counts (no measures, or all weights zero)."""
    total = weighted = Decimal(0)
    for m in measures:
        if m.status == MeasureStatus.CANCELLED:
            continue
        weight = Decimal(m.weight)
        total += weight
        weighted += weight * m.progress
    if total == 0:
        return None
    return (weighted / total).quantize(Decimal("0.1"))


# --- plans ---------------------------------------------------------------------------------


def _check_period(start_fy: int, end_fy: int) -> None:
    if end_fy < start_fy:
        raise ServiceError(_("終了年度は開始年度以降にしてください。"))


def check_change(user, obj) -> None:
    if not access.can(user, "change", obj):
        raise ServiceError(_("この計画を変更する権限がありません。"))
    _check_current(obj)


def _check_current(plan: Plan) -> None:
    """A revised plan (改定前の版) keeps its history as it was: it is read-only."""
    # Asked afresh, not from the instance's cache: a revision may have just been made.
    if isinstance(plan, Plan) and Plan.objects.filter(previous_id=plan.pk).exists():
        raise ServiceError(
            _("この計画は改定前の版(第%(v)s版)なので変更できません。新しい版を変更してください。")
            % {"v": plan.version}
        )


@transaction.atomic
def create_plan(*, acting_user, organization, **fields) -> Plan:
    if not access.can(acting_user, "change", organization):
        raise ServiceError(_("この団体の計画を作る権限がありません。"))
    _check_period(fields["start_fy"], fields["end_fy"])
    with audit.acting_as(acting_user):
        return Plan.objects.create(
            organization=organization, **{k: v for k, v in fields.items() if k in PLAN_FIELDS}
        )


@transaction.atomic
def update_plan(*, acting_user, plan: Plan, **fields) -> Plan:
    check_change(acting_user, plan)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    _check_period(plan.start_fy, plan.end_fy)
    with audit.acting_as(acting_user):
        plan.save()
    return plan


def next_statuses(plan: Plan) -> tuple[str, ...]:
    return NEXT_STATUSES.get(plan.status, ())


@transaction.atomic
def advance_plan(
    *,
    acting_user,
    plan: Plan,
    to_status: str,
    decided_on: datetime.date,
    decided_by: str,
    meeting: str = "",
    minutes_url: str = "",
    minutes_file=None,
    note: str = "",
    with_baseline: bool = False,
) -> PlanDecision:
    """Move the plan one step along the approval order and record the decision, with the
    minutes as a URL and/or an uploaded file (`minutes_file`, see `attach_minutes`).

    With `with_baseline`, reaching 議会報告・承認 also takes a baseline labelled by the step."""
    plan = Plan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    check_change(acting_user, plan)
    allowed = next_statuses(plan)
    if to_status not in allowed:
        raise ServiceError(
            _("「%(current)s」から「%(target)s」へは進められません。次の段階は%(next)sです。")
            % {
                "current": PlanStatus(plan.status).label,
                "target": PlanStatus(to_status).label if to_status in PlanStatus else to_status,
                "next": "・".join(f"「{PlanStatus(s).label}」" for s in allowed),
            }
        )
    if not decided_by.strip():
        raise ServiceError(_("決定した会議体または決裁者を入力してください。"))
    checked = _checked_minutes(minutes_file) if minutes_file is not None else None
    decision = PlanDecision(
        plan=plan,
        from_status=plan.status,
        to_status=to_status,
        decided_on=decided_on,
        decided_by=decided_by.strip(),
        meeting=meeting,
        minutes_url=minutes_url,
        note=note,
        recorded_by=acting_user,
        recorded_at=timezone.now(),
    )

    def save_rows():
        with audit.acting_as(acting_user):
            decision.save()
            plan.status = to_status
            plan.save()
        if with_baseline and to_status == PlanStatus.GIKAI:
            take_baseline(
                acting_user=acting_user,
                plan=plan,
                label=baselines.step_label(to_status, decided_on),
                note=decided_by.strip(),
            )

    if checked:
        _store_minutes(decision, minutes_file, checked, save_rows)
    else:
        save_rows()
    return decision


# 議事録: documents and images (PDF, Word, Excel, OpenDocument, PNG, JPEG), within the size
# limit of every attached file (CHIIKIDX_EVIDENCE_MAX_MB).
MINUTES_EXTENSIONS = uploads.DOCUMENTS
MINUTES_FIELDS = [
    "minutes_file",
    "minutes_name",
    "minutes_content_type",
    "minutes_size",
    "minutes_sha256",
]


def _checked_minutes(upload) -> tuple[str, str]:
    try:
        return uploads.check_upload(upload, MINUTES_EXTENSIONS)
    except uploads.UploadRefused as refused:
        raise ServiceError(str(refused)) from refused


def _store_minutes(decision: PlanDecision, upload, checked: tuple[str, str], save_rows) -> None:
    """Write the file under a generated name (MEDIA_ROOT/minutes/<団体コード>/<計画のID>/…), then
    save the rows; when they cannot be saved, the file goes again (no row, no file)."""
    plan = decision.plan
    decision.minutes_name, decision.minutes_content_type = checked
    decision.minutes_size = upload.size
    decision.minutes_sha256 = uploads.sha256_of(upload)
    name = uploads.stored_name(plan.organization.code, plan.pk)
    uploads.save_with_file(decision.minutes_file, name, upload, save_rows)


@transaction.atomic
def attach_minutes(*, acting_user, decision: PlanDecision, upload) -> PlanDecision:
    """Attach the minutes of a recorded decision as a file (議事録は後日確定することが多い), or
    replace the attached one. The change is audited (file name, size and SHA-256 before and
    after); a replaced file is removed from the disk once the change is committed."""
    plan = Plan.objects.select_related("organization").get(pk=decision.plan_id)
    check_change(acting_user, plan)
    checked = _checked_minutes(upload)
    decision = PlanDecision.objects.select_for_update().get(pk=decision.pk)
    decision.plan = plan
    replaced = decision.minutes_file.name
    with audit.acting_as(acting_user):
        _store_minutes(
            decision, upload, checked, lambda: decision.save(update_fields=MINUTES_FIELDS)
        )
    if replaced:
        transaction.on_commit(lambda: minutes_storage.delete(replaced))
    return decision


@transaction.atomic
def take_baseline(*, acting_user, plan: Plan, label: str, note: str = "") -> Baseline:
    """Snapshot the plan as it is now (ベースライン)."""
    check_change(acting_user, plan)
    label = label.strip()
    if not label:
        raise ServiceError(_("ベースラインの名称を入力してください(例: 議会承認時)。"))
    with audit.acting_as(acting_user):
        return Baseline.objects.create(
            plan=plan,
            label=label[:100],
            note=note.strip(),
            taken_by=acting_user,
            taken_at=timezone.now(),
            snapshot=baselines.snapshot(plan),
        )


# --- policies and measures -----------------------------------------------------------------


@transaction.atomic
def save_policy(*, acting_user, plan: Plan, policy: Policy | None = None, **fields) -> Policy:
    check_change(acting_user, plan)
    policy = policy or Policy(plan=plan)
    if policy.plan_id != plan.pk:
        raise ServiceError(_("この基本方針は別の計画のものです。"))
    for name in POLICY_FIELDS:
        if name in fields:
            setattr(policy, name, fields[name])
    with audit.acting_as(acting_user):
        policy.save()
    return policy


def _check_measure_fields(plan: Plan, measure: Measure) -> None:
    if measure.policy.plan_id != plan.pk:
        raise ServiceError(_("基本方針はこの計画のものを選んでください。"))
    if measure.owner_department.organization_id != plan.organization_id:
        raise ServiceError(_("担当部署はこの団体の部署から選んでください。"))
    if measure.start_date and measure.deadline and measure.deadline < measure.start_date:
        raise ServiceError(_("期限は開始日以降にしてください。"))
    if measure.kind != MeasureKind.POC and measure.decision:
        raise ServiceError(_("実証後の判断は、種類が「実証(PoC)」の施策にだけ入力できます。"))


@transaction.atomic
def save_measure(
    *,
    acting_user,
    plan: Plan,
    measure: Measure | None = None,
    contributors: Iterable | None = None,
    budgets: dict[int, tuple[int, int | None]] | None = None,
    **fields,
) -> Measure:
    """Create or edit a measure (admins and staff); `budgets`: 年度 → (planned, actual)."""
    check_change(acting_user, plan)
    measure = measure or Measure(plan=plan)
    if measure.plan_id != plan.pk:
        raise ServiceError(_("この施策は別の計画のものです。"))
    for name in MEASURE_FIELDS:
        if name in fields:
            setattr(measure, name, fields[name])
    _check_measure_fields(plan, measure)
    if measure.status == MeasureStatus.DONE:
        measure.progress = 100
    with audit.acting_as(acting_user):
        measure.save()
        if contributors is not None:
            measure.contributors.set(
                [d for d in contributors if d.organization_id == plan.organization_id]
            )
        if budgets is not None:
            _save_budgets(measure, budgets)
    return measure


def _save_budgets(measure: Measure, budgets: dict[int, tuple[int, int | None]]) -> None:
    stored = {b.fiscal_year: b for b in measure.budgets.all()}
    for year, (planned, actual) in sorted(budgets.items()):
        budget = stored.pop(year, None) or MeasureBudget(measure=measure, fiscal_year=year)
        if (budget.pk, budget.planned_yen, budget.actual_yen) != (None, planned, actual):
            budget.planned_yen, budget.actual_yen = planned, actual
            budget.save()
    for budget in stored.values():
        budget.delete()


@transaction.atomic
def update_progress(
    *, acting_user, measure: Measure, status: str, progress: int, comment: str = ""
) -> MeasureUpdate:
    """The owner's update: status, progress and a comment, logged as one update entry."""
    if not access.can(acting_user, "change", measure):
        raise ServiceError(_("この施策を更新できるのは、担当部署の職員と計画の担当者だけです。"))
    _check_current(measure.plan)
    if status not in MeasureStatus.values:
        raise ServiceError(_("状況を一覧から選んでください。"))
    if not 0 <= progress <= 100:
        raise ServiceError(_("進捗は0〜100の範囲で入力してください。"))
    if status == MeasureStatus.DONE:
        progress = 100
    with audit.acting_as(acting_user):
        measure.status, measure.progress = status, progress
        measure.save(update_fields=["status", "progress"])
        return MeasureUpdate.objects.create(
            measure=measure,
            status=status,
            progress=progress,
            comment=comment.strip(),
            by=acting_user,
            at=timezone.now(),
        )


@transaction.atomic
def add_action(
    *, acting_user, measure: Measure, title: str, due_on: datetime.date | None = None
) -> Action:
    check_change(acting_user, measure.plan)
    with audit.acting_as(acting_user):
        return Action.objects.create(measure=measure, title=title, due_on=due_on)


@transaction.atomic
def set_action_done(*, acting_user, action: Action, done: bool) -> Action:
    if not access.can(acting_user, "change", action.measure):
        raise ServiceError(_("この取組を更新できるのは、担当部署の職員と計画の担当者だけです。"))
    _check_current(action.measure.plan)
    if action.done != done:
        with audit.acting_as(acting_user):
            action.done = done
            action.save(update_fields=["done"])
    return action


@transaction.atomic
def spawn_follow_on(*, acting_user, measure: Measure) -> Measure:
    """A PoC decided 本格導入 becomes a normal measure (same policy and owner), linked back."""
    check_change(acting_user, measure.plan)
    if measure.kind != MeasureKind.POC or measure.decision != PocDecision.ADOPT:
        raise ServiceError(_("後継の施策を作れるのは、判断が「本格導入」の実証(PoC)だけです。"))
    if measure.follow_ons.exists():
        raise ServiceError(_("この実証からはすでに後継の施策が作られています。"))
    with audit.acting_as(acting_user):
        follow_on = Measure.objects.create(
            plan=measure.plan,
            policy=measure.policy,
            order=measure.order + 1,
            title=_("%(title)s(本格導入)") % {"title": measure.title},
            description=measure.result,
            owner_department=measure.owner_department,
            responsible=measure.responsible,
            target_level=measure.success_criteria,
            weight=measure.weight,
            priority=measure.priority,
            spawned_from=measure,
        )
        follow_on.contributors.set(measure.contributors.all())
    return follow_on


# --- revisions (改定) ----------------------------------------------------------------------

REVISABLE_STATUSES = (PlanStatus.GENKA, PlanStatus.HONBU, PlanStatus.GIKAI)
# A revision keeps where a measure came from (the assessment weak point it answers).
COPIED_MEASURE_FIELDS = [*(f for f in MEASURE_FIELDS if f != "policy"), "source_kind", "source_ref"]


@transaction.atomic
def revise_plan(*, acting_user, plan: Plan, note: str = "") -> Plan:
    """Start a revision: a new version (版) of the plan with copies of its policies, measures,
    budgets, contributors and actions, in 「改定中」. The old version keeps its history and
    becomes read-only (改定前の版)."""
    plan = Plan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    check_change(acting_user, plan)
    if plan.status not in REVISABLE_STATUSES:
        raise ServiceError(
            _("「%(status)s」の計画は改定できません。下書きの計画はそのまま編集してください。")
            % {"status": plan.get_status_display()}
        )
    with audit.acting_as(acting_user):
        new = Plan.objects.create(
            organization=plan.organization,
            visibility=plan.visibility,
            status=PlanStatus.REVISING,
            version=plan.version + 1,
            previous=plan,
            **{name: getattr(plan, name) for name in PLAN_FIELDS},
        )
        _copy_parts(plan, new)
        PlanDecision.objects.create(
            plan=new,
            from_status=plan.status,
            to_status=PlanStatus.REVISING,
            decided_on=timezone.localdate(),
            decided_by=_display_name(acting_user),
            note=note.strip() or _("第%(v)s版を改定") % {"v": plan.version},
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
    return new


def _display_name(user) -> str:
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


def _copy_parts(old: Plan, new: Plan) -> None:
    policies = {}
    for policy in Policy.objects.filter(plan=old):
        policies[policy.pk] = Policy.objects.create(
            plan=new, **{name: getattr(policy, name) for name in POLICY_FIELDS}
        )
    measures = {}
    old_measures = list(
        Measure.objects.filter(plan=old).prefetch_related("budgets", "actions", "contributors")
    )
    for m in old_measures:
        measures[m.pk] = Measure.objects.create(
            plan=new,
            policy=policies[m.policy_id],
            origin=m.origin or m.pk,
            **{name: getattr(m, name) for name in COPIED_MEASURE_FIELDS},
        )
    for m in old_measures:
        copy = measures[m.pk]
        if m.spawned_from_id:
            copy.spawned_from = measures.get(m.spawned_from_id) or m.spawned_from
            copy.save(update_fields=["spawned_from"])
        copy.contributors.set(m.contributors.all())
        for b in m.budgets.all():
            MeasureBudget.objects.create(
                measure=copy,
                fiscal_year=b.fiscal_year,
                planned_yen=b.planned_yen,
                actual_yen=b.actual_yen,
            )
        for a in m.actions.all():
            Action.objects.create(measure=copy, title=a.title, due_on=a.due_on, done=a.done)
    _copy_dependencies(measures)


def _copy_dependencies(measures: dict[int, Measure]) -> None:
    """The new version waits for what the old one did: links inside the plan join the copies;
    links to measures of other plans join the copy to the same other measure."""
    links = Dependency.objects.filter(
        models.Q(predecessor_id__in=list(measures)) | models.Q(successor_id__in=list(measures))
    )
    for link in links:
        Dependency.objects.create(
            predecessor=measures.get(link.predecessor_id) or link.predecessor,
            successor=measures.get(link.successor_id) or link.successor,
            kind=link.kind,
            lag_days=link.lag_days,
            note=link.note,
        )


# --- candidates from other parts of the system (the assessment report) ----------------------


@transaction.atomic
def create_candidate_measure(
    *,
    acting_user,
    plan: Plan,
    owner_department,
    source_kind: str,
    source_ref: str,
    title: str,
    description: str = "",
    target_level: str = "",
    new_policy_title: str | None = None,
) -> Measure:
    """A 未着手 normal measure proposed from a weak point or a 課題, linked back by `source_ref`.

    It goes under the plan's first policy; when the plan has none, a policy titled
    `new_policy_title` is made (「アセスメントからの候補」 unless the caller names its own, e.g.
    「課題からの候補」). The planners move it, add a deadline and a budget afterwards."""
    check_change(acting_user, plan)
    if plan.status not in CANDIDATE_PLAN_STATUSES:
        raise ServiceError(
            _(
                "施策の候補を入れられるのは「下書き」か「改定中」の計画だけです。"
                "承認済みの計画は、改定を始めてから追加してください。"
            )
        )
    if owner_department is None or owner_department.organization_id != plan.organization_id:
        raise ServiceError(_("担当部署はこの団体の部署から選んでください。"))
    existing = Measure.objects.filter(
        plan__organization_id=plan.organization_id,
        source_kind=source_kind,
        source_ref=source_ref,
    ).first()
    if existing is not None:
        raise ServiceError(
            _("このきっかけ(弱み・課題)からはすでに施策「%(title)s」があります。")
            % {"title": existing.title}
        )
    with audit.acting_as(acting_user):
        policy = plan.policies.order_by("order", "pk").first() or Policy.objects.create(
            plan=plan, title=new_policy_title or _("アセスメントからの候補")
        )
        last = plan.measures.filter(policy=policy).order_by("-order").first()
        return Measure.objects.create(
            plan=plan,
            policy=policy,
            order=(last.order + 1) if last else 0,
            title=title[:200],
            description=description,
            target_level=target_level,
            owner_department=owner_department,
            status=MeasureStatus.NOT_STARTED,
            kind=MeasureKind.NORMAL,
            source_kind=source_kind,
            source_ref=source_ref[:100],
        )


# --- dependencies and the schedule ---------------------------------------------------------


def measure_name(measure: Measure) -> str:
    return f"{measure.code} {measure.title}".strip()


def _check_link_right(user, successor: Measure) -> None:
    """The waiting measure's owner (原課担当) or the plan's staff may change what it waits for."""
    if not access.can(user, "change", successor):
        raise ServiceError(
            _(
                "この依存関係を変更できるのは、後続の施策「%(title)s」の担当部署の職員と"
                "計画の担当者だけです。"
            )
            % {"title": successor.title}
        )
    _check_current(successor.plan)


def _organization_graph(organization_id: int, extra: Dependency) -> tuple[list, list]:
    """Every measure and dependency of the organization, plus `extra` (dates do not matter)."""
    day = datetime.date(2000, 1, 1)
    measures = Measure.objects.filter(plan__organization_id=organization_id).values_list(
        "pk", "code", "title"
    )
    tasks = [
        schedule.Task(pk, day, day, label=f"{code} {title}".strip())
        for pk, code, title in measures.order_by("plan_id", "policy__order", "order", "pk")
    ]
    found = Dependency.objects.filter(successor__plan__organization_id=organization_id)
    links = [schedule.Link(p, s) for p, s in found.values_list("predecessor_id", "successor_id")]
    links.append(schedule.Link(extra.predecessor_id, extra.successor_id))
    return tasks, links


@transaction.atomic
def add_dependency(
    *,
    acting_user,
    predecessor: Measure,
    successor: Measure,
    kind: str = DependencyKind.FS,
    lag_days: int = 0,
    note: str = "",
) -> Dependency:
    """`successor` waits for `predecessor`; refused if it would close a cycle (named)."""
    _check_link_right(acting_user, successor)
    org_id = successor.plan.organization_id
    if predecessor.plan.organization_id != org_id:
        raise ServiceError(
            _("別の団体の施策とは依存関係を結べません。同じ団体の計画の施策を選んでください。")
        )
    if predecessor.pk == successor.pk:
        raise ServiceError(_("施策は自分自身に依存できません。別の施策を選んでください。"))
    if kind not in DependencyKind.values:
        raise ServiceError(_("依存関係の種類を一覧から選んでください。"))
    if kind == DependencyKind.BLOCKS and lag_days:
        raise ServiceError(
            _(
                "完了待ちの依存関係には日数のずれを指定できません。0日にするか、終了→開始にしてください。"
            )
        )
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ServiceError(
            _("「%(p)s」→「%(s)s」の依存関係はすでにあります。変更するには一度外してください。")
            % {"p": predecessor.title, "s": successor.title}
        )
    link = Dependency(
        predecessor=predecessor, successor=successor, kind=kind, lag_days=lag_days, note=note
    )
    try:
        schedule.check_cycles(*_organization_graph(org_id, link))
    except schedule.ScheduleError as refused:
        raise ServiceError(str(refused)) from refused
    with audit.acting_as(acting_user):
        link.save()
    return link


@transaction.atomic
def remove_dependency(*, acting_user, dependency: Dependency) -> None:
    _check_link_right(acting_user, dependency.successor)
    with audit.acting_as(acting_user):
        dependency.delete()


@dataclass
class PlanSchedule:
    """The schedule of a plan's dated measures, with linked measures of its other plans."""

    plan: Plan
    measures: dict[int, Measure]  # every measure in the schedule, by id
    external: set[int]  # measures of other plans of the organization
    undated: list[Measure]  # measures of the plan left out: no start or no deadline
    tasks: list[schedule.Task]
    links: list[schedule.Link]
    dependencies: list[Dependency]
    result: schedule.Schedule | None = None
    error: str = ""
    rows: list[ScheduleRow] = field(default_factory=list)


@dataclass
class ScheduleRow:
    measure: Measure
    external: bool
    computed: schedule.TaskSchedule
    days_late: int  # earliest finish after the measure's 期限


def _task(measure: Measure) -> schedule.Task:
    # The deadline is the measure's planned finish: the schedule shows how far predecessors
    # push it past that date (see `schedule_of`).
    return schedule.Task(
        measure.pk,
        measure.start_date,
        measure.deadline,
        done=measure.status == MeasureStatus.DONE,
        label=measure_name(measure),
    )


def schedule_inputs(plan: Plan, measures: Iterable[Measure] | None = None) -> PlanSchedule:
    """Tasks and links of the plan (three queries when `measures` is not given)."""
    if measures is None:
        measures = Measure.objects.filter(plan=plan).select_related("owner_department", "policy")
    own = list(measures)
    ids = {m.pk for m in own}
    deps = list(
        Dependency.objects.filter(
            models.Q(predecessor_id__in=ids) | models.Q(successor_id__in=ids)
        ).order_by("pk")
    )
    other_ids = {d.predecessor_id for d in deps} | {d.successor_id for d in deps}
    others = list(
        Measure.objects.filter(pk__in=other_ids - ids, plan__organization_id=plan.organization_id)
        .select_related("plan", "owner_department", "policy")
        .order_by("plan_id", "start_date", "pk")
    )
    everything = {m.pk: m for m in [*own, *others]}
    dated = {pk for pk, m in everything.items() if m.start_date and m.deadline}
    links = [
        schedule.Link(d.predecessor_id, d.successor_id, d.kind, d.lag_days)
        for d in deps
        if d.predecessor_id in dated and d.successor_id in dated
    ]
    return PlanSchedule(
        plan=plan,
        measures=everything,
        external={m.pk for m in others},
        undated=[m for m in own if m.pk not in dated],
        tasks=[_task(m) for m in [*own, *others] if m.pk in dated],
        links=links,
        dependencies=deps,
    )


def schedule_of(plan: Plan, measures: Iterable[Measure] | None = None) -> PlanSchedule:
    """Earliest and latest dates, slack and critical paths (schedule.compute). A measure runs
    from its start date to its deadline (期限); no end date is given to the computation, so the
    latest dates are taken against the finish of the last measure."""
    found = schedule_inputs(plan, measures)
    try:
        found.result = schedule.compute(found.tasks, found.links)
    except schedule.ScheduleError as refused:
        found.error = str(refused)
        return found
    for computed in found.result.tasks:
        measure = found.measures[computed.id]
        late = max(0, (computed.earliest_finish - measure.deadline).days)
        found.rows.append(ScheduleRow(measure, measure.pk in found.external, computed, late))
    return found


def what_if(
    plan: Plan, measure: Measure, days: int, found: PlanSchedule | None = None
) -> schedule.Impact:
    """What slipping `measure` by `days` days would move and which 期限 it would break.
    Changes nothing. `found` is the plan's schedule (schedule_of or schedule_inputs) when the
    caller has it already."""
    if found is None:
        found = schedule_inputs(plan)
    if measure.pk not in {t.id for t in found.tasks}:
        raise ServiceError(
            _("施策「%(title)s」は開始日か期限が未入力のため、工程に含まれていません。")
            % {"title": measure.title}
        )
    # Against its 期限 a measure is late as soon as it finishes after its planned finish.
    tasks = [
        schedule.Task(t.id, t.start, t.finish, deadline=t.finish, done=t.done, label=t.label)
        for t in found.tasks
    ]
    try:
        return schedule.what_if(tasks, found.links, measure.pk, days)
    except schedule.ScheduleError as refused:
        raise ServiceError(str(refused)) from refused


@transaction.atomic
def apply_slip(*, acting_user, plan: Plan, measure: Measure, days: int, reason: str) -> list:
    """Move the slipped measure and every measure the what-if moves to their new dates, with
    a log entry on each saying why. All or nothing."""
    check_change(acting_user, plan)  # the plan's staff: 原課担当 may not move others' dates
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("遅れを反映する理由を入力してください。"))
    if days <= 0:
        raise ServiceError(_("遅れの日数は1日以上で指定してください。"))
    impact = what_if(plan, measure, days)
    moved = Measure.objects.select_for_update().select_related("plan__organization")
    by_id = moved.in_bulk([m.id for m in impact.moves])
    for target in by_id.values():
        check_change(acting_user, target.plan)
    now = timezone.now()
    with audit.acting_as(acting_user):
        for move in impact.moves:
            target = by_id[move.id]
            comment = _(
                "「%(cause)s」の%(days)s日の遅れを反映し、日程を%(shift)s日後ろへ移しました"
                "(開始日 %(old_start)s→%(new_start)s、期限 %(old_end)s→%(new_end)s)。"
                "理由: %(reason)s"
            ) % {
                "cause": measure.title,
                "days": days,
                "shift": (move.new_finish - target.deadline).days,
                "old_start": wareki(target.start_date),
                "new_start": wareki(move.new_start),
                "old_end": wareki(target.deadline),
                "new_end": wareki(move.new_finish),
                "reason": reason,
            }
            target.start_date, target.deadline = move.new_start, move.new_finish
            target.save(update_fields=["start_date", "deadline"])
            MeasureUpdate.objects.create(
                measure=target,
                status=target.status,
                progress=target.progress,
                comment=comment,
                by=acting_user,
                at=now,
            )
    return impact.moves
