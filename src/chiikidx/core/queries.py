"""Reads shared by pages and API."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import access
from .choices import OrgKind, Role
from .japanese import normalize
from .models import AuditEntry, Department, LiaisonAssignment, Membership, Organization
from .templatetags.jp import wareki as wareki_filter


def search_organizations(
    q: str = "", prefecture: str = "", kind: str = "", queryset: QuerySet | None = None
) -> QuerySet:
    """Registry search by name, kana or code (全角/半角 alike)."""
    qs = (queryset if queryset is not None else Organization.objects.all()).select_related(
        "prefecture", "parent"
    )
    term = normalize(q)
    if term:
        qs = qs.filter(Q(name__contains=term) | Q(kana__contains=term) | Q(code__startswith=term))
    if prefecture:
        qs = qs.filter(prefecture__code__startswith=prefecture[:2])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("code")


def prefectures() -> QuerySet:
    return Organization.objects.filter(kind=OrgKind.PREFECTURE).order_by("code")


def departments_of(org) -> QuerySet:
    return (
        Department.objects.filter(organization=org, is_archived=False)
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("sort_order", "name")
    )


def audit_entries_for_org(org) -> QuerySet:
    return AuditEntry.objects.filter(organization=org).select_related("actor").order_by("-seq")


def audit_entries_all() -> QuerySet:
    return AuditEntry.objects.select_related("organization").order_by("-seq")


def audited_model_labels() -> list[tuple[str, str]]:
    """(label, Japanese name) of every kind of object the audit log records, from the code."""
    from django.apps import apps

    from .audit import AuditMixin

    models = [m for m in apps.get_models() if issubclass(m, AuditMixin)]
    models += [apps.get_model("auth", "User"), apps.get_model("authtoken", "Token")]
    return sorted((m._meta.label, str(m._meta.verbose_name)) for m in models)


def audit_entries_for_object(model_label: str, object_id: str) -> QuerySet:
    return AuditEntry.objects.filter(model_label=model_label, object_id=object_id).order_by("-seq")


def workspaces_of(user, memberships=None) -> list[tuple[Organization, str]]:
    """Workspaces the user works in, with why: memberships first, then liaison duties."""
    if memberships is None:
        memberships = access.active_memberships(user)
    seen = {m.organization_id for m in memberships}
    g = access.grants(user)
    extra = Organization.objects.filter(pk__in=g.view_orgs - seen).exclude(kind=OrgKind.WARD)
    return [(m.organization, m.get_role_display()) for m in memberships] + [
        (org, str(_("リエゾン担当"))) for org in extra.order_by("code")
    ]


def current_liaisons(*, municipality=None, prefecture=None) -> QuerySet:
    """Assignments in force today whose liaison is still an active member of the prefecture."""
    today = timezone.localdate()
    qs = LiaisonAssignment.objects.filter(
        start_date__lte=today,
        user__memberships__is_active=True,
        user__memberships__role=Role.LIAISON,
        user__memberships__organization_id=F("municipality__prefecture_id"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if prefecture is not None:
        qs = qs.filter(municipality__prefecture=prefecture)
    return qs.select_related("user", "municipality").order_by("municipality__code", "start_date")


def municipalities_of(prefecture) -> QuerySet:
    return (
        Organization.objects.filter(prefecture=prefecture)
        .exclude(kind__in=[OrgKind.PREFECTURE, OrgKind.WARD])
        .order_by("code")
    )


def liaison_users_of(prefecture) -> QuerySet:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organization=prefecture,
            memberships__role=Role.LIAISON,
            memberships__is_active=True,
        )
        .order_by("username")
    )


def liaison_assignments_of(prefecture) -> QuerySet:
    """Every assignment in the prefecture, current and past (history is kept)."""
    active_liaison = Membership.objects.filter(
        user=OuterRef("user"), organization=prefecture, role=Role.LIAISON, is_active=True
    )
    return (
        LiaisonAssignment.objects.filter(municipality__prefecture=prefecture)
        .annotate(liaison_active=Exists(active_liaison))
        .select_related("user", "municipality", "municipality__prefecture")
        .order_by("municipality__code", "-start_date")
    )


def describe_changes(entries) -> None:
    """Give each audit entry `display_changes`: (field label, before, after) as people read them —
    choice labels instead of codes, names instead of ids (one query per related model)."""
    from .models import _model

    wanted: dict = {}
    for entry in entries:
        model = _model(entry.model_label)
        for field in _changed_fields(entry, model):
            if field.many_to_one:
                values = [v for v in _values(entry, field.attname) if v is not None]
                wanted.setdefault(field.related_model, set()).update(values)
    names = {
        related: {pk: str(obj) for pk, obj in related._base_manager.in_bulk(list(pks)).items()}
        for related, pks in wanted.items()
    }
    for entry in entries:
        entry.display_changes = _display_rows(entry, _model(entry.model_label), names)


def _changed_fields(entry, model) -> list:
    if model is None:
        return []
    keys = set(entry.before or {}) | set(entry.after or {})
    return [f for f in model._meta.concrete_fields if f.attname in keys]


def _values(entry, key) -> list:
    return [(entry.before or {}).get(key), (entry.after or {}).get(key)]


def _display_rows(entry, model, names) -> list[tuple[str, str, str]]:
    fields = {f.attname: f for f in _changed_fields(entry, model)}
    keys = list(fields) + sorted(
        k for k in set(entry.before or {}) | set(entry.after or {}) if k not in fields
    )
    rows = []
    for key in keys:
        field = fields.get(key)
        label = str(field.verbose_name) if field else key
        old, new = (_display_value(field, v, names) for v in _values(entry, key))
        rows.append((label, old, new))
    return rows


def _display_value(field, value, names) -> str:
    if value is None or value == "":
        return str(_("(空)"))
    if field is None:
        return str(value)
    if field.many_to_one:
        return names.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return wareki_filter(datetime.date.fromisoformat(value))
    return str(value)
