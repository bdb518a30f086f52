"""Frameworks (versioned: dimensions and questions), survey rounds, responses and scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.models import AuditedModel, Organization, TenantModel

from .choices import Disclosure, QuestionType, ResponseStatus, RoundStatus, VersionStatus


class Framework(TenantModel):
    """An indicator framework owned by a prefecture (a copy of a shipped one, or its own)."""

    code = models.CharField(_("コード"), max_length=60)
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    source = models.CharField(_("出典"), max_length=300, blank=True)
    based_on = models.CharField(_("元にした標準フレームワーク"), max_length=60, blank=True)

    class Meta:
        ordering = ["organization", "title"]
        verbose_name = _("評価フレームワーク")
        verbose_name_plural = _("評価フレームワーク")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="framework_unique_code_per_org",
                violation_error_message=_("同じコードのフレームワークがすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class FrameworkVersion(AuditedModel):
    """One version of a framework. Published versions are frozen; changes make a new version."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("フレームワーク"),
    )
    number = models.PositiveIntegerField(_("版"))
    status = models.CharField(
        _("状態"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    change_note = models.CharField(_("変更内容"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公開した人"),
    )
    validations = models.JSONField(_("設問間のチェック"), default=list, blank=True)

    class Meta:
        ordering = ["framework", "-number"]
        verbose_name = _("フレームワークの版")
        verbose_name_plural = _("フレームワークの版")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"],
                name="framework_version_unique_number",
                violation_error_message=_("同じ番号の版がすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework.title} 第{self.number}版"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    audit_select_related = ("framework__organization",)

    def audit_organization(self) -> Organization:
        return self.framework.organization


class VersionPart(AuditedModel):
    """Dimensions and questions belong to one version and follow its organization."""

    code = models.CharField(_("コード"), max_length=60)
    order = models.PositiveIntegerField(_("順序"), default=0)
    weight = models.DecimalField(_("重み"), max_digits=8, decimal_places=3, default=1)

    audit_select_related = ("version__framework__organization",)

    class Meta:
        abstract = True

    def audit_organization(self) -> Organization:
        return self.version.framework.organization


class Dimension(VersionPart):
    """A dimension (観点) of the framework: a tree of at most three levels."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="dimensions", verbose_name=_("版")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位の観点"),
    )
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    depth = models.PositiveSmallIntegerField(_("階層"), default=1)

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("観点")
        verbose_name_plural = _("観点")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="dimension_unique_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Question(VersionPart):
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="questions", verbose_name=_("版")
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="questions", verbose_name=_("観点")
    )
    text = models.CharField(_("設問"), max_length=300)
    help = models.TextField(_("補足"), blank=True)
    type = models.CharField(_("種類"), max_length=12, choices=QuestionType.choices)
    required = models.BooleanField(_("必須"), default=True)
    config = models.JSONField(_("設定"), default=dict, blank=True)

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("設問")
        verbose_name_plural = _("設問")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="question_unique_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Round(TenantModel):
    """A survey round: a published framework version sent by a prefecture to municipalities."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("版")
    )
    title = models.CharField(_("名称"), max_length=200)
    fiscal_year = models.PositiveIntegerField(_("年度"))
    opens_on = models.DateField(_("受付開始日"))
    due_on = models.DateField(_("提出期限"))
    status = models.CharField(
        _("状態"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    note = models.TextField(_("依頼文"), blank=True)
    status_reason = models.CharField(_("締切・中止の理由"), max_length=300, blank=True)

    class Meta:
        ordering = ["organization", "-opens_on"]
        verbose_name = _("調査回")
        verbose_name_plural = _("調査回")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("opens_on")),
                name="round_due_after_opening",
                violation_error_message=_("提出期限は受付開始日以降にしてください。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_upcoming(self) -> bool:
        return timezone.localdate() < self.opens_on

    @property
    def is_answerable(self) -> bool:
        return self.status == RoundStatus.OPEN and not self.is_upcoming


class PrefectureSettings(TenantModel):
    """A prefecture's settings for its assessments: one row per prefecture, made on first save."""

    disclosure = models.CharField(
        _("市町村どうしの結果の公開"),
        max_length=10,
        choices=Disclosure.choices,
        default=Disclosure.NAMES,
        help_text=_(
            "市町村が互いの結果をどこまで見られるか。すべての調査回に適用されます。"
            "県DX推進課の職員(管理者・職員)は常にすべて見られます。"
        ),
    )

    class Meta:
        verbose_name = _("アセスメントの設定")
        verbose_name_plural = _("アセスメントの設定")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="settings_one_per_prefecture")
        ]

    def __str__(self) -> str:
        return f"{self.organization} のアセスメント設定"


class Response(TenantModel):
    """One municipality's answers to one round (organization = the municipality)."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="responses", verbose_name=_("調査回")
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    review_comment = models.TextField(_("県からのコメント"), blank=True)
    overall_score = models.DecimalField(
        _("総合スコア"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["round", "organization__code"]
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization"],
                name="response_one_per_org_and_round",
                violation_error_message=_("この団体の回答はすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} / {self.organization}"


class Answer(AuditedModel):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("回答")
    )
    question_code = models.CharField(_("設問コード"), max_length=60)
    value = models.JSONField(_("回答値"), null=True, blank=True)
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        ordering = ["response", "question_code"]
        verbose_name = _("設問への回答")
        verbose_name_plural = _("設問への回答")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_code"], name="answer_one_per_question"
            )
        ]

    audit_select_related = ("response__organization",)

    def __str__(self) -> str:
        return f"{self.question_code}: {self.value}"

    def audit_organization(self) -> Organization:
        return self.response.organization


# MEDIA_ROOT/evidence (see core.uploads): no URL, sent only by the download view.
evidence_storage = uploads.evidence_storage


def _evidence_storage():
    return evidence_storage


class EvidenceFile(AuditedModel):
    """A file attached as evidence (根拠資料) to an evidence question of a response.

    The stored name is generated (organization/response/random); the client's file name is kept
    for display and download only, never used as a path."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="evidence_files", verbose_name=_("回答")
    )
    question_code = models.CharField(_("設問コード"), max_length=60)
    file = models.FileField(_("ファイル"), storage=_evidence_storage, max_length=200)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ(バイト)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録した人"),
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        ordering = ["response", "question_code", "uploaded_at", "pk"]
        verbose_name = _("根拠資料ファイル")
        verbose_name_plural = _("根拠資料ファイル")
        indexes = [models.Index(fields=["response", "question_code"], name="evidence_by_question")]

    def __str__(self) -> str:
        return f"{self.question_code}: {self.original_name}"

    @property
    def size_text(self) -> str:
        from .evidence import size_text

        return size_text(self.size)

    audit_select_related = ("response__organization",)

    def audit_organization(self) -> Organization:
        return self.response.organization


class DimensionScore(models.Model):
    """Derived from answers when a response is submitted (not audited: recomputable)."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="scores", verbose_name=_("回答")
    )
    dimension_code = models.CharField(_("観点コード"), max_length=60)
    score = models.DecimalField(_("スコア"), max_digits=6, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("観点別スコア")
        verbose_name_plural = _("観点別スコア")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "dimension_code"], name="score_one_per_dimension"
            )
        ]
        indexes = [models.Index(fields=["dimension_code", "score"], name="score_dimension_value")]

    def __str__(self) -> str:
        return f"{self.dimension_code}: {self.score}"
