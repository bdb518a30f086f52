"""Data generators for the benchmarks: bulk departments and staff, and long audit chains.

Deterministic (fixed seed). Rows are written through the product's own managers (`bulk_create`),
so whatever they audit is audited; extra audit history is appended only with `audit.record`.
Related objects are passed as instances so that audit code can describe them without queries.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import QuerySet

from chiikidx.core import audit, demo
from chiikidx.core.audit import Change
from chiikidx.core.choices import AuditAction, OrgKind, Role, Visibility
from chiikidx.core.models import Department, Membership, Organization

SEED = 20260401
DEPARTMENT_NAMES = demo.MUNICIPAL_DEPARTMENTS
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
            organization=org,  # an instance, so audit code needs no query to find it
            name=name,
            sort_order=order,
            visibility=rng.choices(VISIBILITIES, VISIBILITY_WEIGHTS)[0],
        )
        for org in registry_organizations()
        for order, name in enumerate(DEPARTMENT_NAMES[:per_org])
    ]
    Department.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def staff() -> int:
    """Two users per real municipality: an admin, and department staff of its first department."""
    first_departments = (
        Department.objects.filter(sort_order=0, organization__is_demo=False)
        .exclude(organization__kind=OrgKind.PREFECTURE)
        .select_related("organization")
    )
    users, memberships = [], []
    for department in first_departments:
        org = department.organization
        for role, dept in [(Role.MUNI_ADMIN, None), (Role.DEPT_STAFF, department)]:
            user = _user(f"bench-{role}-{org.code}")
            users.append(user)
            memberships.append(Membership(user=user, organization=org, role=role, department=dept))
    get_user_model().objects.bulk_create(users, batch_size=1000)  # sets the pks memberships need
    Membership.objects.bulk_create(memberships, batch_size=1000)
    return len(memberships)


def _user(username: str):
    return get_user_model()(username=username, password=make_password(None))


def make_prefecture_admin(username: str, prefecture_code: str) -> Organization:
    """Give an existing user the pref_admin role in a (large, real) prefecture."""
    prefecture = Organization.objects.get(code=prefecture_code)
    user = get_user_model().objects.get(username=username)
    Membership.objects.get_or_create(
        user=user, organization=prefecture, defaults={"role": Role.PREF_ADMIN}
    )
    return prefecture


def update_changes(objects: list, count: int, organization=None) -> Iterator[Change]:
    """`count` updates cycling over `objects` (as a bulk job would pass to `audit.record`)."""
    for i in range(count):
        obj = objects[i % len(objects)]
        before, after = _edit(obj, i)
        yield Change(AuditAction.UPDATE, obj, before, after, organization=organization)


def _edit(obj, i: int) -> tuple[dict, dict]:
    """Plausible before/after values: memberships toggle, departments are renamed."""
    if isinstance(obj, Membership):
        return {"is_active": i % 2 == 0}, {"is_active": i % 2 == 1}
    return (
        {"name": f"{obj.name}(旧{i})", "sort_order": i % 10},
        {"name": f"{obj.name}(新{i})", "sort_order": (i + 1) % 10},
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
