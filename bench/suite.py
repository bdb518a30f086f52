"""The benchmarks, in the order they build on each other. Each step returns its result rows.

Imported by run.py only after Django is set up on the throwaway database.
"""

from __future__ import annotations

import time

import assessments_suite
import datagen
import monitoring_suite
import plans_suite
from django.contrib.auth import get_user_model
from django.test import Client
from measure import Result, Target, median, ms, p95, progress, samples, timed

from chiikidx.core import access, audit, demo, registry
from chiikidx.core.models import AuditEntry, Department, Organization

REGISTRY_SIZE = 1963
BIG_PREFECTURE = "010006"  # 北海道: 179 municipalities and the 10 wards of 札幌市
PREF_ADMIN = "pref-admin"  # the demo's 県DX推進課 管理者, made pref_admin of 北海道 as well
MUNI_STAFF = "muni-staff-1"
APPEND_ENTRIES, APPEND_BATCH = 20_000, 500
PREFECTURE_HISTORY = 100_000
PAGE_REQUESTS = 30

# About twice the slower of SQLite and PostgreSQL measured on a 2-core machine (see README).
TARGETS = {
    "registry_first": Target(1.2),
    "registry_reload": Target(0.8),
    "demo_first": Target(6),
    "demo_again": Target(0.25),
    "append": Target(6_000, higher_is_better=True),
    "verify": Target(25_000, higher_is_better=True),
    "grants": Target(5),
    "visible_count": Target(8),
}
# path, user (None: anonymous), median target (ms), p95 target (ms)
PAGES = [
    ("/registry/?q=北", None, 30, 40),
    (f"/o/{BIG_PREFECTURE}/", PREF_ADMIN, 50, 60),
    (f"/o/{BIG_PREFECTURE}/audit/", PREF_ADMIN, 40, 60),  # paged by seq: flat in history size
    ("/api/v1/organizations/?limit=500", None, 100, 150),
]


def run_all() -> list[Result]:
    """The foundation benchmarks, then the assessments ones (assessments_suite.py) on data of
    their own, built after the foundation figures are taken, then the plans ones
    (plans_suite.py: the schedule engine, then a Gantt page), then the monitoring ones
    (monitoring_suite.py: a national data set of KPIs and actuals)."""
    results: list[Result] = []
    foundation = (bench_registry, bench_demo, build_tenants, bench_audit, bench_pages, bench_access)
    suites = (*assessments_suite.steps(), *plans_suite.steps(), *monitoring_suite.steps())
    for step in (*foundation, *suites):
        started = time.perf_counter()
        progress(step.__doc__.splitlines()[0])
        results.extend(step())
        progress(f"done in {time.perf_counter() - started:.1f} s")
    return results


def user(username: str):
    return get_user_model().objects.get(username=username)


# --- 1. registry ---------------------------------------------------------------------------


def bench_registry() -> list[Result]:
    """registry: first load into the empty database, then idempotent reloads"""
    first, report = timed(registry.load_registry)
    assert report.created == REGISTRY_SIZE == Organization.objects.count(), report
    reloads = samples(_reload_unchanged, n=3, warmup=0)
    return [
        Result(
            "registry: first load (1,963 団体)",
            first,
            "s",
            TARGETS["registry_first"],
            "foundation.registry_first_load",
            "median_ms",
            "one run",
        ),
        Result(
            "registry: reload, unchanged (median of 3)",
            median(reloads),
            "s",
            TARGETS["registry_reload"],
            "foundation.registry_reload",
            "median_ms",
        ),
    ]


def _reload_unchanged() -> None:
    report = registry.load_registry()
    assert report.unchanged == REGISTRY_SIZE and not (report.created or report.updated), report


# --- 2. demo -------------------------------------------------------------------------------


def bench_demo() -> list[Result]:
    """demo: first build, then idempotent rebuilds"""
    first, _ = timed(demo.build)
    entries = AuditEntry.objects.count()
    again = samples(demo.build, n=3, warmup=0)
    assert AuditEntry.objects.count() == entries, "a second demo build must change nothing"
    return [
        Result(
            "demo: first build (みらい県)",
            first,
            "s",
            TARGETS["demo_first"],
            "foundation.demo_first_build",
            "median_ms",
            "one run",
        ),
        Result(
            "demo: second build (median of 3)",
            median(again),
            "s",
            TARGETS["demo_again"],
            "foundation.demo_second_build",
            "median_ms",
        ),
    ]


# --- data for 3-5 ----------------------------------------------------------------------------


def build_tenants() -> list[Result]:
    """data: 10 departments per real organization, 2 staff per municipality, 北海道 pref-admin"""
    departments = datagen.departments(per_org=10)
    memberships = datagen.staff()
    datagen.make_prefecture_admin(PREF_ADMIN, BIG_PREFECTURE)
    progress(f"{departments:,} departments, {memberships:,} memberships")
    return []


# --- 3. audit --------------------------------------------------------------------------------


def bench_audit() -> list[Result]:
    """audit: append 20,000 changes in batches of 500, grow the chain, verify it"""
    actor = user(PREF_ADMIN)
    targets = list(Department.objects.select_related("organization")[:APPEND_ENTRIES])
    changes = list(datagen.update_changes(targets, APPEND_ENTRIES))
    seconds, appended = timed(lambda: datagen.append(changes, APPEND_BATCH, actor=actor))
    assert appended == APPEND_ENTRIES
    prefecture = Organization.objects.get(code=BIG_PREFECTURE)
    history, _ = timed(lambda: datagen.prefecture_audit_history(prefecture, PREFECTURE_HISTORY))
    progress(f"{PREFECTURE_HISTORY:,} entries for {prefecture} in {history:.1f} s")
    verify, report = timed(audit.verify_chain)
    assert report.intact and report.checked == AuditEntry.objects.count() >= 100_000, report
    return [
        Result(
            f"audit: append {APPEND_ENTRIES:,} in batches of {APPEND_BATCH}",
            appended / seconds,
            "entries/s",
            TARGETS["append"],
            "foundation.audit_append",
            "per_s",
        ),
        Result(
            f"audit: verify_chain over {report.checked:,} entries",
            report.checked / verify,
            "entries/s",
            TARGETS["verify"],
            "foundation.audit_verify_chain",
            "per_s",
        ),
    ]


# --- 4. pages ----------------------------------------------------------------------------------


def bench_pages() -> list[Result]:
    """pages: median and p95 latency through the Django test client"""
    results = []
    for path, username, median_ms, p95_ms in PAGES:
        times = samples(_getter(path, username), n=PAGE_REQUESTS, warmup=1)
        label = f"page {path} ({username or 'anonymous'})"
        figure = f"foundation.page {path}"
        results += [
            Result(
                f"{label}, median",
                ms(median(times)),
                "ms",
                Target(median_ms),
                figure,
                "median_ms",
            ),
            Result(f"{label}, p95", ms(p95(times)), "ms", Target(p95_ms), figure, "p95_ms"),
        ]
    return results


def _getter(path: str, username: str | None):
    client = Client()
    if username:
        client.force_login(user(username))

    def get() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return get


# --- 5. access ---------------------------------------------------------------------------------


def bench_access() -> list[Result]:
    """access: grants(user) and Department.objects.visible_to(user).count()"""
    results = []
    for username in (PREF_ADMIN, MUNI_STAFF):
        who = user(username)
        grants = samples(lambda who=who: _fresh_grants(who), n=30)
        count = samples(lambda who=who: Department.objects.visible_to(who).count(), n=30)
        results += [
            Result(
                f"access: grants({username}), median",
                ms(median(grants)),
                "ms",
                TARGETS["grants"],
                f"foundation.access_grants {username}",
                "median_ms",
            ),
            Result(
                f"access: visible_to({username}).count() on departments, median",
                ms(median(count)),
                "ms",
                TARGETS["visible_count"],
                f"foundation.access_visible_count {username}",
                "median_ms",
            ),
        ]
    return results


def _fresh_grants(who) -> access.Grants:
    access.forget(who)  # grants are cached on the user object per request
    return access.grants(who)


def describe_data() -> str:
    foundation = (
        f"{Organization.objects.count():,} organizations, "
        f"{Department.objects.count():,} departments, "
        f"{AuditEntry.objects.count():,} audit entries"
    )
    described = (
        foundation,
        assessments_suite.describe(),
        plans_suite.describe(),
        monitoring_suite.describe(),
    )
    return "\n".join(line for line in described if line)
