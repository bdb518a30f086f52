"""Navigation by capability. Apps register their entries; the shell shows those a user may open.

Entries of one `group` (e.g. 課題の整理: 課題, 対話の記録, 業務プロセス) share one item of the main
menu, which opens the first of them the user may open; on their pages the group's entries show
as a second row (the section's menu). A group with one entry the user may open shows as that
entry. So the main menu stays one line at 1280 px however many capabilities there are."""

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
    group: str = ""  # the main menu's item this entry is shown under ("": its own item)
    prefecture: bool = False  # only while a prefecture is open (its pages over municipalities)


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _entries:
        _entries.append(entry)


def items_for(request, org) -> list[dict]:
    """The main menu: {"label", "url", "active", "children"} per item, where `children` are the
    items of a group (each {"label", "url", "active"}); empty for an item of its own."""
    user, path, entries = request.user, request.path, []
    for entry in sorted(_entries, key=lambda e: e.order):
        if (entry.login and not user.is_authenticated) or (
            entry.superuser and not user.is_superuser
        ):
            continue
        if entry.prefecture and not (org is not None and org.is_prefecture):
            continue
        if entry.action is None:
            url = reverse(entry.url_name)
        elif org is not None and access.can(user, entry.action, org):
            url = reverse(entry.url_name, args=[org.code])
        else:
            continue
        entries.append((str(entry.group), {"label": entry.label, "url": url, "active": False}))
    _mark_active([item for _group, item in entries], path)
    return _grouped(entries)


def section_items(items: list[dict]) -> tuple[str, list[dict]]:
    """(label, items) of the section menu: the group of the current page, if it is one."""
    for item in items:
        if item["active"] and item["children"]:
            return item["label"], item["children"]
    return "", []


def _mark_active(items: list[dict], path: str) -> None:
    """The entry whose URL is the longest prefix of the current path is the current page."""
    matches = [
        i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True


def _grouped(entries: list[tuple[str, dict]]) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for group, item in entries:
        if group:
            groups.setdefault(group, []).append(item)
    items, placed = [], set()
    for group, item in entries:
        members = groups.get(group, [])
        if len(members) < 2:
            items.append(item | {"children": []})
        elif group not in placed:  # the group sits where its first entry would
            placed.add(group)
            active = any(m["active"] for m in members)
            items.append(
                {"label": group, "url": members[0]["url"], "active": active, "children": members}
            )
    return items


for _entry in [
    NavEntry(_("ホーム"), "core:home", order=0),
    NavEntry(_("自分の作業"), "core:tasks", login=True, order=10),
    NavEntry(_("団体ホーム"), "core:org_home", action="view", order=20),
    NavEntry(_("部署"), "core:departments", action="view", order=80, group=_("管理")),
    NavEntry(_("職員と権限"), "core:members", action="manage", order=81, group=_("管理")),
    NavEntry(_("監査ログ"), "core:audit_log", action="audit", order=82, group=_("管理")),
    NavEntry(_("全国の団体"), "core:registry", order=90),
    NavEntry(_("システム監査ログ"), "core:system_audit_log", superuser=True, order=95),
]:
    register(_entry)
