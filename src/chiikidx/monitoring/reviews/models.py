"""A PDCA review (振り返り) of a plan, a 基本方針 or a 施策 for one period, and its follow-ups.

The Plan and Do sections are read live from plans and monitoring while the review is a draft,
and frozen into `plan_snapshot` and `do_snapshot` when it is signed off (承認), so a signed-off
review does not change when the plan or the actuals change later.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chiikidx.core.japanese import nendo_label
from chiikidx.core.models import AuditedModel, Department, Organization, TenantModel

from ..periods import HALF_NAMES, Period
from .choices import (
    ASSESSMENT_STYLE,
    FOLLOW_UP_STYLE,
    OPEN_FOLLOW_UP,
    STATUS_STYLE,
    Assessment,
    Direction,
    FollowUpStatus,
    PeriodKind,
    ReviewStatus,
    ScopeKind,
)


def period_label(period: Period) -> str:
    """令和8年度 第2四半期, 令和8年度 上期, 令和8年度."""
    fy = nendo_label(period.fiscal_year)
    if period.frequency == PeriodKind.QUARTERLY:
        return f"{fy} 第{period.index}四半期"
    if period.frequency == PeriodKind.HALF_YEARLY:
        return f"{fy} {HALF_NAMES[period.index - 1]}"
    return fy


def period_months(period: Period) -> str:
    """7〜9月 (a 年度: 4〜3月)."""
    return f"{period.start.month}〜{period.end.month}月"


_ONE_SCOPE = (
    models.Q(plan__isnull=False, policy__isnull=True, measure__isnull=True)
    | models.Q(plan__isnull=True, policy__isnull=False, measure__isnull=True)
    | models.Q(plan__isnull=True, policy__isnull=True, measure__isnull=False)
)


class Review(TenantModel):
    """振り返り: one period of a plan, a 基本方針 or a 施策 (exactly one of the three)."""

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
    )
    measure = models.ForeignKey(
        "plans.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("施策"),
    )
    period_kind = models.CharField(_("期間の種類"), max_length=12, choices=PeriodKind.choices)
    period_start = models.DateField(_("期間の初日"))
    period_end = models.DateField(_("期間の末日"))
    held_on = models.DateField(_("開催日"), null=True, blank=True)
    participants = models.TextField(_("参加者"), blank=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認した人"),
    )
    signed_off_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認を取り消した人"),
    )
    reopened_at = models.DateTimeField(_("承認の取消日時"), null=True, blank=True)
    reopen_reason = models.TextField(_("承認を取り消した理由"), blank=True)
    plan_snapshot = models.JSONField(_("計画(Plan)の内容"), default=dict, blank=True)
    do_snapshot = models.JSONField(_("実行(Do)の内容"), default=dict, blank=True)
    assessment = models.CharField(
        _("総合評価"), max_length=12, choices=Assessment.choices, blank=True
    )
    assessment_text = models.TextField(_("評価"), blank=True)
    kpi_remarks = models.JSONField(_("KPIごとの所見"), default=dict, blank=True)
    decisions = models.TextField(_("決定事項"), blank=True)
    direction = models.CharField(
        _("今後の方向"), max_length=10, choices=Direction.choices, blank=True
    )

    class Meta:
        ordering = ["organization", "-period_start", "pk"]
        verbose_name = _("振り返り")
        verbose_name_plural = _("振り返り")
        constraints = [
            models.CheckConstraint(
                condition=_ONE_SCOPE,
                name="review_exactly_one_scope",
                violation_error_message=_(
                    "振り返りの対象は、計画・基本方針・施策のどれか1つにしてください。"
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="review_period_end_after_start",
                violation_error_message=_("期間の末日は初日以降にしてください。"),
            ),
            *[
                models.UniqueConstraint(
                    fields=[scope, "period_kind", "period_start"],
                    condition=models.Q(**{f"{scope}__isnull": False}),
                    name=f"review_one_per_{scope}_period",
                    violation_error_message=_("この対象と期間の振り返りはすでにあります。"),
                )
                for scope in ("plan", "policy", "measure")
            ],
        ]
        indexes = [models.Index(fields=["organization", "status"], name="review_org_status")]

    def __str__(self) -> str:
        return f"{self.period_label} {self.scope_title}"

    # --- scope ---------------------------------------------------------------------------

    @property
    def scope_kind(self) -> str:
        if self.measure_id:
            return ScopeKind.MEASURE
        if self.policy_id:
            return ScopeKind.POLICY
        return ScopeKind.PLAN

    @property
    def scope_kind_label(self) -> str:
        return str(ScopeKind(self.scope_kind).label)

    @property
    def scope(self):
        return self.measure or self.policy or self.plan

    @property
    def scope_plan(self):
        """The plan the scope belongs to."""
        if self.measure_id:
            return self.measure.plan
        if self.policy_id:
            return self.policy.plan
        return self.plan

    @property
    def scope_title(self) -> str:
        scope = self.scope
        if self.scope_kind == ScopeKind.PLAN:
            return scope.title
        return f"{scope.code} {scope.title}".strip()

    # --- period --------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, self.period_kind)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def period_months(self) -> str:
        return period_months(self.period)

    # --- status --------------------------------------------------------------------------

    @property
    def is_signed_off(self) -> bool:
        return self.status == ReviewStatus.SIGNED_OFF

    @property
    def status_style(self) -> str:
        return STATUS_STYLE.get(self.status, "neutral")

    @property
    def assessment_style(self) -> str:
        return ASSESSMENT_STYLE.get(self.assessment, "neutral")


class ReviewPart(AuditedModel):
    """Rows below a review follow its organization in access and audit."""

    audit_select_related = ("review__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.review.organization


class ReviewFollowUp(ReviewPart):
    """A follow-up item decided in a review's Act: who does what by when, and how it ended.

    Its owner (担当者) and the 原課担当 of its owner department update its status, besides the
    organization's staff (core.access: owner_scoped, department_scoped)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("振り返り")
    )
    title = models.CharField(_("内容"), max_length=200)
    detail = models.TextField(_("詳細"), blank=True)
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
    due_on = models.DateField(_("期限"))
    status = models.CharField(
        _("状況"),
        max_length=12,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.NOT_STARTED,
    )
    closed_on = models.DateField(_("完了・取りやめの日"), null=True, blank=True)
    note = models.TextField(_("対応の記録"), blank=True)
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("繰越元"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    department_scoped = True
    owner_scoped = True

    class Meta:
        ordering = ["review", "due_on", "pk"]
        verbose_name = _("振り返りのフォローアップ")
        verbose_name_plural = _("振り返りのフォローアップ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_user__isnull=False)
                | models.Q(owner_department__isnull=False),
                name="review_follow_up_has_owner",
                violation_error_message=_("フォローアップには担当者か担当部署を決めてください。"),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="review_follow_up_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def department_id(self) -> int | None:
        return self.owner_department_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FOLLOW_UP

    @property
    def status_style(self) -> str:
        return FOLLOW_UP_STYLE.get(self.status, "neutral")

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def owner_label(self) -> str:
        user = self.owner_user
        name = f"{user.last_name} {user.first_name}".strip() if user else ""
        if self.owner_department_id and name:
            return f"{name}({self.owner_department.name})"
        return name or (self.owner_department.name if self.owner_department_id else "")
