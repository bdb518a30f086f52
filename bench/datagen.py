"""Data generators for the benchmarks: bulk departments and staff, and long audit chains.

Deterministic (fixed seed). Departments and memberships are bulk-inserted, which bypasses the
per-save audit hook on purpose; audit entries are appended only through `audit.record`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import QuerySet

from chiikidx.core import audit
from chiikidx.core.audit import Change
from chiikidx.core.choices import AuditAction, OrgKind, Role, Visibility
from chiikidx.core.models import Department, Membership, Organization

SEED = 20260401
DEPARTMENT_NAMES = [
    "総務課",
    "企画課",
    "DX推進室",
    "住民課",
    "税務課",
    "福祉課",
    "子育て支援課",
    "防災危機管理課",
    "産業振興課",
    "教育委員会",
]
# Most departments are private; some are shared within the prefecture or published.
VISIBILITIES = [Visibility.PRIVATE, Visibility.SHARED, Visibility.PUBLIC]
VISIBILITY_WEIGHTS = [8, 1, 1]


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def registry_organizations() -> QuerySet:
    """Real (non-demo) prefectures and municipalities: everything but wards."""
    return Organization.objects.filter(is_demo=False).exclude(kind=OrgKind.WARD).order_by("code")


def departments(per_org: int = 10) -> int:
    """`per_org` departments for every real prefecture and municipality."""
    rng = random.Random(SEED)
    rows = [
        Department(
            organization_id=org_id,
            name=name,
            sort_order=order,
            visibility=rng.choices(VISIBILITIES, VISIBILITY_WEIGHTS)[0],
        )
        for org_id in registry_organizations().values_list("pk", flat=True)
        for order, name in enumerate(DEPARTMENT_NAMES[:per_org])
    ]
    Department.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def staff() -> int:
    """Two users per real municipality: an admin, and department staff of its first department."""
    municipalities = registry_organizations().municipalities()
    first_department = {}
    for org_id, dept_id in Department.objects.filter(sort_order=0).values_list(
        "organization_id", "pk"
    ):
        first_department[org_id] = dept_id
    users, memberships = _users_and_memberships(municipalities, first_department)
    get_user_model().objects.bulk_create(users, batch_size=1000)
    for membership, user in zip(memberships, users, strict=True):
        membership.user_id = user.pk
    Membership.objects.bulk_create(memberships, batch_size=1000)
    return len(memberships)


def _users_and_memberships(municipalities, first_department) -> tuple[list, list]:
    user_model, unusable = get_user_model(), make_password(None)
    users, memberships = [], []
    for org in municipalities.only("pk", "code"):
        for role, department in [
            (Role.MUNI_ADMIN, None),
            (Role.DEPT_STAFF, first_department[org.pk]),
        ]:
            users.append(user_model(username=f"bench-{role}-{org.code}", password=unusable))
            memberships.append(
                Membership(organization_id=org.pk, role=role, department_id=department)
            )
    return users, memberships


def make_prefecture_admin(username: str, prefecture_code: str) -> Organization:
    """Give an existing user the pref_admin role in a (large, real) prefecture."""
    prefecture = Organization.objects.get(code=prefecture_code)
    user = get_user_model().objects.get(username=username)
    Membership.objects.get_or_create(
        user=user, organization=prefecture, defaults={"role": Role.PREF_ADMIN}
    )
    return prefecture


def update_changes(objects: list, count: int, organization=None) -> Iterator[Change]:
    """`count` renames cycling over `objects` (as a bulk job would pass to `audit.record`)."""
    for i in range(count):
        obj = objects[i % len(objects)]
        yield Change(
            AuditAction.UPDATE,
            obj,
            {"name": f"{obj}(旧{i})", "sort_order": i % 10},
            {"name": f"{obj}(新{i})", "sort_order": (i + 1) % 10},
            organization=organization,
        )


def append(changes: Iterable[Change], batch: int, actor=None) -> int:
    """Record `changes` in batches of `batch` entries; returns how many were appended."""
    appended = 0
    for chunk in chunks(changes, batch):
        appended += len(audit.record(chunk, actor=actor))
    return appended


def prefecture_audit_history(prefecture: Organization, count: int, actor=None) -> int:
    """`count` audit entries owned by `prefecture`: its departments and memberships changing."""
    targets = [
        *Department.objects.filter(organization=prefecture),
        *Membership.objects.filter(organization=prefecture).select_related("user", "organization"),
    ]
    changes = update_changes(targets, count, organization=prefecture)
    return append(changes, batch=5000, actor=actor)
