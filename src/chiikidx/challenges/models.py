"""課題 (challenges), the dialogue records they come from, the process inventory, and the
prefecture's groups of common issues.

Privacy (issue: "the prefecture sees an issue only once the municipality shares or escalates
it"): a challenge declares `member_private`, so `core.access` shows it outside its own
organization's members only once `shared_at` is set. Dialogue records and processes follow the
ordinary rules (the prefecture's DX推進課 and assigned liaisons see them).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.models import AuditedModel, Department, Organization, TenantModel

from .choices import (
    DEFAULT_FIELDS,
    ChallengeStatus,
    DialogueKind,
    InitiativeKind,
    Medium,
    Performer,
    Scope,
    SourceKind,
    StepType,
    Timing,
)

attachment_storage = uploads.PrivateStorage("dialogue")


def _attachment_storage():
    return attachment_storage


def default_fields() -> list[str]:
    return list(DEFAULT_FIELDS)


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


def _score_check(name: str):
    return models.CheckConstraint(
        condition=models.Q(**{f"{name}__isnull": True})
        | models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
        name=f"challenge_{name}_1_to_5",
        violation_error_message=_("点数は1から5の整数で入力してください。"),
    )


class ChallengeSettings(TenantModel):
    """An organization's 分野 list and priority weights (one row per organization)."""

    fields = models.JSONField(_("分野"), default=default_fields, blank=True)
    weight_benefit = models.PositiveSmallIntegerField(_("裨益性の重み"), default=2)
    weight_ease = models.PositiveSmallIntegerField(_("容易さ(難易度の逆)の重み"), default=1)
    weight_urgency = models.PositiveSmallIntegerField(_("緊急性の重み"), default=2)

    class Meta:
        verbose_name = _("課題の設定")
        verbose_name_plural = _("課題の設定")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="challenge_settings_one_per_org"),
            models.CheckConstraint(
                condition=models.Q(weight_benefit__gt=0)
                | models.Q(weight_ease__gt=0)
                | models.Q(weight_urgency__gt=0),
                name="challenge_settings_some_weight",
                violation_error_message=_("重みのどれか一つは1以上にしてください。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} の課題の設定"

    @property
    def weights(self) -> tuple[int, int, int]:
        return (self.weight_benefit, self.weight_ease, self.weight_urgency)


class DialogueRecord(TenantModel):
    """A hearing with a 原課, a resident workshop, a survey, a public comment period, a liaison's
    visit note or a counter role-play (窓口ロールプレイ)."""

    kind = models.CharField(_("種類"), max_length=10, choices=DialogueKind.choices)
    title = models.CharField(_("件名"), max_length=200)
    held_on = models.DateField(_("実施日"))
    held_until = models.DateField(
        _("終了日"), null=True, blank=True, help_text=_("アンケートやパブリックコメントの期間")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("部署(原課)"),
    )
    participants = models.TextField(_("参加者"), blank=True)
    notes = models.TextField(_("記録"), blank=True)

    department_scoped = True

    class Meta:
        ordering = ["organization", "-held_on", "-pk"]
        verbose_name = _("対話の記録")
        verbose_name_plural = _("対話の記録")
        indexes = [models.Index(fields=["organization", "-held_on"], name="dialogue_org_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(held_until__isnull=True)
                | models.Q(held_until__gte=models.F("held_on")),
                name="dialogue_until_after_on",
                violation_error_message=_("終了日は実施日以降にしてください。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class DialogueAttachment(AuditedModel):
    """A file attached to a dialogue record (stored under a generated name, sent only by an
    access-checked view)."""

    record = models.ForeignKey(
        DialogueRecord,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("対話の記録"),
    )
    file = models.FileField(_("ファイル"), storage=_attachment_storage, max_length=200)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ(バイト)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    audit_select_related = ("record__organization",)

    class Meta:
        ordering = ["record", "uploaded_at", "pk"]
        verbose_name = _("対話の記録の添付ファイル")
        verbose_name_plural = _("対話の記録の添付ファイル")

    def __str__(self) -> str:
        return self.original_name

    @property
    def size_text(self) -> str:
        return uploads.size_text(self.size)

    def audit_organization(self) -> Organization:
        return self.record.organization


class Opinion(AuditedModel):
    """One opinion of a record: a resident's free-text survey answer (with attributes such as
    age band and area, never a name) or a 「住民目線」 finding of a role-play."""

    record = models.ForeignKey(
        DialogueRecord,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("対話の記録"),
    )
    number = models.PositiveIntegerField(_("番号"))
    text = models.TextField(_("意見"))
    age_band = models.CharField(_("年代"), max_length=20, blank=True)
    area = models.CharField(_("地区"), max_length=50, blank=True)
    attributes = models.JSONField(_("その他の属性"), default=dict, blank=True)

    audit_select_related = ("record__organization",)

    class Meta:
        ordering = ["record", "number"]
        verbose_name = _("意見")
        verbose_name_plural = _("意見")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "number"],
                name="opinion_unique_number",
                violation_error_message=_("同じ番号の意見がすでにあります。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.text[:30]}"

    def audit_organization(self) -> Organization:
        return self.record.organization


class Process(TenantModel):
    """An administrative process written down step by step (業務プロセスの書き出し)."""

    name = models.CharField(_("業務名"), max_length=200)
    common_name = models.CharField(
        _("比較用の標準名"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("県内で同じ手続を比べるための名前(例: 転入届、児童手当の認定請求)"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("部署"),
    )
    annual_volume = models.PositiveIntegerField(_("年間件数"), default=0)
    description = models.TextField(_("説明"), blank=True)

    department_scoped = True

    class Meta:
        ordering = ["organization", "name", "pk"]
        verbose_name = _("業務プロセス")
        verbose_name_plural = _("業務プロセス")

    def __str__(self) -> str:
        return self.name


class ProcessStep(AuditedModel):
    """One step of a process: its type, medium, minutes per case and who performs it."""

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="steps", verbose_name=_("業務プロセス")
    )
    order = models.PositiveIntegerField(_("順番"))
    name = models.CharField(_("手順"), max_length=200)
    step_type = models.CharField(_("手順の種類"), max_length=12, choices=StepType.choices)
    medium = models.CharField(_("媒体"), max_length=10, choices=Medium.choices)
    minutes = models.DecimalField(
        _("1件あたりの時間(分)"),
        max_digits=7,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    performer = models.CharField(
        _("行う人"), max_length=10, choices=Performer.choices, default=Performer.STAFF
    )
    performer_note = models.CharField(_("担当(係・役職など)"), max_length=100, blank=True)

    audit_select_related = ("process__organization",)

    class Meta:
        ordering = ["process", "order", "pk"]
        verbose_name = _("業務プロセスの手順")
        verbose_name_plural = _("業務プロセスの手順")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=0),
                name="process_step_minutes_not_negative",
                violation_error_message=_("時間は0分以上で入力してください。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def audit_organization(self) -> Organization:
        return self.process.organization


class Challenge(TenantModel):
    """A 課題: scored on 裨益性・難易度・緊急性 (1–5), sorted by who can solve it and when, and
    moved 候補 → 採択 → 施策化 → 解決 / 見送り."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("部署(原課)"),
    )
    field = models.CharField(_("分野"), max_length=40, blank=True, db_index=True)
    title = models.CharField(_("課題"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    affected = models.CharField(
        _("影響を受ける人"), max_length=200, blank=True, help_text=_("例: 子育て世帯、窓口職員")
    )
    affected_count = models.PositiveIntegerField(_("影響を受ける人数(概数)"), null=True, blank=True)
    benefit = _score_field(_("裨益性"))
    difficulty = _score_field(_("難易度"))
    urgency = _score_field(_("緊急性"))
    scope = models.CharField(
        _("対応主体"), max_length=10, choices=Scope.choices, default=Scope.SELF
    )
    timing = models.CharField(
        _("着手時期"), max_length=5, choices=Timing.choices, default=Timing.MID
    )
    status = models.CharField(
        _("状態"),
        max_length=10,
        choices=ChallengeStatus.choices,
        default=ChallengeStatus.CANDIDATE,
        db_index=True,
    )
    status_reason = models.TextField(_("状態の理由"), blank=True)
    source_kind = models.CharField(
        _("出どころ"), max_length=12, choices=SourceKind.choices, default=SourceKind.STAFF
    )
    source_record = models.ForeignKey(
        DialogueRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("対話の記録"),
    )
    source_opinion = models.ForeignKey(
        Opinion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("住民の意見"),
    )
    source_step = models.ForeignKey(
        ProcessStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("業務プロセスの手順"),
    )
    source_note = models.CharField(_("出どころの補足"), max_length=200, blank=True)
    measure = models.ForeignKey(
        "plans.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges",
        verbose_name=_("施策"),
    )
    shared_at = models.DateTimeField(_("県と共有した日時"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("県・広域に上げた日時"), null=True, blank=True)
    escalation_note = models.TextField(_("県・広域への相談内容"), blank=True)

    department_scoped = True
    # core.access: outside the organization's members, visible only once shared (shared_at).
    member_private = True

    class Meta:
        ordering = ["organization", "-pk"]
        verbose_name = _("課題")
        verbose_name_plural = _("課題")
        indexes = [
            models.Index(fields=["organization", "status"], name="challenge_org_status"),
            models.Index(fields=["shared_at", "organization"], name="challenge_shared"),
        ]
        constraints = [
            _score_check("benefit"),
            _score_check("difficulty"),
            _score_check("urgency"),
            models.CheckConstraint(
                condition=models.Q(escalated_at__isnull=True) | models.Q(shared_at__isnull=False),
                name="challenge_escalated_is_shared",
                violation_error_message=_("県・広域に上げた課題は県と共有されます。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_scored(self) -> bool:
        return None not in (self.benefit, self.difficulty, self.urgency)

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None


class CommonIssueGroup(TenantModel):
    """A prefecture's group of similar challenges from several municipalities, and what it
    makes of them: a prefecture plan measure or a study group (勉強会) with the municipalities
    involved."""

    title = models.CharField(_("共通課題"), max_length=200)
    field = models.CharField(_("分野"), max_length=40, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    challenges = models.ManyToManyField(
        Challenge, through="CommonIssueMember", related_name="groups", verbose_name=_("課題")
    )
    initiative = models.CharField(
        _("広域の取組"),
        max_length=12,
        choices=InitiativeKind.choices,
        default=InitiativeKind.NONE,
        blank=True,
    )
    measure = models.ForeignKey(
        "plans.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="common_issue_groups",
        verbose_name=_("県の施策"),
    )
    study_group_name = models.CharField(_("勉強会の名称"), max_length=200, blank=True)
    study_group_starts_on = models.DateField(_("勉強会の初回"), null=True, blank=True)
    municipalities = models.ManyToManyField(
        Organization, related_name="+", blank=True, verbose_name=_("参加する市町村")
    )

    class Meta:
        ordering = ["organization", "-pk"]
        verbose_name = _("共通課題のグループ")
        verbose_name_plural = _("共通課題のグループ")

    def __str__(self) -> str:
        return self.title


class CommonIssueMember(AuditedModel):
    """A challenge in a prefecture's group (the challenge stays its municipality's)."""

    group = models.ForeignKey(
        CommonIssueGroup,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("グループ"),
    )
    challenge = models.ForeignKey(
        Challenge, on_delete=models.PROTECT, related_name="+", verbose_name=_("課題")
    )
    added_at = models.DateTimeField(_("追加日時"), auto_now_add=True)

    audit_select_related = ("group__organization",)

    class Meta:
        ordering = ["group", "pk"]
        verbose_name = _("共通課題のグループの課題")
        verbose_name_plural = _("共通課題のグループの課題")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "challenge"],
                name="common_issue_member_once",
                violation_error_message=_("この課題はすでにグループに入っています。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} / {self.challenge}"

    def audit_organization(self) -> Organization:
        return self.group.organization
