"""The monitoring benchmarks (issue 5, item 9), on the data set of `monitoring_datagen.py`:
100 KPIs with five years of actuals for every municipality of the scale.

Run by suite.run_all after the plans benchmarks. Figures:

1. `monitoring.page`: the monitoring page (`monitoring:home`, every KPI shown) of 札幌市,
   100 KPIs × 60 months, as its admin, through the Django test client; ≤ 200 ms.
2. `monitoring.prefecture_status`: `queries.prefecture_statuses` of 北海道: the status, alerts
   and coverage of every KPI of its 179 municipalities (17,900 KPIs); ≤ 2 s. Its page
   (「県内のKPIの状況」) is timed too, for information (`monitoring.prefecture_page`).
3. `monitoring.import`: importing a CSV of 100,000 actuals through the import page (upload,
   parse, check every row, save all or nothing, one audit entry per row written); ≤ 10 s.

Each figure has a lower bound: its reads (or, for the import, its rows written) by hand in SQL,
and counts the queries of one request or call (in its `note`; the tests pin them).
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc
from dataclasses import dataclass, field

import assessments_datagen
import assessments_suite
import monitoring_datagen as datagen
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from measure import Result, Target, median, ms, p95, progress, samples, timed

from chiikidx.core import bulksql, tabular
from chiikidx.core.models import AuditEntry, Organization
from chiikidx.monitoring import excel, queries
from chiikidx.monitoring.models import Kpi, KpiActual, KpiMeasure

PAGE_ORG = "011002"  # 札幌市: its Gantt plan (plans suite) gives the KPIs measures to show
PREFECTURE = "010006"  # 北海道: 179 municipalities at both scales
PAGE_REQUESTS = 30
PREFECTURE_RUNS = 10
SQL_REPEATS = 30
MEMORY_REQUESTS = 5
# Prefectures whose own KPIs receive the imports (no other figure reads them): the first
# takes a warm-up import of WARM_UP_ROWS rows, each of the others one timed import.
IMPORT_ORGS = {
    "full": ("020001", "030007", "040002", "050008"),
    "small": ("020001", "030007", "040002"),
}
WARM_UP_ROWS = 500

# From the monitoring spec (issue 5, item 9): "≤" targets.
TARGETS = {
    "page": Target(200, or_equal=True),  # ms, median
    "prefecture_status": Target(2000, or_equal=True),  # ms, median
    "import": Target(10, or_equal=True),  # s, median
}


@dataclass
class State:
    scale: str = "full"
    built: datagen.Built | None = None
    generation_s: float = 0.0
    database_mb: float = 0.0
    jobs: list = field(default_factory=list)


STATE = State()


def steps():
    return (build_data, bench_page, bench_prefecture, bench_import)


def user(username: str):
    return get_user_model().objects.get(username=username)


def logged_in(who) -> Client:
    client = Client()
    client.force_login(who)
    return client


def counted_get(client: Client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode(), len(captured.captured_queries)


def run_sql(statements: list[tuple[str, list]]) -> list[int]:
    counts = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            counts.append(len(cursor.fetchall()))
    return counts


# --- data --------------------------------------------------------------------------------------


def build_data() -> list[Result]:
    """monitoring: 100 KPIs with 60 months of actuals for every municipality of the scale"""
    scale = assessments_suite.scale_from_environment()  # the assessments data set's scale
    STATE.scale = scale.name
    prefectures = assessments_datagen.prefectures(scale)
    seconds, built = timed(lambda: datagen.build(prefectures, progress=progress))
    STATE.built, STATE.generation_s = built, seconds
    tidy = _tidy_database()
    STATE.database_mb = database_mb()
    progress(
        f"{built.municipalities:,} municipalities, {built.kpis:,} KPIs, {built.targets:,} "
        f"targets, {built.actuals:,} actuals in {seconds:.1f} s ({tidy}); database "
        f"{STATE.database_mb:,.0f} MB"
    )
    _link_measures()
    organizations = Organization.objects.filter(code__in=IMPORT_ORGS[STATE.scale]).order_by("code")
    jobs_s, STATE.jobs = timed(lambda: datagen.import_jobs(list(organizations)))
    progress(
        f"import files: {len(STATE.jobs)} × {STATE.jobs[0].rows:,} rows "
        f"({len(STATE.jobs[0].data) / 2**20:.1f} MB) in {jobs_s:.1f} s"
    )
    note = (
        f"one run, scale {STATE.scale}: {built.municipalities:,} municipalities, "
        f"{built.kpis:,} KPIs, {built.targets:,} targets, {built.actuals:,} actuals; database "
        f"{STATE.database_mb:,.0f} MB afterwards ({tidy})"
    )
    return [
        Result(
            f"monitoring: generate data set ({STATE.scale}: {built.kpis:,} KPIs, "
            f"{built.actuals:,} actuals)",
            seconds,
            "s",
            None,
            "monitoring.generate_data_set",
            "median_ms",
            note,
        ),
        Result(
            f"monitoring: database size after generation ({connection.vendor})",
            STATE.database_mb,
            "MB",
        ),
    ]


def _tidy_database() -> str:
    """PostgreSQL: VACUUM ANALYZE the monitoring tables, as autovacuum would soon on a live
    server (the figures should not depend on when it wakes). SQLite: nothing (no statistics
    unless the application asks for them, and chiikidx does not)."""
    if connection.vendor != "postgresql":
        return "no ANALYZE on SQLite"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Kpi, KpiActual, datagen.KpiTarget):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s"


def database_mb() -> float:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] / 2**20
    name = connection.settings_dict["NAME"]
    return sum(os.path.getsize(p) for p in (name, f"{name}-wal") if os.path.exists(p)) / 2**20


def _link_measures() -> None:
    """札幌市's KPIs serve one or two measures of its Gantt plan (built by the plans suite), so
    the page shows them as the product does."""
    from chiikidx.core import audit
    from chiikidx.plans.models import Measure

    org = Organization.objects.get(code=PAGE_ORG)
    measures = list(Measure.objects.filter(plan__organization=org).order_by("pk")[:200])
    if not measures:
        return
    kpis = list(Kpi.objects.filter(organization=org).select_related("organization").order_by("pk"))
    links = [
        KpiMeasure(kpi=kpi, measure=measures[(i * 2 + n) % len(measures)])
        for i, kpi in enumerate(kpis)
        for n in range(1 + i % 2)
    ]
    with audit.acting_as(user(f"bench-muni_admin-{PAGE_ORG}")):
        KpiMeasure.objects.bulk_create(links)


def describe() -> str:
    built = STATE.built
    if built is None:
        return ""
    return (
        f"monitoring scale {STATE.scale}: {built.municipalities:,} municipalities, "
        f"{built.kpis:,} KPIs, {built.actuals:,} actuals, generated in "
        f"{STATE.generation_s:.0f} s; database {STATE.database_mb:,.0f} MB"
    )


# --- 1. the monitoring page --------------------------------------------------------------------


def page_path() -> str:
    return f"/o/{PAGE_ORG}/monitoring/?show=all"


def page_sql(org: Organization) -> list[tuple[str, list]]:
    """The page's reads by hand: the active KPIs with their owner and department, their
    targets, current actuals, who ever entered one, the measures they serve, the inactive
    count and the departments for the filter."""
    kpis = "SELECT id FROM monitoring_kpi WHERE organization_id = %s AND is_active = %s"
    return [
        (
            "SELECT k.*, u.username, u.first_name, u.last_name, d.name FROM monitoring_kpi k "
            "LEFT JOIN auth_user u ON u.id = k.owner_user_id "
            "LEFT JOIN core_department d ON d.id = k.owner_department_id "
            "WHERE k.organization_id = %s AND k.is_active = %s ORDER BY k.code, k.name, k.id",
            [org.pk, True],
        ),
        (
            f"SELECT kpi_id, target_date, value FROM monitoring_kpitarget WHERE kpi_id IN ({kpis})",
            [org.pk, True],
        ),
        (
            "SELECT kpi_id, period_start, period_end, value, recorded_by_id "
            f"FROM monitoring_kpiactual WHERE is_current = %s AND kpi_id IN ({kpis})",
            [True, org.pk, True],
        ),
        (
            "SELECT DISTINCT kpi_id, recorded_by_id FROM monitoring_kpiactual "
            f"WHERE recorded_by_id IS NOT NULL AND kpi_id IN ({kpis})",
            [org.pk, True],
        ),
        (
            "SELECT l.kpi_id, m.id, m.title, m.plan_id FROM monitoring_kpimeasure l "
            f"JOIN plans_measure m ON m.id = l.measure_id WHERE l.kpi_id IN ({kpis}) "
            'ORDER BY m.plan_id, m."order", m.id',
            [org.pk, True],
        ),
        (
            "SELECT COUNT(*) FROM monitoring_kpi WHERE organization_id = %s AND is_active = %s",
            [org.pk, False],
        ),
        (
            "SELECT id, name FROM core_department WHERE organization_id = %s "
            "AND NOT is_archived ORDER BY sort_order, name",
            [org.pk],
        ),
    ]


def bench_page() -> list[Result]:
    """monitoring 1: 札幌市's monitoring page, 100 KPIs × 60 months (its admin, test client)"""
    org = Organization.objects.get(code=PAGE_ORG)
    client = logged_in(user(f"bench-muni_admin-{PAGE_ORG}"))
    page, count = counted_get(client, page_path())
    shown = page.count('<tr id="kpi-')
    assert shown == datagen.KPIS_PER_MUNICIPALITY, shown
    times = samples(lambda: counted_get(client, page_path()), n=PAGE_REQUESTS, warmup=1)
    statements = page_sql(org)
    rows = run_sql(statements)
    assert rows[0] == shown, rows
    bound = samples(lambda: run_sql(statements), n=SQL_REPEATS, warmup=1)
    data = samples(lambda: queries.overview(org, show="all"), n=SQL_REPEATS, warmup=1)
    peak = _peak_mb(lambda: counted_get(client, page_path()))
    actuals = rows[2]
    figure = "monitoring.page"
    label = f"monitoring: page {org.name} ({shown} KPI, {actuals:,} 実績)"
    note = (
        f"{PAGE_REQUESTS} requests after 1 warm-up, {count} queries per request; SQL bound: "
        f"the page's {len(statements)} reads by hand; aggregate: queries.overview (the reads "
        "and every KPI's status, alerts and missed periods in Python)"
    )
    return [
        Result(f"{label}, median", ms(median(times)), "ms", TARGETS["page"], figure, "median_ms"),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms", note),
        Result(
            f"{label}, SQL lower bound ({len(statements)} reads), median",
            ms(median(bound)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
        ),
        Result(
            f"{label}, page data (queries.overview), median",
            ms(median(data)),
            "ms",
            None,
            figure,
            "aggregate_ms",
        ),
        Result(
            f"{label}, ratio page data / SQL bound",
            median(data) / median(bound),
            "×",
            None,
            figure,
            "ratio",
        ),
        Result(
            f"{label}, ratio whole page / SQL bound (information)",
            median(times) / median(bound),
            "×",
            None,
            figure,
            "page_ratio",
        ),
        Result(f"{label}, tracemalloc peak per request", peak, "MB", None, figure, "peak_mb"),
    ]


def _peak_mb(fn, repeats: int = MEMORY_REQUESTS) -> float:
    """tracemalloc peak of Python allocations above the baseline over `repeats` calls."""
    fn()
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(repeats):
            fn()
        return (tracemalloc.get_traced_memory()[1] - baseline) / 2**20
    finally:
        tracemalloc.stop()


# --- 2. the prefecture's statuses ----------------------------------------------------------------


def prefecture_sql(prefecture: Organization, window: int) -> list[tuple[str, list]]:
    """The function's reads by hand: the municipalities, their active KPIs with whether the
    owner ever entered an actual, the targets, and each KPI's latest `window` current actuals
    (LATERAL on PostgreSQL, the correlated range on SQLite, as the function reads them)."""
    munis = (
        "SELECT id FROM core_organization WHERE prefecture_id = %s "
        "AND kind NOT IN ('prefecture', 'ward')"
    )
    kpis = f"SELECT id FROM monitoring_kpi WHERE organization_id IN ({munis}) AND is_active = %s"
    if connection.vendor == "postgresql":
        latest = (
            "SELECT a.* FROM monitoring_kpi k CROSS JOIN LATERAL (SELECT kpi_id, period_start, "
            "period_end, value, recorded_by_id FROM monitoring_kpiactual WHERE kpi_id = k.id "
            "AND is_current = %s ORDER BY period_start DESC LIMIT %s) a "
            f"WHERE k.id IN ({kpis})",
            [True, window, prefecture.pk, True],
        )
    else:
        latest = (
            "SELECT a.kpi_id, a.period_start, a.period_end, a.value, a.recorded_by_id "
            "FROM monitoring_kpi k JOIN monitoring_kpiactual a ON a.kpi_id = k.id "
            "AND a.is_current = %s AND a.period_start >= COALESCE((SELECT b.period_start "
            "FROM monitoring_kpiactual b WHERE b.kpi_id = k.id AND b.is_current = %s "
            "ORDER BY b.period_start DESC LIMIT 1 OFFSET %s), '0001-01-01') "
            f"WHERE k.id IN ({kpis})",
            [True, True, window - 1, prefecture.pk, True],
        )
    return [
        (f"SELECT id, code, name FROM core_organization WHERE id IN ({munis})", [prefecture.pk]),
        (
            "SELECT k.*, EXISTS (SELECT 1 FROM monitoring_kpiactual a WHERE a.kpi_id = k.id "
            "AND a.recorded_by_id + 0 = k.owner_user_id) FROM monitoring_kpi k "
            f"WHERE k.id IN ({kpis})",
            [prefecture.pk, True],
        ),
        (
            f"SELECT kpi_id, target_date, value FROM monitoring_kpitarget WHERE kpi_id IN ({kpis})",
            [prefecture.pk, True],
        ),
        latest,
    ]


def bench_prefecture() -> list[Result]:
    """monitoring 2: statuses of every KPI of 北海道's municipalities, and its page"""
    prefecture = Organization.objects.get(code=PREFECTURE)
    with CaptureQueriesContext(connection) as captured:
        rows = queries.prefecture_statuses(prefecture)
    count = len(captured.captured_queries)
    kpis = sum(r.total for r in rows)
    _check_against_page(rows)
    times = samples(lambda: queries.prefecture_statuses(prefecture), n=PREFECTURE_RUNS, warmup=1)
    window = (
        max(
            Kpi.objects.filter(organization__prefecture=prefecture)
            .values_list("stall_periods", flat=True)
            .distinct()
        )
        + 1
    )
    statements = prefecture_sql(prefecture, window)
    found = run_sql(statements)
    assert found[0] == len(rows) and found[1] == kpis, (found, len(rows), kpis)
    bound = samples(lambda: run_sql(statements), n=PREFECTURE_RUNS, warmup=1)
    peak = _peak_mb(lambda: queries.prefecture_statuses(prefecture), repeats=1)
    client = logged_in(user(assessments_datagen.pref_admin_name(prefecture)))
    path = f"/o/{PREFECTURE}/monitoring/prefecture/"
    page, page_queries = counted_get(client, path)
    assert page.count('<th scope="row">') == len(rows), page.count('<th scope="row">')
    page_times = samples(lambda: counted_get(client, path), n=PREFECTURE_RUNS, warmup=1)
    figure = "monitoring.prefecture_status"
    label = (
        f"monitoring: statuses of 北海道's {kpis:,} KPI ({len(rows)} 市町村, "
        f"{found[3]:,} 実績 read)"
    )
    note = (
        f"queries.prefecture_statuses, {PREFECTURE_RUNS} runs after 1 warm-up, {count} queries "
        f"whatever the size; SQL bound: its {len(statements)} reads by hand (the latest "
        f"{window} current actuals of each KPI); the counts of 札幌市 checked against its page"
    )
    return [
        Result(
            f"{label}, median",
            ms(median(times)),
            "ms",
            TARGETS["prefecture_status"],
            figure,
            "median_ms",
        ),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms", note),
        Result(
            f"{label}, SQL lower bound ({len(statements)} reads), median",
            ms(median(bound)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
        ),
        Result(
            f"{label}, ratio / SQL bound", median(times) / median(bound), "×", None, figure, "ratio"
        ),
        Result(f"{label}, tracemalloc peak", peak, "MB", None, figure, "peak_mb"),
        Result(
            f"monitoring: page 県内のKPIの状況 北海道 ({len(rows)} 市町村), median",
            ms(median(page_times)),
            "ms",
            None,
            "monitoring.prefecture_page",
            "median_ms",
            f"{PREFECTURE_RUNS} requests after 1 warm-up as 北海道's pref admin, "
            f"{page_queries} queries per request",
        ),
        Result(
            f"monitoring: page 県内のKPIの状況 北海道 ({len(rows)} 市町村), p95",
            ms(p95(page_times)),
            "ms",
            None,
            "monitoring.prefecture_page",
            "p95_ms",
        ),
    ]


def _check_against_page(rows) -> None:
    """The prefecture's counts of 札幌市 are those of its own monitoring page."""
    row = next(r for r in rows if r.organization.code == PAGE_ORG)
    page = queries.overview(row.organization, show="all")
    assert {v: n for v, _label, _style, n in page.counts} == row.counts, (page.counts, row)
    assert {v: n for v, _label, n in page.alert_counts} == row.alerts, (page.alert_counts, row)
    assert page.coverage == row.coverage, (page.coverage, row.coverage)


# --- 3. the import -------------------------------------------------------------------------------


def bench_import() -> list[Result]:
    """monitoring 3: importing 100,000 actuals from a CSV through the import page"""
    warm_up, *timed_jobs = STATE.jobs
    head = b"\r\n".join(warm_up.data.split(b"\r\n")[: WARM_UP_ROWS + 1]) + b"\r\n"
    _post_import(warm_up, head)
    gc.collect()
    imports, bounds, reads, counts = [], [], [], []
    for job in timed_jobs:
        reads.append(
            timed(lambda job=job: tabular.read_table(job.data, "kpi.csv", excel.COLUMNS))[0]
        )
        bounds.append(_insert_bound(job))
        gc.collect()
        seconds, queries_made = timed(lambda job=job: _post_import(job, job.data))
        imports.append(seconds)
        counts.append(queries_made)
        progress(f"import into {job.organization.name}: {seconds:.2f} s, {queries_made} queries")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    job = timed_jobs[0]
    figure = "monitoring.import"
    label = (
        f"monitoring: import {job.rows:,} 実績 from CSV ({job.corrections:,} corrections, "
        f"{len(job.data) / 2**20:.0f} MB)"
    )
    note = (
        f"{len(imports)} imports (each into another organization's {datagen.IMPORT_KPIS:,} "
        f"KPIs) after a warm-up of {WARM_UP_ROWS} rows; {counts[0]} queries per import "
        f"(the POST, its session and redirect included); SQL bound: the same rows inserted by "
        f"one statement ({'COPY' if connection.vendor == 'postgresql' else 'executemany'}), "
        f"rolled back; process max RSS afterwards {rss:,.0f} MB"
    )
    return [
        Result(
            f"{label}, median of {len(imports)}",
            median(imports),
            "s",
            TARGETS["import"],
            figure,
            "median_ms",
        ),
        Result(f"{label}, p95", p95(imports), "s", None, figure, "p95_ms", note),
        Result(
            f"{label}, SQL lower bound (1 statement), median",
            ms(median(bounds)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
        ),
        Result(
            f"{label}, ratio / SQL bound",
            median(imports) / median(bounds),
            "×",
            None,
            figure,
            "ratio",
        ),
        Result(
            f"{label}: of which reading the CSV (tabular.read_table), median",
            ms(median(reads)),
            "ms",
            None,
            "monitoring.import_read",
            "median_ms",
            "read_table alone: decoding, the header, every cell normalized and parsed",
        ),
    ]


def _post_import(job, data: bytes) -> int:
    """The import page's POST of `data` as the organization's staff; checks what was saved and
    audited. Returns the number of queries."""
    client = logged_in(job.user)
    path = f"/o/{job.organization.code}/monitoring/import/"
    before_actuals = KpiActual.objects.filter(kpi__organization=job.organization).count()
    before_audit = AuditEntry.objects.count()
    upload = SimpleUploadedFile("kpi-actuals.csv", data, content_type="text/csv")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, {"file": upload})
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    written = KpiActual.objects.filter(kpi__organization=job.organization).count() - before_actuals
    audited = AuditEntry.objects.count() - before_audit
    superseded = KpiActual.objects.filter(
        kpi__organization=job.organization, is_current=False, version=1
    ).count()
    assert audited == written + superseded, (audited, written, superseded)
    return len(captured.captured_queries)


def _insert_bound(job) -> float:
    """Seconds to write the file's rows by hand, rolled back: the current versions they
    replace set aside with one statement, the 100,000 new versions inserted with another."""
    kpis = {k.code: k for k in Kpi.objects.filter(organization=job.organization)}
    stored = KpiActual.objects.filter(kpi__organization=job.organization, is_current=True)
    current = {
        (kpi_id, start): pk
        for kpi_id, start, pk in stored.values_list("kpi_id", "period_start", "pk")
    }
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows, superseded = [], []
    for row in tabular.read_table(job.data, "kpi.csv", excel.COLUMNS).rows:
        kpi = kpis[row["code"]]
        period = excel.periods.parse_period(kpi.frequency, row["period"])
        replaced = current.get((kpi.pk, period.start))
        if replaced:
            superseded.append(replaced)
        version = 2 if replaced else 1
        value = excel.parse_value(kpi, row["value"])
        written = (kpi.pk, period.start, period.end, value, "", version, True, "import")
        rows.append((*written, job.user.pk, now, "", "", "", None, ""))
    fields = [f for f in KpiActual._meta.concrete_fields if not f.primary_key]
    assert [f.attname for f in fields][:10] == [
        "kpi_id",
        "period_start",
        "period_end",
        "value",
        "comment",
        "version",
        "is_current",
        "source",
        "recorded_by_id",
        "recorded_at",
    ], fields
    table = KpiActual._meta.db_table
    with transaction.atomic():
        started = time.perf_counter()
        bulksql.update(table, "is_current", False, superseded)
        bulksql.insert(table, [f.column for f in fields], rows)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds
