"""Navigation by capability. Apps register their entries; the shell shows those a user may open."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import access


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    action: str | None = None  # None: not tied to an organization; else the org action needed
    login: bool = False
    superuser: bool = False
    order: int = 50  # capabilities of apps sit between the home entries and the settings


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _entries:
        _entries.append(entry)


def items_for(request, org) -> list[dict]:
    user, path, items = request.user, request.path, []
    for entry in sorted(_entries, key=lambda e: e.order):
        if (entry.login and not user.is_authenticated) or (
            entry.superuser and not user.is_superuser
        ):
            continue
        if entry.action is None:
            url = reverse(entry.url_name)
        elif org is not None and access.can(user, entry.action, org):
            url = reverse(entry.url_name, args=[org.code])
        else:
            continue
        items.append({"label": entry.label, "url": url, "active": False})
    _mark_active(items, path)
    return items


def _mark_active(items: list[dict], path: str) -> None:
    """The entry whose URL is the longest prefix of the current path is the current page."""
    matches = [
        i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True


for _entry in [
    NavEntry(_("ホーム"), "core:home", order=0),
    NavEntry(_("自分の作業"), "core:tasks", login=True, order=10),
    NavEntry(_("団体ホーム"), "core:org_home", action="view", order=20),
    NavEntry(_("部署"), "core:departments", action="view", order=80),
    NavEntry(_("職員と権限"), "core:members", action="manage", order=81),
    NavEntry(_("監査ログ"), "core:audit_log", action="audit", order=82),
    NavEntry(_("全国の団体"), "core:registry", order=90),
    NavEntry(_("システム監査ログ"), "core:system_audit_log", superuser=True, order=95),
]:
    register(_entry)
