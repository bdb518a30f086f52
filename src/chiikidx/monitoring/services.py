"""Writes of the monitoring app: atomic, with the acting user, audited through the models.

KPI definitions are changed by the organization's staff; actuals are recorded by them, by the
KPI's owner (担当者) and by the 原課担当 of its owner department (core.access decides). The
browser, the import and the API all go through `check_actual` and `record_actual`, so they
accept and refuse the same values with the same messages.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import access, audit, uploads
from chiikidx.core.models import Membership
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Measure

from . import bulk
from .choices import COUNT_KINDS, KpiKind
from .models import Kpi, KpiActual, KpiMeasure, KpiTarget, PeriodLock
from .periods import Period

KPI_FIELDS = (
    "code",
    "name",
    "definition",
    "unit",
    "kind",
    "direction",
    "data_source",
    "owner_user",
    "owner_department",
    "frequency",
    "baseline_value",
    "baseline_date",
    "at_risk_threshold",
    "off_track_threshold",
    "grace_days",
    "stall_periods",
    "is_active",
)
VALUE_LIMIT = Decimal(10) ** 14
VALUE_PLACES = 4


@dataclass(frozen=True)
class TargetInput:
    """A target: on a date, or at the end of a 年度 (then `fiscal_year` is set)."""

    date: datetime.date
    value: Decimal
    fiscal_year: int | None = None


# --- KPIs -----------------------------------------------------------------------------------


def check_definition_right(user, organization) -> None:
    if not access.can(user, "change", organization):
        raise ServiceError(_("この団体のKPIを登録・変更する権限がありません。"))


@transaction.atomic
def save_kpi(
    *,
    acting_user,
    organization,
    kpi: Kpi | None = None,
    measures: Iterable[Measure] | None = None,
    targets: Iterable[TargetInput] | None = None,
    **fields,
) -> Kpi:
    """Create or change a KPI, its measures and its targets (all or nothing)."""
    check_definition_right(acting_user, organization)
    kpi = kpi or Kpi(organization=organization)
    if kpi.organization_id != organization.pk:
        raise ServiceError(_("このKPIは別の団体のものです。"))
    stored = Kpi.objects.filter(pk=kpi.pk).values("kind", "frequency").first() if kpi.pk else None
    for name in KPI_FIELDS:
        if name in fields:
            setattr(kpi, name, fields[name])
    _check_kpi(kpi, stored)
    targets = list(targets) if targets is not None else None
    if targets is not None:
        _check_targets(kpi, targets)
    with audit.acting_as(acting_user):
        if kpi.is_milestone:
            kpi.baseline_value = Decimal(0) if kpi.baseline_date else None
        kpi.save()
        if measures is not None:
            _set_measures(kpi, list(measures))
        if targets is not None:
            _set_targets(kpi, targets)
    return kpi


@transaction.atomic
def delete_kpi(*, acting_user, kpi: Kpi) -> None:
    """Only a KPI without actuals: one with history is set aside (使用中 off) instead."""
    check_definition_right(acting_user, kpi.organization)
    if KpiActual.objects.filter(kpi=kpi).exists():
        raise ServiceError(
            _("実績のあるKPIは削除できません。使わなくなったときは「使用中」を外してください。")
        )
    with audit.acting_as(acting_user):
        kpi.delete()


def _check_kpi(kpi: Kpi, stored: dict | None) -> None:
    kpi.name = (kpi.name or "").strip()
    if not kpi.name:
        raise ServiceError(_("KPIの名称を入力してください。"))
    changed = stored and (stored["kind"], stored["frequency"]) != (kpi.kind, kpi.frequency)
    if changed and KpiActual.objects.filter(kpi=kpi).exists():
        raise ServiceError(
            _(
                "実績が入力されたKPIの種類と入力の頻度は変えられません。"
                "変える必要があるときは、新しいKPIを登録し、このKPIは「使用中」を外してください。"
            )
        )
    department = kpi.owner_department
    if department is not None and department.organization_id != kpi.organization_id:
        raise ServiceError(_("担当部署はこの団体の部署から選んでください。"))
    if kpi.owner_user_id and not _is_member(kpi.owner_user_id, kpi.organization_id):
        raise ServiceError(_("担当者はこの団体の職員(有効な所属のある人)から選んでください。"))
    if kpi.off_track_threshold < kpi.at_risk_threshold:
        raise ServiceError(_("「遅れ」にする不足率は「注意」にする不足率以上にしてください。"))
    if kpi.baseline_value is not None and kpi.baseline_date is None:
        raise ServiceError(_("基準値には基準日も入力してください(例: 令和7年3月31日)。"))
    if kpi.baseline_value is not None and not kpi.is_milestone:
        problem = value_problem(kpi, kpi.baseline_value)
        if problem:
            raise ServiceError(_("基準値: %(p)s") % {"p": problem})


def _is_member(user_id: int, organization_id: int) -> bool:
    return Membership.objects.filter(
        user_id=user_id, organization_id=organization_id, is_active=True
    ).exists()


def _check_targets(kpi: Kpi, targets: list[TargetInput]) -> None:
    seen: set[datetime.date] = set()
    for target in targets:
        if target.date in seen:
            raise ServiceError(
                _("同じ日(%(d)s)の目標が2つあります。1つにしてください。") % {"d": target.date}
            )
        seen.add(target.date)
        if kpi.baseline_date and target.date <= kpi.baseline_date:
            raise ServiceError(_("目標の日は基準日より後にしてください。"))
        if not kpi.is_milestone:
            problem = value_problem(kpi, target.value)
            if problem:
                raise ServiceError(_("目標値: %(p)s") % {"p": problem})
    if kpi.is_milestone and len(targets) > 1:
        raise ServiceError(_("達成・未達成のKPIの目標(達成する日)は1つだけ入力してください。"))


def _set_measures(kpi: Kpi, measures: list[Measure]) -> None:
    if any(m.plan.organization_id != kpi.organization_id for m in measures):
        raise ServiceError(_("施策はこの団体の計画のものから選んでください。"))
    set_rows(KpiMeasure, "kpi", kpi, "measure_id", {m.pk for m in measures})


def set_rows(model, owner_field: str, owner, field: str, wanted: set[int]) -> None:
    """Make `owner`'s link rows (e.g. a KPI's KpiMeasure) point at exactly the ids `wanted`:
    delete the others, add the missing ones (each change audited by the model)."""
    rows = model.objects.filter(**{owner_field: owner})
    rows.exclude(**{f"{field}__in": wanted}).delete()
    existing = set(rows.values_list(field, flat=True))
    model.objects.bulk_create(
        model(**{owner_field: owner, field: pk}) for pk in sorted(wanted - existing)
    )


def _set_targets(kpi: Kpi, targets: list[TargetInput]) -> None:
    stored = {t.target_date: t for t in KpiTarget.objects.filter(kpi=kpi)}
    for given in targets:
        value = Decimal(1) if kpi.is_milestone else given.value
        target = stored.pop(given.date, None) or KpiTarget(kpi=kpi, target_date=given.date)
        if target.pk is None or (target.value, target.fiscal_year) != (value, given.fiscal_year):
            target.value, target.fiscal_year = value, given.fiscal_year
            target.save()
    for target in stored.values():
        target.delete()


# --- actuals --------------------------------------------------------------------------------


def can_record(user, kpi: Kpi) -> bool:
    """The organization's staff, the KPI's owner and its department's 原課担当."""
    return access.can(user, "change", kpi)


def value_problem(kpi: Kpi, value: Decimal) -> str | None:
    """What is wrong with `value` for this KPI's kind (None: acceptable)."""
    if kpi.kind == KpiKind.MILESTONE:
        if value not in (0, 1):
            return _("達成なら「はい」(1)、未達成なら「いいえ」(0)を入力してください。")
        return None
    if kpi.kind in COUNT_KINDS and (value < 0 or value != value.to_integral_value()):
        return _("件数は0以上の整数で入力してください。")
    if kpi.kind == KpiKind.PERCENTAGE and not 0 <= value <= 100:
        return _("割合は0〜100の範囲で入力してください(%は付けても付けなくてもかまいません)。")
    if abs(value) >= VALUE_LIMIT:
        return _("値が大きすぎます。単位(千件、百万円など)を見直してください。")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > VALUE_PLACES:
        return _("小数点以下は4桁までで入力してください。")
    return None


def lock_of(organization_id: int, period: Period, locks: Iterable[PeriodLock] | None = None):
    """The lock that closes `period`, if any."""
    if locks is None:
        locks = PeriodLock.objects.filter(
            organization_id=organization_id, start__lte=period.start, end__gte=period.end
        )
    return next((lock for lock in locks if lock.covers(period)), None)


def locked_message(period: Period, lock: PeriodLock) -> str:
    return _(
        "%(period)s は報告期間「%(lock)s」が締められているため、実績を入力・修正できません。"
        "修正が必要なときは、団体の管理者に締めの解除を依頼してください。"
    ) % {"period": period.label, "lock": lock.label}


def check_actual(
    kpi: Kpi,
    period: Period,
    value: Decimal,
    *,
    today: datetime.date,
    lock: PeriodLock | None = None,
    neighbours: tuple | None = None,
) -> str | None:
    """Why this actual cannot be recorded (None: it can). `neighbours`: the current values of
    the periods just before and after (for cumulative counts), when already known."""
    if period.frequency != kpi.frequency:
        return _("期間の長さがこのKPIの入力の頻度と合いません。")
    if period.start > today:
        return _("%(period)s はまだ始まっていない期間です。始まってから入力してください。") % {
            "period": period.label
        }
    if lock is not None:
        return locked_message(period, lock)
    problem = value_problem(kpi, value)
    if problem:
        return problem
    if kpi.kind == KpiKind.COUNT_CUMULATIVE:
        before, after = neighbours if neighbours is not None else _neighbours(kpi, period)
        return cumulative_problem(value, before, after)
    return None


def _neighbours(kpi: Kpi, period: Period) -> tuple:
    current = KpiActual.objects.filter(kpi=kpi, is_current=True)
    before = current.filter(period_start__lt=period.start).order_by("-period_start").first()
    after = current.filter(period_start__gt=period.start).order_by("period_start").first()
    return (
        (before.period, before.value) if before else None,
        (after.period, after.value) if after else None,
    )


def cumulative_problem(value: Decimal, before, after) -> str | None:
    """A cumulative count never goes down: not below the period before, not above the next."""
    if before is not None and value < before[1]:
        return _(
            "累計の件数は、前の期間(%(period)s: %(value)s)より小さくできません。"
            "前の期間の値が誤っているときは、先にそちらを修正してください。"
        ) % {"period": before[0].label, "value": number_text(before[1])}
    if after is not None and value > after[1]:
        return _(
            "累計の件数は、次の期間(%(period)s: %(value)s)より大きくできません。"
            "次の期間の値が誤っているときは、先にそちらを修正してください。"
        ) % {"period": after[0].label, "value": number_text(after[1])}
    return None


def number_text(value: Decimal) -> str:
    return f"{value.normalize():,f}"


@dataclass
class Recorded:
    actual: KpiActual
    change: str  # "created" (a first value), "corrected" (a new version) or "unchanged"


@transaction.atomic
def record_actual(
    *,
    acting_user,
    kpi: Kpi,
    period: Period,
    value: Decimal,
    comment: str = "",
    upload=None,
    source: str = "page",
    today: datetime.date | None = None,
) -> Recorded:
    """Record the actual of a period; a period already recorded gets a new version (the old
    one stays in the history). Same value and comment, and no file: nothing changes."""
    if not can_record(acting_user, kpi):
        raise ServiceError(
            _("このKPIの実績を入力できるのは、担当者、担当部署の職員と団体の管理者・職員だけです。")
        )
    kpi = Kpi.objects.select_for_update().select_related("organization").get(pk=kpi.pk)
    today = today or timezone.localdate()
    lock = lock_of(kpi.organization_id, period)
    problem = check_actual(kpi, period, value, today=today, lock=lock)
    if problem:
        raise ServiceError(problem)
    comment = (comment or "").strip()
    current = KpiActual.objects.filter(kpi=kpi, period_start=period.start, is_current=True).first()
    if current and current.value == value and current.comment == comment and upload is None:
        return Recorded(current, "unchanged")
    attached = _checked_upload(upload)
    actual = KpiActual(
        kpi=kpi,
        period_start=period.start,
        period_end=period.end,
        value=value,
        comment=comment,
        version=current.version + 1 if current else 1,
        source=source,
        recorded_by=acting_user,
        recorded_at=timezone.now(),
    )
    if current is not None and upload is None:
        _carry_file(current, actual)
    with audit.acting_as(acting_user):
        if current is not None:
            current.is_current = False
            current.save(update_fields=["is_current"])
        _save_with_file(actual, upload, attached)
    return Recorded(actual, "corrected" if current else "created")


def _checked_upload(upload) -> tuple[str, str] | None:
    if upload is None:
        return None
    try:
        return uploads.check_upload(upload)
    except uploads.UploadRefused as refused:
        raise ServiceError(str(refused)) from refused


def _carry_file(previous: KpiActual, actual: KpiActual) -> None:
    actual.file = previous.file.name
    actual.file_name, actual.file_type = previous.file_name, previous.file_type
    actual.file_size, actual.file_sha256 = previous.file_size, previous.file_sha256


def _save_with_file(actual: KpiActual, upload, attached) -> None:
    if upload is None:
        actual.save()
        return
    actual.file_name, actual.file_type = attached
    actual.file_size, actual.file_sha256 = upload.size, uploads.sha256_of(upload)
    name = uploads.stored_name("kpi", actual.kpi.organization.code, actual.kpi_id)
    uploads.save_with_file(actual.file, name, upload, actual.save)


@dataclass
class PlannedActual:
    """One checked row of an import: the period's new value (or nothing to change)."""

    kpi: Kpi
    period: Period
    value: Decimal
    comment: str
    current: KpiActual | None


@transaction.atomic
def apply_actuals(
    *, acting_user, organization, planned: list[PlannedActual], source: str
) -> dict[str, int]:
    """Write checked rows of `organization`'s KPIs together: the versions they replace are set
    aside and the new versions inserted with one statement each, whatever the number of rows,
    every row audited (monitoring.bulk). The rows must have been checked by `check_actual`, and
    their current versions read after the KPIs were locked."""
    changed = [
        p
        for p in planned
        if p.current is None or (p.current.value, p.current.comment) != (p.value, p.comment)
    ]
    counts = {"created": 0, "corrected": 0, "unchanged": len(planned) - len(changed)}
    now, make = timezone.now(), bulk.actual_maker()
    rows = []
    for p in changed:
        actual = make(
            p.kpi,
            period_start=p.period.start,
            period_end=p.period.end,
            value=p.value,
            comment=p.comment,
            version=p.current.version + 1 if p.current else 1,
            source=source,
            recorded_by_id=acting_user.pk,
            recorded_at=now,
        )
        if p.current is not None:
            _carry_file(p.current, actual)
        rows.append(actual)
        counts["corrected" if p.current else "created"] += 1
    superseded = [p.current for p in changed if p.current is not None]
    with audit.acting_as(acting_user):
        bulk.write(organization, superseded, rows)
    return counts


# --- reporting period locks -----------------------------------------------------------------


@transaction.atomic
def lock_period(*, acting_user, organization, period: Period, note: str = "") -> PeriodLock:
    """Close a reporting period after review (団体の管理者): its actuals can no longer change."""
    if not access.can(acting_user, "manage", organization):
        raise ServiceError(_("報告期間を締められるのは団体の管理者だけです。"))
    if PeriodLock.objects.filter(
        organization=organization, start=period.start, end=period.end
    ).exists():
        raise ServiceError(_("%(p)s はすでに締められています。") % {"p": period.label})
    if period.start > timezone.localdate():
        raise ServiceError(_("まだ始まっていない期間は締められません。"))
    with audit.acting_as(acting_user):
        return PeriodLock.objects.create(
            organization=organization,
            start=period.start,
            end=period.end,
            label=period.label,
            note=(note or "").strip()[:200],
        )


@transaction.atomic
def unlock_period(*, acting_user, lock: PeriodLock) -> None:
    if not access.can(acting_user, "manage", lock.organization):
        raise ServiceError(_("締めを解除できるのは団体の管理者だけです。"))
    with audit.acting_as(acting_user):
        lock.delete()
