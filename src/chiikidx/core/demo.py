"""Fictional demo prefecture (みらい県, code prefix 99): municipalities, departments, users.

Idempotent: running it again changes nothing. Codes carry valid JIS X 0402 check digits; the
prefix 99 is unused by real codes, so demo data is never mixed with the registry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from . import audit
from .choices import OrgKind, Role
from .japanese import lgcode_check_digit
from .models import Department, LiaisonAssignment, Membership, Organization
from .registry import sync_organizations

POPULATION_DATE = datetime.date(2026, 1, 1)
DEFAULT_DEMO_PASSWORD = "chiikidx-demo"  # noqa: S105 (published on purpose: demo only)

# (5-digit suffix after the prefix, name, kana, kind, population)
MUNICIPALITIES = [
    ("201", "あおば市", "あおばし", OrgKind.CITY, 185_400),
    ("301", "わかば町", "わかばちょう", OrgKind.TOWN, 18_250),
    ("100", "みらい市", "みらいし", OrgKind.DESIGNATED_CITY, 724_000),
    ("202", "さくら台市", "さくらだいし", OrgKind.CITY, 98_300),
    ("203", "ひかり市", "ひかりし", OrgKind.CITY, 61_900),
    ("204", "みなと市", "みなとし", OrgKind.CITY, 41_200),
    ("205", "やまびこ市", "やまびこし", OrgKind.CITY, 33_050),
    ("206", "かぜのおか市", "かぜのおかし", OrgKind.CITY, 27_400),
    ("207", "ほしの市", "ほしのし", OrgKind.CITY, 52_100),
    ("208", "いずみ野市", "いずみのし", OrgKind.CITY, 121_800),
    ("302", "こもれび町", "こもれびちょう", OrgKind.TOWN, 9_480),
    ("303", "はなさき町", "はなさきちょう", OrgKind.TOWN, 12_030),
    ("321", "うみべ町", "うみべちょう", OrgKind.TOWN, 7_210),
    ("322", "あさひ町", "あさひちょう", OrgKind.TOWN, 22_480),
    ("341", "つきみ町", "つきみちょう", OrgKind.TOWN, 4_830),
    ("342", "もりの町", "もりのちょう", OrgKind.TOWN, 15_120),
    ("361", "ゆきぐに町", "ゆきぐにちょう", OrgKind.TOWN, 6_140),
    ("362", "たきがわ町", "たきがわちょう", OrgKind.TOWN, 11_020),
    ("381", "しらかば町", "しらかばちょう", OrgKind.TOWN, 8_330),
    ("401", "ほたる村", "ほたるむら", OrgKind.VILLAGE, 2_930),
    ("402", "やまざと村", "やまざとむら", OrgKind.VILLAGE, 1_820),
    ("421", "しずく村", "しずくむら", OrgKind.VILLAGE, 3_640),
    ("441", "あおぞら村", "あおぞらむら", OrgKind.VILLAGE, 950),
    ("461", "くもい村", "くもいむら", OrgKind.VILLAGE, 4_210),
]
# The prefecture's 地域区分 (set once; a prefecture admin's later edits are kept)
REGIONS = {
    "県央": ["100", "201", "202", "208", "322"],
    "県北": ["203", "205", "302", "303", "361", "362", "381", "401", "402"],
    "県南": ["204", "206", "207", "321", "341", "342", "421", "441", "461"],
    "沿岸": ["301"],
}
WARDS = [("101", "中央区", "ちゅうおうく"), ("102", "北区", "きたく"), ("103", "南区", "みなみく")]

PREFECTURE_DEPARTMENTS = ["デジタル推進課", "市町村課", "情報政策課", "人事課"]
MUNICIPAL_DEPARTMENTS = [
    "総務課",
    "企画課",
    "DX推進室",
    "住民課",
    "税務課",
    "福祉課",
    "子育て支援課",
    "健康推進課",
    "防災危機管理課",
    "産業振興課",
    "観光課",
    "建設課",
    "教育委員会",
]
SMALL_MUNICIPAL_DEPARTMENTS = [
    "総務課",
    "企画課",
    "住民課",
    "税務課",
    "保健福祉課",
    "産業建設課",
    "教育委員会",
]


@dataclass(frozen=True)
class DemoSpec:
    """One fictional prefecture; tests build a second one with another prefix."""

    prefix: str = "99"
    name: str = "みらい県"
    kana: str = "みらいけん"
    user_prefix: str = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str
    first_name: str
    role: Role
    org_suffix: str  # "000" = the prefecture
    department: str | None = None


DEMO_USERS = [
    DemoUser("pref-admin", "県", "管理子", Role.PREF_ADMIN, "000", "デジタル推進課"),
    DemoUser("pref-staff", "県", "職員太", Role.PREF_STAFF, "000", "デジタル推進課"),
    DemoUser("liaison", "連絡", "伴走", Role.LIAISON, "000", "市町村課"),
    DemoUser("muni-admin-1", "青葉", "一郎", Role.MUNI_ADMIN, "201", "DX推進室"),
    DemoUser("muni-staff-1", "青葉", "花子", Role.MUNI_STAFF, "201", "DX推進室"),
    DemoUser("dept-staff-1", "福祉", "守", Role.DEPT_STAFF, "201", "福祉課"),
    DemoUser("executive-1", "青葉", "市長", Role.EXECUTIVE, "201", None),
    DemoUser("muni-admin-2", "若葉", "次郎", Role.MUNI_ADMIN, "301", "企画課"),
    DemoUser("muni-staff-2", "若葉", "桜", Role.MUNI_STAFF, "301", "企画課"),
]
LIAISON_MUNICIPALITIES = ["201", "301", "302", "401"]


def code(spec: DemoSpec, suffix: str) -> str:
    five = f"{spec.prefix}{suffix}"
    return f"{five}{lgcode_check_digit(five)}"


def users_by_key(spec: DemoSpec, usernames: dict) -> dict:
    """The demo users named in `usernames` ({key: username without the spec's prefix}), by key,
    in one query; a key whose user does not exist is left out."""
    wanted = {f"{spec.user_prefix}{name}": key for key, name in usernames.items()}
    found = get_user_model().objects.filter(username__in=wanted)
    return {wanted[user.username]: user for user in found}


def _registry_rows(spec: DemoSpec) -> list[dict]:
    pref_code = spec.prefix
    rows = [_row(spec, "000", spec.name, spec.kana, OrgKind.PREFECTURE)]
    for suffix, name, kana, kind, _population in MUNICIPALITIES:
        rows.append(_row(spec, suffix, name, kana, kind))
    city = next(m for m in MUNICIPALITIES if m[3] == OrgKind.DESIGNATED_CITY)
    for suffix, name, kana in WARDS:
        row = _row(spec, suffix, f"{city[1]}{name}", f"{city[2]}{kana}", OrgKind.WARD)
        rows.append(row | {"parent_code": code(spec, city[0])})
    for row in rows:
        row["prefecture_code"] = pref_code
    return rows


def _row(spec, suffix, name, kana, kind) -> dict:
    return {"code": code(spec, suffix), "kind": kind, "name": name, "kana": kana, "url": ""}


# Apps add their demo content (frameworks, rounds, plans …) through these, after the core part.
Extender = Callable[[DemoSpec, dict], None]
_extenders: list[Extender] = []


def register_extender(extender: Extender) -> None:
    if extender not in _extenders:
        _extenders.append(extender)


@audit.batched()
def build(spec: DemoSpec = DemoSpec(), *, extend: bool = True) -> dict[str, Organization]:
    """One transaction, its audit entries appended together at the end (audit.batched)."""
    sync_organizations(_registry_rows(spec), is_demo=True)
    orgs = Organization.objects.filter(code__startswith=spec.prefix).in_bulk(field_name="code")
    _set_populations(spec, orgs)
    _departments(spec, orgs)
    _users(spec, orgs)
    for extender in _extenders if extend else []:
        extender(spec, orgs)
    return orgs


def _set_populations(spec, orgs) -> None:
    region_of = {suffix: region for region, suffixes in REGIONS.items() for suffix in suffixes}
    for suffix, _name, _kana, _kind, population in MUNICIPALITIES:
        org = orgs[code(spec, suffix)]
        if org.population != population or not org.region:
            org.population, org.population_date = population, POPULATION_DATE
            org.region = org.region or region_of[suffix]
            org.save()


def _departments(spec, orgs) -> None:
    for org in orgs.values():
        if org.kind == OrgKind.WARD:
            continue
        names = _department_names(org)
        existing = set(Department.objects.filter(organization=org).values_list("name", flat=True))
        for order, name in enumerate(names):
            if name not in existing:
                Department.objects.create(organization=org, name=name, sort_order=order)


def _department_names(org) -> list[str]:
    if org.kind == OrgKind.PREFECTURE:
        return PREFECTURE_DEPARTMENTS
    if org.kind == OrgKind.VILLAGE or (org.population or 0) < 10_000:
        return SMALL_MUNICIPAL_DEPARTMENTS
    return MUNICIPAL_DEPARTMENTS


def _users(spec, orgs) -> None:
    user_model = get_user_model()
    encoded = None  # the published demo password, hashed once (each hash takes ~0.3 s)
    for demo in DEMO_USERS:
        username = f"{spec.user_prefix}{demo.username}"
        user = user_model.objects.filter(username=username).first()
        if user is None:
            encoded = encoded or make_password(settings.CHIIKIDX_DEMO_PASSWORD)
            user = user_model(
                username=username,
                last_name=demo.last_name,
                first_name=demo.first_name,
                password=encoded,
            )
            user.save()
        org = orgs[code(spec, demo.org_suffix)]
        department = (
            Department.objects.get(organization=org, name=demo.department)
            if demo.department
            else None
        )
        Membership.objects.get_or_create(
            user=user, organization=org, defaults={"role": demo.role, "department": department}
        )
        if demo.role == Role.LIAISON:
            _assign_liaison(spec, user, orgs)


def _assign_liaison(spec, user, orgs) -> None:
    for suffix in LIAISON_MUNICIPALITIES:
        LiaisonAssignment.objects.get_or_create(
            user=user,
            municipality=orgs[code(spec, suffix)],
            start_date=datetime.date(2025, 4, 1),
            defaults={"note": "令和7年度 伴走支援"},
        )


def reset_passwords(spec: DemoSpec = DemoSpec()) -> int:
    user_model = get_user_model()
    users = user_model.objects.filter(
        username__in=[f"{spec.user_prefix}{u.username}" for u in DEMO_USERS]
    )
    encoded = make_password(settings.CHIIKIDX_DEMO_PASSWORD)
    for user in users:
        user.password = encoded
        user.save(update_fields=["password"])
    return len(users)


def login_table(spec: DemoSpec = DemoSpec()) -> list[tuple[str, str, str]]:
    memberships = Membership.objects.filter(
        user__username__in=[f"{spec.user_prefix}{u.username}" for u in DEMO_USERS]
    ).select_related("user", "organization", "department")
    order = {f"{spec.user_prefix}{u.username}": i for i, u in enumerate(DEMO_USERS)}
    rows = sorted(memberships, key=lambda m: order[m.user.username])
    return [
        (
            m.user.username,
            m.get_role_display(),
            f"{m.organization.name} {m.department or ''}".strip(),
        )
        for m in rows
    ]
