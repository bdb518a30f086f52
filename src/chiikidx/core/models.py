"""Registry, tenancy and audit models.

Ladder of bases: `AuditedModel` (every change recorded) → `TenantModel` (owned by an
organization, with created/updated by/at and a visibility). Domain apps inherit `TenantModel`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import audit
from .choices import AuditAction, OrgKind, Role, Visibility
from .japanese import validate_lgcode

# Population bands for peer groups (lower bound, label). Designated cities, wards and
# prefectures keep their own group whatever their size.
POPULATION_BANDS = [
    (500_000, "人口50万人以上"),
    (200_000, "人口20万〜50万人"),
    (100_000, "人口10万〜20万人"),
    (50_000, "人口5万〜10万人"),
    (30_000, "人口3万〜5万人"),
    (10_000, "人口1万〜3万人"),
    (5_000, "人口5千〜1万人"),
    (0, "人口5千人未満"),
]
KIND_ONLY_GROUPS = {OrgKind.PREFECTURE, OrgKind.DESIGNATED_CITY, OrgKind.WARD}


def peer_group_for(kind: str, population: int | None) -> str:
    """Peer group: by kind until a population is known, then by population band."""
    if kind in KIND_ONLY_GROUPS or population is None:
        return str(OrgKind(kind).label)
    return next(label for floor, label in POPULATION_BANDS if population >= floor)


class AuditedModel(audit.AuditMixin, models.Model):
    objects = audit.AuditedQuerySet.as_manager()

    class Meta:
        abstract = True


class OrganizationQuerySet(audit.AuditedQuerySet):
    def prefectures(self):
        return self.filter(kind=OrgKind.PREFECTURE)

    def municipalities(self):
        return self.exclude(kind__in=[OrgKind.PREFECTURE, OrgKind.WARD])

    def visible_to(self, user):
        from . import access

        return access.organizations_visible_to(user, self)


class Organization(AuditedModel):
    """A local government (地方公共団体): prefecture, municipality or designated-city ward.

    The primary key is the code as a number (010006 → 10006): stable across installations,
    and known before insert, so a whole prefecture loads in one bulk insert.
    """

    id = models.PositiveIntegerField(primary_key=True, editable=False)
    code = models.CharField(
        _("団体コード"), max_length=6, unique=True, validators=[validate_lgcode]
    )
    kind = models.CharField(_("種別"), max_length=20, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("団体名"), max_length=100)
    kana = models.CharField(_("よみがな"), max_length=200, blank=True)
    name_en = models.CharField(_("英語名"), max_length=100, blank=True)
    prefecture = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="members_of_prefecture",
        verbose_name=_("都道府県"),
        help_text=_("都道府県自身の場合は自分自身を指します。"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("親の政令指定都市"),
    )
    lat = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    url = models.URLField(_("公式サイト"), blank=True)
    population = models.PositiveIntegerField(_("人口"), null=True, blank=True)
    population_date = models.DateField(_("人口の基準日"), null=True, blank=True)
    peer_group = models.CharField(_("類似団体グループ"), max_length=40, db_index=True, blank=True)
    region = models.CharField(
        _("地域区分"),
        max_length=40,
        blank=True,
        help_text=_("県が決める県内の地域(振興局・広域圏など)。絞り込みに使います。"),
    )
    is_demo = models.BooleanField(_("デモデータ"), default=False, db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"),
                name="organization_code_six_digits",
                violation_error_message=_("団体コードは6桁の数字で入力してください。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.id = int(self.code)
        self.peer_group = peer_group_for(self.kind, self.population)
        super().save(*args, **kwargs)

    @property
    def is_prefecture(self) -> bool:
        return self.kind == OrgKind.PREFECTURE

    @property
    def prefecture_code(self) -> str:
        return self.code[:2]

    def audit_organization(self) -> Organization:
        return self


class TenantQuerySet(audit.AuditedQuerySet):
    def visible_to(self, user):
        from . import access

        return self.filter(access.visible_q(user, self.model))


class TenantModel(AuditedModel):
    """Base of every organization-owned object (the only door for reads is `visible_to`)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("団体")
    )
    visibility = models.CharField(
        _("公開範囲"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新者"),
    )

    objects = TenantQuerySet.as_manager()
    # Models with a `department` set this, so 原課担当 may change their own department's rows.
    department_scoped = False

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        actor = audit.current_actor()
        if actor is not None:
            if self._state.adding and self.created_by_id is None:
                self.created_by = actor
            self.updated_by = actor
        super().save(*args, **kwargs)

    audit_select_related = ("organization",)

    def audit_organization(self) -> Organization:
        return self.organization


class Department(TenantModel):
    """部署・原課 of an organization."""

    name = models.CharField(_("部署名"), max_length=100)
    kana = models.CharField(_("よみがな"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)
    is_archived = models.BooleanField(_("アーカイブ済み"), default=False)

    class Meta:
        ordering = ["organization", "sort_order", "name"]
        verbose_name = _("部署")
        verbose_name_plural = _("部署")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="department_unique_name_per_org",
                violation_error_message=_(
                    "同じ名前の部署がすでにあります。別の名前にしてください。"
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(AuditedModel):
    """Ties a user to an organization with a role (dept_staff also to one department)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # deactivate accounts; deleting would erase their history
        related_name="memberships",
        verbose_name=_("利用者"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("団体")
    )
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("部署"),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    change_action = "manage"  # only the organization's admins change memberships

    class Meta:
        ordering = ["organization__code", "role", "user__username"]
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="membership_one_role_per_org",
                violation_error_message=_("この利用者はすでにこの団体に所属しています。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPT_STAFF) | models.Q(department__isnull=False),
                name="membership_dept_staff_has_department",
                violation_error_message=_("原課担当には部署を指定してください。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.organization} / {self.get_role_display()}"

    def audit_organization(self) -> Organization:
        return self.organization


class LiaisonAssignment(AuditedModel):
    """DX推進リエゾン assigned to a municipality (伴走支援)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="liaison_assignments",
        verbose_name=_("リエゾン"),
    )
    municipality = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="liaison_assignments",
        verbose_name=_("担当団体"),
    )
    start_date = models.DateField(_("開始日"))
    end_date = models.DateField(_("終了日"), null=True, blank=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    change_action = "manage"

    class Meta:
        ordering = ["municipality__code", "start_date"]
        verbose_name = _("リエゾン担当")
        verbose_name_plural = _("リエゾン担当")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "start_date"],
                name="liaison_unique_assignment",
                violation_error_message=_("同じ開始日の担当がすでに登録されています。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.municipality}"

    def audit_organization(self) -> Organization:
        # Assigning liaisons is the prefecture's decision, recorded in its log.
        return self.municipality.prefecture


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise audit.AuditImmutableError(_("監査ログは変更できません。"))

    def delete(self):
        raise audit.AuditImmutableError(_("監査ログは削除できません。"))

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise audit.AuditImmutableError(_("監査ログは変更できません。"))


class AuditEntry(models.Model):
    """Append-only, hash-chained record of one change to a domain object."""

    seq = models.BigIntegerField(_("通番"), unique=True)
    created_at = models.DateTimeField(_("日時"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,  # the id is part of the hash: never rewrite it
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # nothing looks entries up by actor
        verbose_name=_("操作者"),
    )
    actor_name = models.CharField(_("操作者名"), max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # audit_org_seq (organization, -seq) serves it
        verbose_name=_("団体"),
    )
    model_label = models.CharField(_("対象の種類"), max_length=100)
    object_id = models.CharField(_("対象ID"), max_length=64)
    object_repr = models.CharField(_("対象"), max_length=200)
    action = models.CharField(_("操作"), max_length=12, choices=AuditAction.choices)
    before = models.JSONField(_("変更前"), null=True, blank=True)
    after = models.JSONField(_("変更後"), null=True, blank=True)
    prev_hash = models.CharField(_("直前のハッシュ"), max_length=64)
    hash = models.CharField(_("ハッシュ"), max_length=64)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        # Every index is paid for by every write, and an import writes an entry per row: only
        # the lookups that exist are indexed (an organization's log, newest first; one object's
        # history; the chain by seq). See migration 0004.
        indexes = [
            models.Index(fields=["organization", "-seq"], name="audit_org_seq"),
            models.Index(fields=["model_label", "object_id", "-seq"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.model_label}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise audit.AuditImmutableError(_("監査ログは変更できません。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise audit.AuditImmutableError(_("監査ログは削除できません。"))

    @property
    def model_name(self) -> str:
        """The Japanese name of the object's kind (the model label when it no longer exists)."""
        return model_verbose_name(self.model_label)


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_verbose_name(label: str) -> str:
    model = _model(label)
    return str(model._meta.verbose_name) if model else label


class AuditChainHead(models.Model):
    """Single row locked while appending, so concurrent writers keep the chain linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("監査ログの末尾")

    def __str__(self) -> str:
        return f"#{self.last_seq}"
