"""DX推進計画: vision → policies (基本方針) → measures (施策) → actions (取組), with approvals."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.models import AuditedModel, Department, Organization, TenantModel
from chiikidx.core.uploads import size_text

from .choices import (
    STATUS_STYLE,
    DependencyKind,
    MeasureKind,
    MeasureStatus,
    PlanStatus,
    PocDecision,
    Priority,
    SourceKind,
    default_level_names,
)


class Plan(TenantModel):
    """A plan of an organization (a municipality, or a prefecture for wide-area plans)."""

    title = models.CharField(_("計画名"), max_length=200)
    vision = models.TextField(_("目指す地域像"), blank=True)
    start_fy = models.PositiveIntegerField(_("開始年度"))
    end_fy = models.PositiveIntegerField(_("終了年度"))
    sogo_keikaku = models.TextField(
        _("総合計画の該当項目"),
        blank=True,
        help_text=_("この計画が実現する総合計画の施策・項目を書きます。"),
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    level_names = models.JSONField(_("階層の名称"), default=default_level_names, blank=True)
    version = models.PositiveIntegerField(_("版"), default=1)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("改定前の版"),
    )

    class Meta:
        ordering = ["organization", "-start_fy", "title"]
        verbose_name = _("DX推進計画")
        verbose_name_plural = _("DX推進計画")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_fy__gte=models.F("start_fy")),
                name="plan_end_after_start",
                violation_error_message=_("終了年度は開始年度以降にしてください。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_superseded(self) -> bool:
        """A revised plan (改定前の版) is kept read-only; `revisions` is its newer version."""
        return self.next_version is not None

    @property
    def next_version(self):
        if not hasattr(self, "_next_version"):
            self._next_version = Plan.objects.filter(previous=self).first()
        return self._next_version

    def level(self, key: str) -> str:
        return (self.level_names or {}).get(key) or default_level_names()[key]

    @property
    def policy_label(self) -> str:
        return self.level("policy")

    @property
    def measure_label(self) -> str:
        return self.level("measure")

    @property
    def action_label(self) -> str:
        return self.level("action")


class PlanPart(AuditedModel):
    """Rows below a plan follow the plan's organization in access and audit."""

    audit_select_related = ("plan__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.plan.organization


# MEDIA_ROOT/minutes (see core.uploads): no URL, sent only by the download view.
minutes_storage = uploads.minutes_storage


def _minutes_storage():
    return minutes_storage


class PlanDecision(PlanPart):
    """One approval step of a plan: who decided, when, in which meeting, and its minutes (議事録)
    as a URL, an attached file (stored under a generated name; the client's name is kept for
    display and download only), or both."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("計画")
    )
    from_status = models.CharField(_("変更前の状態"), max_length=10, choices=PlanStatus.choices)
    to_status = models.CharField(_("変更後の状態"), max_length=10, choices=PlanStatus.choices)
    decided_on = models.DateField(_("決定日"))
    decided_by = models.CharField(_("決定した会議体・決裁者"), max_length=200)
    meeting = models.CharField(_("会議名"), max_length=200, blank=True)
    minutes_url = models.URLField(_("議事録のURL"), max_length=500, blank=True)
    minutes_file = models.FileField(
        _("議事録のファイル"), storage=_minutes_storage, max_length=200, blank=True
    )
    minutes_name = models.CharField(_("議事録のファイル名"), max_length=200, blank=True)
    minutes_content_type = models.CharField(_("議事録のファイルの種類"), max_length=100, blank=True)
    minutes_size = models.PositiveBigIntegerField(
        _("議事録のファイルのサイズ(バイト)"), null=True, blank=True
    )
    minutes_sha256 = models.CharField(_("議事録のファイルのSHA-256"), max_length=64, blank=True)
    note = models.TextField(_("備考"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("記録した人"),
    )
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)

    class Meta:
        ordering = ["plan", "decided_on", "recorded_at"]
        verbose_name = _("計画の決定")
        verbose_name_plural = _("計画の決定")

    def __str__(self) -> str:
        return f"{self.plan} {self.get_to_status_display()}"

    @property
    def minutes_size_text(self) -> str:
        return size_text(self.minutes_size or 0)


class Policy(PlanPart):
    """基本方針 (renameable per plan)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="policies", verbose_name=_("計画")
    )
    code = models.CharField(_("番号"), max_length=20, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("基本方針")
        verbose_name_plural = _("基本方針")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


@functools.cache
def _status_labels(language: str | None) -> dict[str, str]:
    """MeasureStatus labels in `language`, translated once per language."""
    with override(language):
        return {value: str(label) for value, label in MeasureStatus.choices}


class Measure(PlanPart):
    """施策: 誰が (owner), いつまでに (deadline), 何を (deliverable), どの水準まで (target)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="measures", verbose_name=_("計画")
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="measures", verbose_name=_("基本方針")
    )
    code = models.CharField(_("番号"), max_length=20, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("概要"), blank=True)
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="owned_measures",
        verbose_name=_("担当部署"),
    )
    responsible = models.CharField(_("担当者名"), max_length=100, blank=True)
    contributors = models.ManyToManyField(
        Department,
        blank=True,
        through="MeasureContributor",
        related_name="contributed_measures",
        verbose_name=_("協力部署"),
    )
    start_date = models.DateField(_("開始日"), null=True, blank=True)
    deadline = models.DateField(_("期限"), null=True, blank=True)
    deliverable = models.TextField(_("成果物(何を)"), blank=True)
    target_level = models.TextField(_("目標水準(どの水準まで)"), blank=True)
    weight = models.DecimalField(
        _("重み"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    priority = models.CharField(
        _("優先度"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    status = models.CharField(
        _("状況"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("進捗(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(
        _("種類"), max_length=10, choices=MeasureKind.choices, default=MeasureKind.NORMAL
    )
    hypothesis = models.TextField(_("仮説"), blank=True)
    success_criteria = models.TextField(_("成功基準"), blank=True)
    poc_start = models.DateField(_("実証の開始日"), null=True, blank=True)
    poc_end = models.DateField(_("実証の終了日"), null=True, blank=True)
    result = models.TextField(_("実証の結果"), blank=True)
    decision = models.CharField(
        _("実証後の判断"), max_length=10, choices=PocDecision.choices, blank=True
    )
    origin = models.PositiveBigIntegerField(
        _("最初の版の施策ID"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "改定で写した施策が、どの施策から続いているか(ベースラインとの比較に使います)。"
        ),
    )
    spawned_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ons",
        verbose_name=_("元になった実証"),
    )
    # The weak point a measure answers, e.g. "response:12:question:L1" of an assessment.
    source_kind = models.CharField(
        _("きっかけの種類"), max_length=20, choices=SourceKind.choices, blank=True
    )
    source_ref = models.CharField(_("きっかけ"), max_length=100, blank=True, db_index=True)

    # 原課担当 update the measures their department owns (see core.access).
    department_scoped = True

    class Meta:
        ordering = ["plan", "policy__order", "order", "pk"]
        verbose_name = _("施策")
        verbose_name_plural = _("施策")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="measure_progress_at_most_100",
                violation_error_message=_("進捗は0〜100の範囲で入力してください。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @property
    def department_id(self) -> int:
        return self.owner_department_id

    @property
    def status_style(self) -> str:
        return STATUS_STYLE.get(self.status, "neutral")

    def get_status_display(self) -> str:
        """Django's own re-translates every choice label on each call (hashing the lazy
        labels); tables and charts of hundreds of measures call it for every row."""
        return _status_labels(get_language()).get(self.status, self.status)

    @property
    def source_response_id(self) -> int | None:
        """The assessment response of a measure made from the report ("response:<id>:…")."""
        parts = self.source_ref.split(":")
        if self.source_kind != SourceKind.ASSESSMENT or parts[0] != "response":
            return None
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    @property
    def is_poc(self) -> bool:
        return self.kind == MeasureKind.POC

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        closed = self.status in (MeasureStatus.DONE, MeasureStatus.CANCELLED)
        return not closed and self.deadline is not None and self.deadline < today


class MeasurePart(AuditedModel):
    audit_select_related = ("measure__plan__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.measure.plan.organization


class MeasureContributor(MeasurePart):
    """A contributing department (協力部署); an audited row, so changes appear in the log."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, verbose_name=_("施策"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("部署")
    )

    class Meta:
        verbose_name = _("協力部署")
        verbose_name_plural = _("協力部署")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "department"], name="measure_contributor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} / {self.department}"


class MeasureBudget(MeasurePart):
    """Budget of a measure in one 年度 (integer yen)."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("施策")
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    planned_yen = models.PositiveBigIntegerField(_("予算額(円)"), default=0)
    actual_yen = models.PositiveBigIntegerField(_("決算額(円)"), null=True, blank=True)

    class Meta:
        ordering = ["measure", "fiscal_year"]
        verbose_name = _("施策の予算")
        verbose_name_plural = _("施策の予算")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "fiscal_year"],
                name="measure_budget_one_per_year",
                violation_error_message=_("同じ年度の予算がすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.fiscal_year}"


class MeasureUpdate(MeasurePart):
    """One entry of a measure's update log (status, progress and the comment given)."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="updates", verbose_name=_("施策")
    )
    status = models.CharField(_("状況"), max_length=12, choices=MeasureStatus.choices)
    progress = models.PositiveSmallIntegerField(_("進捗(%)"))
    comment = models.TextField(_("コメント"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("更新した人"),
    )
    at = models.DateTimeField(_("更新日時"), default=timezone.now)

    class Meta:
        ordering = ["measure", "-at", "-pk"]
        verbose_name = _("施策の更新記録")
        verbose_name_plural = _("施策の更新記録")

    def __str__(self) -> str:
        return f"{self.measure} {self.get_status_display()} {self.progress}%"

    @property
    def status_style(self) -> str:
        return STATUS_STYLE.get(self.status, "neutral")


class Action(MeasurePart):
    """取組・マイルストーン of a measure."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="actions", verbose_name=_("施策")
    )
    title = models.CharField(_("名称"), max_length=200)
    due_on = models.DateField(_("期日"), null=True, blank=True)
    done = models.BooleanField(_("完了"), default=False)

    class Meta:
        ordering = ["measure", "due_on", "pk"]
        verbose_name = _("取組")
        verbose_name_plural = _("取組")

    def __str__(self) -> str:
        return self.title


class Baseline(PlanPart):
    """A snapshot of a plan (ベースライン), e.g. at 議会承認, to compare later states against.

    `snapshot` holds the plan's fields and every policy and measure as they were (see
    `baselines.snapshot`), so a baseline never changes when the plan does."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="baselines", verbose_name=_("計画")
    )
    label = models.CharField(_("名称"), max_length=100)
    taken_at = models.DateTimeField(_("取得日時"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("取得した人"),
    )
    note = models.TextField(_("備考"), blank=True)
    snapshot = models.JSONField(_("内容"), default=dict)

    class Meta:
        ordering = ["plan", "taken_at", "pk"]
        verbose_name = _("ベースライン")
        verbose_name_plural = _("ベースライン")

    def __str__(self) -> str:
        return f"{self.plan} {self.label}"


class Dependency(AuditedModel):
    """The successor waits for the predecessor (終了→開始, 開始→開始 or 完了待ち), with a lag in
    days. Both measures belong to plans of the same organization; plans may differ."""

    predecessor = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="successor_links",
        verbose_name=_("先行施策"),
    )
    successor = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="predecessor_links",
        verbose_name=_("後続施策"),
    )
    kind = models.CharField(
        _("種類"), max_length=10, choices=DependencyKind.choices, default=DependencyKind.FS
    )
    lag_days = models.IntegerField(
        _("ずれ(日)"),
        default=0,
        help_text=_("終了→開始・開始→開始で、後続が始められるまでの日数。マイナスは重なりです。"),
    )
    note = models.CharField(_("メモ"), max_length=200, blank=True)

    # What a measure waits for is changed by the waiting measure's 原課担当 too (see core.access).
    department_scoped = True

    class Meta:
        ordering = ["successor", "predecessor"]
        verbose_name = _("依存関係")
        verbose_name_plural = _("依存関係")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="dependency_unique",
                violation_error_message=_("この2つの施策の依存関係はすでにあります。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="dependency_not_self",
                violation_error_message=_("施策は自分自身に依存できません。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="blocks") | models.Q(lag_days=0),
                name="dependency_blocks_without_lag",
                violation_error_message=_("完了待ちの依存関係には日数のずれを指定できません。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"

    audit_select_related = ("successor__plan__organization",)

    @property
    def department_id(self) -> int:
        """The owner department of the waiting measure (the successor)."""
        return self.successor.owner_department_id

    def audit_organization(self) -> Organization:
        return self.successor.plan.organization
