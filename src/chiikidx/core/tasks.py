"""「自分の作業」: each app registers a provider that lists what a user should do next."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from . import access
from .choices import OrgKind, Role


@dataclass(frozen=True)
class Task:
    title: str
    detail: str
    url: str
    organization: object
    category: str
    due: datetime.date | None = None


Provider = Callable[[object], Iterable[Task]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def tasks_for(user) -> list[Task]:
    found = [task for provider in _providers for task in provider(user)]
    return sorted(found, key=lambda t: (t.due or datetime.date.max, t.organization.code, t.title))


@register
def organization_setup(user) -> Iterable[Task]:
    """Admins: register departments, and give staff a department, before planning starts."""
    from .models import Department, Membership

    admin_orgs = [
        m.organization
        for m in access.active_memberships(user)
        if m.role in (Role.PREF_ADMIN, Role.MUNI_ADMIN)
    ]
    if not admin_orgs:
        return []
    with_departments = set(
        Department.objects.filter(organization__in=admin_orgs, is_archived=False).values_list(
            "organization_id", flat=True
        )
    )
    undepartmented = dict(
        Membership.objects.filter(
            organization__in=admin_orgs, is_active=True, department__isnull=True
        )
        .exclude(role=Role.EXECUTIVE)
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )
    found = []
    for org in admin_orgs:
        members_url = reverse("core:members", args=[org.code])
        if org.pk not in with_departments:
            found.append(
                Task(
                    gettext("部署(原課)を登録してください"),
                    gettext("課題・計画・KPIの担当部署を選べるようにするためです。"),
                    reverse("core:departments", args=[org.code]),
                    org,
                    gettext("団体の設定"),
                )
            )
        if undepartmented.get(org.pk):
            found.append(
                Task(
                    ngettext(
                        "部署が未設定の職員が %(count)s 人います",
                        "部署が未設定の職員が %(count)s 人います",
                        undepartmented[org.pk],
                    )
                    % {"count": undepartmented[org.pk]},
                    gettext("所属部署を設定すると、担当の絞り込みと集計が正しくなります。"),
                    members_url,
                    org,
                    gettext("団体の設定"),
                )
            )
    return found


@register
def population_missing(user) -> Iterable[Task]:
    """Prefecture admins: municipalities without population fall back to peer groups by kind."""
    from .models import Organization

    prefs = [m.organization for m in access.active_memberships(user) if m.role == Role.PREF_ADMIN]
    counts = dict(
        Organization.objects.filter(prefecture__in=prefs, population__isnull=True)
        .exclude(kind__in=[OrgKind.PREFECTURE, OrgKind.WARD])
        .values_list("prefecture_id")
        .annotate(n=Count("id", filter=Q(population__isnull=True)))
    )
    return [
        Task(
            ngettext(
                "人口が未登録の市町村が %(count)s 団体あります",
                "人口が未登録の市町村が %(count)s 団体あります",
                counts[p.pk],
            )
            % {"count": counts[p.pk]},
            gettext(
                "人口がないと類似団体グループは種別のみで分けられます。"
                "管理者に人口の取り込みを依頼してください。"
            ),
            reverse("core:registry") + f"?prefecture={p.code[:2]}",
            p,
            gettext("類似団体"),
        )
        for p in prefs
        if counts.get(p.pk)
    ]
