"""KPIs with targets, their actuals (versioned: a correction adds a version) and locked
reporting periods.

A KPI serves measures of the organization's plans (KpiMeasure rows) and nodes of its logic
models (LogicNodeKpi rows), so a KPI can serve both. Logic models (ロジックモデル) are at the end.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.models import AuditedModel, Department, Organization, TenantModel
from chiikidx.core.uploads import size_text

from . import status
from .choices import STATUS_STYLE, CostKind, Direction, Frequency, KpiKind, LogicStage
from .periods import Period, period_of

VALUE = {"max_digits": 18, "decimal_places": 4}


# MEDIA_ROOT/evidence (see core.uploads), beside the assessments' evidence: the files of
# actuals go under kpi/<organization code>/<KPI id>/. No URL, sent only by the download view.
evidence_storage = uploads.evidence_storage


def _evidence_storage():
    return evidence_storage


class Kpi(TenantModel):
    """重要業績評価指標: what is measured, how often, by whom, and the path to its targets."""

    code = models.CharField(_("番号"), max_length=20, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    definition = models.TextField(_("定義(何をどう数えるか)"), blank=True)
    unit = models.CharField(_("単位"), max_length=20, blank=True, help_text=_("例: 件、%、分"))
    kind = models.CharField(
        _("種類"), max_length=20, choices=KpiKind.choices, default=KpiKind.NUMERIC
    )
    direction = models.CharField(
        _("よい方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    data_source = models.CharField(
        _("データの出どころ"), max_length=300, blank=True, help_text=_("例: 電子申請システムの月報")
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("担当者"),
    )
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("担当部署"),
    )
    frequency = models.CharField(
        _("入力の頻度"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    baseline_value = models.DecimalField(_("基準値"), null=True, blank=True, **VALUE)
    baseline_date = models.DateField(_("基準日"), null=True, blank=True)
    at_risk_threshold = models.DecimalField(
        _("「注意」にする不足率(%)"),
        max_digits=6,
        decimal_places=2,
        default=status.DEFAULT_AT_RISK,
        validators=[MinValueValidator(Decimal(0))],
    )
    off_track_threshold = models.DecimalField(
        _("「遅れ」にする不足率(%)"),
        max_digits=6,
        decimal_places=2,
        default=status.DEFAULT_OFF_TRACK,
        validators=[MinValueValidator(Decimal(0))],
    )
    grace_days = models.PositiveSmallIntegerField(
        _("入力の猶予(日)"),
        default=status.DEFAULT_GRACE_DAYS,
        help_text=_("期間が終わってから何日以内に実績を入力するか"),
    )
    stall_periods = models.PositiveSmallIntegerField(
        _("「伸びていない」と判定する期間数"),
        default=status.DEFAULT_STALL_PERIODS,
        help_text=_("直近この期間数のあいだ伸びていなければ知らせます(0で判定しない)"),
    )
    is_active = models.BooleanField(_("使用中"), default=True)
    measures = models.ManyToManyField(
        "plans.Measure",
        blank=True,
        through="KpiMeasure",
        related_name="+",
        verbose_name=_("施策"),
    )

    # Actuals are recorded by the owner (担当者) and the 原課担当 of the owner department, besides
    # the organization's staff (see core.access); the definition is the staff's to change.
    department_scoped = True
    owner_scoped = True

    class Meta:
        ordering = ["organization", "code", "name", "pk"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPI")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(off_track_threshold__gte=models.F("at_risk_threshold")),
                name="kpi_thresholds_in_order",
                violation_error_message=_(
                    "「遅れ」にする不足率は「注意」にする不足率以上にしてください。"
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_value__isnull=True)
                | models.Q(baseline_date__isnull=False),
                name="kpi_baseline_has_date",
                violation_error_message=_("基準値には基準日も入力してください。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def department_id(self) -> int | None:
        return self.owner_department_id

    @property
    def is_milestone(self) -> bool:
        return self.kind == KpiKind.MILESTONE

    @property
    def unit_label(self) -> str:
        return "%" if self.kind == KpiKind.PERCENTAGE and not self.unit else self.unit

    def reporting_start(self) -> datetime.date:
        """The first day actuals are expected for: the day after the baseline, else the day
        the KPI was registered."""
        if self.baseline_date:
            return self.baseline_date + datetime.timedelta(days=1)
        created = self.created_at or timezone.now()
        return timezone.localdate(created)

    def period_of(self, day: datetime.date) -> Period:
        return period_of(self.frequency, day)


class KpiPart(AuditedModel):
    """Rows below a KPI follow its organization in access and audit."""

    audit_select_related = ("kpi__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.kpi.organization


class KpiTarget(KpiPart):
    """A target value on a date; a 年度 target is on the 年度's last day (3月31日)."""

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="targets", verbose_name=_("KPI")
    )
    target_date = models.DateField(_("目標の日"))
    fiscal_year = models.PositiveIntegerField(
        _("年度"), null=True, blank=True, help_text=_("年度末の目標として入力したとき")
    )
    value = models.DecimalField(_("目標値"), **VALUE)

    class Meta:
        ordering = ["kpi", "target_date"]
        verbose_name = _("KPIの目標")
        verbose_name_plural = _("KPIの目標")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "target_date"],
                name="kpi_target_one_per_date",
                violation_error_message=_("同じ日の目標がすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.target_date}: {self.value}"


class KpiMeasure(KpiPart):
    """A measure (施策) the KPI shows the result of; an audited row."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, verbose_name=_("KPI"))
    measure = models.ForeignKey(
        "plans.Measure", on_delete=models.CASCADE, related_name="+", verbose_name=_("施策")
    )

    class Meta:
        verbose_name = _("KPIと施策")
        verbose_name_plural = _("KPIと施策")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measure"], name="kpi_measure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kpi} / {self.measure}"


class KpiActual(KpiPart):
    """The actual of one period, one row per version: a correction adds a version and the
    earlier ones stay (is_current marks the one in force). An evidence file, when attached, is
    kept by later versions unless they attach another."""

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="actuals", verbose_name=_("KPI")
    )
    period_start = models.DateField(_("期間の初日"))
    period_end = models.DateField(_("期間の末日"))
    value = models.DecimalField(_("実績値"), **VALUE)
    comment = models.TextField(_("コメント"), blank=True)
    version = models.PositiveIntegerField(_("版"), default=1)
    is_current = models.BooleanField(_("最新の版"), default=True)
    source = models.CharField(_("入力の方法"), max_length=10, default="page")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("入力した人"),
    )
    recorded_at = models.DateTimeField(_("入力日時"), default=timezone.now)
    file = models.FileField(
        _("根拠資料"), storage=_evidence_storage, max_length=200, blank=True, default=""
    )
    file_name = models.CharField(_("ファイル名"), max_length=200, blank=True)
    file_type = models.CharField(_("ファイルの種類"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("ファイルのサイズ(バイト)"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["kpi", "period_start", "-version"]
        verbose_name = _("KPIの実績")
        verbose_name_plural = _("KPIの実績")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_start", "version"], name="kpi_actual_one_per_version"
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_start"],
                condition=models.Q(is_current=True),
                name="kpi_actual_one_current",
                violation_error_message=_("この期間の実績はすでにあります。修正してください。"),
            ),
        ]
        indexes = [models.Index(fields=["kpi", "is_current", "period_start"], name="kpi_actual")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period_start}〜{self.period_end}: {self.value}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, self.kpi.frequency)

    @property
    def file_size_text(self) -> str:
        return size_text(self.file_size or 0)


class PeriodLock(TenantModel):
    """A reporting period closed after review: no actual of a period inside it may change."""

    start = models.DateField(_("初日"))
    end = models.DateField(_("末日"))
    label = models.CharField(_("期間"), max_length=60)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    change_action = "manage"  # only the organization's admins lock and unlock

    class Meta:
        ordering = ["organization", "-start"]
        verbose_name = _("締めた報告期間")
        verbose_name_plural = _("締めた報告期間")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "start", "end"],
                name="period_lock_unique",
                violation_error_message=_("この期間はすでに締められています。"),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="period_lock_end_after_start",
                violation_error_message=_("末日は初日以降にしてください。"),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def covers(self, period: Period) -> bool:
        return self.start <= period.start and period.end <= self.end


def style_of(value: str) -> str:
    return STATUS_STYLE.get(value, "neutral")


# --- logic models ---------------------------------------------------------------------------


class LogicModel(TenantModel):
    """ロジックモデル: how a plan's (or one policy's) measures are expected to lead, stage by
    stage, to the vision. Its nodes and links are rows of their own (LogicNode, LogicLink)."""

    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("計画"),
    )
    policy = models.ForeignKey(
        "plans.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("基本方針"),
        help_text=_("計画の一部(基本方針)を説明するとき"),
    )

    class Meta:
        ordering = ["organization", "title", "pk"]
        verbose_name = _("ロジックモデル")
        verbose_name_plural = _("ロジックモデル")

    def __str__(self) -> str:
        return self.title


class LogicPart(AuditedModel):
    """Rows below a logic model follow its organization in access and audit."""

    audit_select_related = ("logic_model__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.logic_model.organization


class LogicNode(LogicPart):
    """A box of the logic model: 投入, 活動, 産出, 短期成果, 中期成果 or インパクト."""

    logic_model = models.ForeignKey(
        LogicModel, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("ロジックモデル")
    )
    stage = models.CharField(_("段階"), max_length=12, choices=LogicStage.choices)
    title = models.CharField(_("内容"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    measures = models.ManyToManyField(
        "plans.Measure",
        blank=True,
        through="LogicNodeMeasure",
        related_name="+",
        verbose_name=_("施策"),
    )
    kpis = models.ManyToManyField(
        Kpi, blank=True, through="LogicNodeKpi", related_name="+", verbose_name=_("KPI")
    )

    class Meta:
        ordering = ["logic_model", "order", "pk"]
        verbose_name = _("ロジックモデルのノード")
        verbose_name_plural = _("ロジックモデルのノード")

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.title}"


class LogicNodePart(AuditedModel):
    audit_select_related = ("node__logic_model__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.node.logic_model.organization


class LogicNodeMeasure(LogicNodePart):
    """A measure (施策) that carries out the node; an audited row."""

    node = models.ForeignKey(LogicNode, on_delete=models.CASCADE, verbose_name=_("ノード"))
    measure = models.ForeignKey(
        "plans.Measure", on_delete=models.CASCADE, related_name="+", verbose_name=_("施策")
    )

    class Meta:
        verbose_name = _("ノードと施策")
        verbose_name_plural = _("ノードと施策")
        constraints = [
            models.UniqueConstraint(fields=["node", "measure"], name="logic_node_measure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.node} / {self.measure}"


class LogicNodeKpi(LogicNodePart):
    """A KPI that shows whether the node is achieved; an audited row (a KPI may serve
    measures and nodes alike)."""

    node = models.ForeignKey(LogicNode, on_delete=models.CASCADE, verbose_name=_("ノード"))
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="+", verbose_name=_("KPI"))

    class Meta:
        verbose_name = _("ノードとKPI")
        verbose_name_plural = _("ノードとKPI")
        constraints = [
            models.UniqueConstraint(fields=["node", "kpi"], name="logic_node_kpi_unique")
        ]

    def __str__(self) -> str:
        return f"{self.node} / {self.kpi}"


class LogicLink(LogicPart):
    """An arrow from one node to another of the same model, to the same or a later stage,
    with the assumption (前提条件) it rests on and why it is believed (根拠)."""

    logic_model = models.ForeignKey(
        LogicModel, on_delete=models.CASCADE, related_name="links", verbose_name=_("ロジックモデル")
    )
    source = models.ForeignKey(
        LogicNode, on_delete=models.CASCADE, related_name="outgoing", verbose_name=_("上流のノード")
    )
    target = models.ForeignKey(
        LogicNode, on_delete=models.CASCADE, related_name="incoming", verbose_name=_("下流のノード")
    )
    assumption = models.TextField(_("前提条件"), blank=True)
    rationale = models.TextField(_("根拠"), blank=True)

    class Meta:
        ordering = ["logic_model", "pk"]
        verbose_name = _("ロジックモデルのつながり")
        verbose_name_plural = _("ロジックモデルのつながり")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target"],
                name="logic_link_unique",
                violation_error_message=_("このつながりはすでにあります。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="logic_link_not_to_itself",
                violation_error_message=_("同じノードどうしはつなげません。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.title} → {self.target.title}"


# --- cost-effectiveness (費用対効果) ------------------------------------------------------------

COUNT = {"max_digits": 12, "decimal_places": 0}
MINUTES = {"max_digits": 7, "decimal_places": 1}
YEN = {"max_digits": 15, "decimal_places": 0}
PERCENT = {"max_digits": 5, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal(0))]
A_SHARE = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
# 令和7年度 地域別最低賃金の全国加重平均額 (厚生労働省): a deliberately conservative value of an
# hour of a resident's time.
DEFAULT_TIME_VALUE = Decimal(1121)
# The social discount rate of the national government's public works evaluation (国土交通省
# 「公共事業評価の費用便益分析に関する技術指針」).
DEFAULT_DISCOUNT_RATE = Decimal(4)


class CostCase(TenantModel):
    """費用対効果の試算: what a measure (online applications, 書かない窓口, one-stop counters)
    saves residents and staff, against what it costs, per 年度 (monitoring.costs computes)."""

    measure = models.ForeignKey(
        "plans.Measure", on_delete=models.CASCADE, related_name="+", verbose_name=_("施策")
    )
    kind = models.CharField(
        _("種類"), max_length=12, choices=CostKind.choices, default=CostKind.ONLINE
    )
    procedure = models.CharField(
        _("手続の名称"), max_length=200, help_text=_("例: 住民票の写し等の交付申請")
    )
    note = models.TextField(
        _("前提と数字の出どころ"),
        blank=True,
        help_text=_("例: 件数は令和6年度の窓口統計、待ち時間は窓口の受付番号システムの平均"),
    )
    annual_procedures = models.DecimalField(
        _("年間の手続件数 N(件/年)"),
        validators=NOT_NEGATIVE,
        help_text=_("新しい方法に移せる手続の、1年間の件数(窓口・郵送・オンラインの合計)"),
        **COUNT,
    )
    travel_minutes = models.DecimalField(
        _("移動の時間・往復(分/件)"), default=Decimal(0), validators=NOT_NEGATIVE, **MINUTES
    )
    waiting_minutes = models.DecimalField(
        _("待ち時間(分/件)"), default=Decimal(0), validators=NOT_NEGATIVE, **MINUTES
    )
    filling_minutes = models.DecimalField(
        _("記入の時間(分/件)"), default=Decimal(0), validators=NOT_NEGATIVE, **MINUTES
    )
    travel_cost = models.DecimalField(
        _("交通費・往復(円/件)"), default=Decimal(0), validators=NOT_NEGATIVE, **YEN
    )
    postage = models.DecimalField(
        _("郵送料(円/件)"), default=Decimal(0), validators=NOT_NEGATIVE, **YEN
    )
    time_value = models.DecimalField(
        _("住民の時間価値(円/時)"),
        default=DEFAULT_TIME_VALUE,
        validators=NOT_NEGATIVE,
        help_text=_(
            "既定は1,121円/時(令和7年度 地域別最低賃金の全国加重平均額、厚生労働省)。"
            "住民の1時間を最低賃金で評価する、あえて控えめな値です。試算ごとに変えられます。"
        ),
        **YEN,
    )
    staff_minutes = models.DecimalField(
        _("職員の作業時間の削減(分/件)"),
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("窓口での対応・入力・審査などで、1件あたり減る職員の時間"),
        **MINUTES,
    )
    staff_hourly_cost = models.DecimalField(
        _("職員の人件費(円/時)"),
        validators=NOT_NEGATIVE,
        help_text=_(
            "1人あたりの年間人件費(給料・手当・共済費などの合計)÷ 年間の勤務時間で求めます"
            "(例: 7,000,000円 ÷ 1,880時間 ≈ 3,723円/時)。全国共通の値はないため、"
            "団体の決算や人件費の資料から入力してください。"
        ),
        **YEN,
    )
    initial_cost = models.DecimalField(
        _("初期費用(円)"),
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("導入の年度(期間の最初の年度)に計上します"),
        **YEN,
    )
    running_cost = models.DecimalField(
        _("運用費(円/年)"),
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("毎年度の利用料・保守費など"),
        **YEN,
    )
    discount_rate = models.DecimalField(
        _("割引率(%/年)"),
        default=DEFAULT_DISCOUNT_RATE,
        validators=A_SHARE,
        help_text=_(
            "将来の効果を今の価値に直す率。既定の4%は、国の公共事業評価の費用便益分析で"
            "使われている社会的割引率です。"
        ),
        **PERCENT,
    )
    first_fy = models.PositiveIntegerField(
        _("最初の年度"), null=True, blank=True, help_text=_("空欄なら計画の開始年度")
    )
    last_fy = models.PositiveIntegerField(
        _("最後の年度"), null=True, blank=True, help_text=_("空欄なら計画の終了年度")
    )
    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("実績に使うKPI"),
        help_text=_(
            "新しい方法で受け付けた件数を数えるKPI(件数(期間ごと)か件数(累計))。"
            "実績の件数で同じ計算をし、見込みと並べます。"
        ),
    )

    class Meta:
        ordering = ["organization", "procedure", "pk"]
        verbose_name = _("費用対効果の試算")
        verbose_name_plural = _("費用対効果の試算")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_fy__isnull=True)
                | models.Q(last_fy__isnull=True)
                | models.Q(last_fy__gte=models.F("first_fy")),
                name="cost_case_years_in_order",
                violation_error_message=_("最後の年度は最初の年度以降にしてください。"),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    annual_procedures__gte=0,
                    travel_minutes__gte=0,
                    waiting_minutes__gte=0,
                    filling_minutes__gte=0,
                    travel_cost__gte=0,
                    postage__gte=0,
                    time_value__gte=0,
                    staff_minutes__gte=0,
                    staff_hourly_cost__gte=0,
                    initial_cost__gte=0,
                    running_cost__gte=0,
                    discount_rate__gte=0,
                    discount_rate__lte=100,
                ),
                name="cost_case_values_not_negative",
                violation_error_message=_("件数・時間・金額・割引率は0以上で入力してください。"),
            ),
        ]

    def __str__(self) -> str:
        return self.procedure

    @property
    def years(self) -> range:
        """The 年度 of the calculation: the measure's plan period unless overridden."""
        plan = self.measure.plan
        return range(self.first_fy or plan.start_fy, (self.last_fy or plan.end_fy) + 1)


class CostAdoption(AuditedModel):
    """普及率: the share of the procedures moved to the new process in one 年度 (%), low ≤ base
    ≤ high."""

    case = models.ForeignKey(
        CostCase, on_delete=models.CASCADE, related_name="adoption", verbose_name=_("試算")
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    low = models.DecimalField(_("低位(%)"), validators=A_SHARE, **PERCENT)
    base = models.DecimalField(_("基準(%)"), validators=A_SHARE, **PERCENT)
    high = models.DecimalField(_("高位(%)"), validators=A_SHARE, **PERCENT)

    audit_select_related = ("case__organization",)

    class Meta:
        ordering = ["case", "fiscal_year"]
        verbose_name = _("費用対効果の普及率")
        verbose_name_plural = _("費用対効果の普及率")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "fiscal_year"],
                name="cost_adoption_one_per_year",
                violation_error_message=_("同じ年度の普及率がすでにあります。"),
            ),
            models.CheckConstraint(
                condition=models.Q(low__gte=0, low__lte=models.F("base"))
                & models.Q(base__lte=models.F("high"), high__lte=100),
                name="cost_adoption_in_order",
                violation_error_message=_(
                    "普及率は0〜100(%)で、低位 ≤ 基準 ≤ 高位 になるように入力してください。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.fiscal_year}"

    def audit_organization(self) -> Organization:
        return self.case.organization


# PDCA reviews live in their own module (monitoring.reviews); imported here for the app registry.
from .reviews.models import Review, ReviewFollowUp  # noqa: E402, F401
