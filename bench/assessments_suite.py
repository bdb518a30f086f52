"""The assessments benchmarks, on the national data set of `assessments_datagen.py`.

Run by suite.run_all after the foundation benchmarks (so their data and figures are unchanged).
Figures: 1 the prefecture heatmap of 北海道, 2 a municipality report, 3 the national overview of
every municipality, 4 the bulk Excel import of one 北海道 round, 5 submit → visible on the
heatmap, 6 peak memory while serving 1 and 2.

Pages 1–3 and the import are compared with a lower bound: the same aggregates read by one
hand-written SQL statement, or, for the import, the same rows written by hand-written INSERTs
(its answers, and the audit entry of each, which no compliant import can skip: decision 0007;
the bound of the answers alone is printed beside it). For a page, `ratio` is the application's
computation of those aggregates (the page's data, before the template) over that bound; the
whole page over the bound is printed too (`page_ratio`): it also pays for the request, the
session, the access checks and the HTML, which no SQL statement does.
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc
from dataclasses import dataclass

import assessments_datagen as datagen
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from measure import Result, Target, median, ms, p95, progress, samples, timed

from chiikidx.assessments import (
    excel,
    frameworks,
    national,
    overview,
    queries,
    report,
    services,
)
from chiikidx.assessments.choices import EDITABLE_STATUSES, SCORED_STATUSES
from chiikidx.assessments.models import Answer, DimensionScore, Response, Round
from chiikidx.core import bulksql, xlsxread
from chiikidx.core.models import AuditEntry, Organization

BIG_PREFECTURE = "010006"  # 北海道: 179 municipalities
FRAMEWORK = "jichitai-dx-status"  # the shipped framework with every question type
PAGE_REQUESTS = 30
SQL_REPEATS = 30
SUBMIT_REPEATS = 20
WORKBOOK_REPEATS = 3
MEMORY_REQUESTS = 5

# From the assessments spec: "≤" targets. The ratio is median / SQL lower bound.
TARGETS = {
    "heatmap": Target(150, or_equal=True),  # ms, median
    "report": Target(100, or_equal=True),  # ms, median
    "national": Target(500, or_equal=True),  # ms, median
    "import": Target(5, or_equal=True),  # s, median
    "submit_visible": Target(1000, or_equal=True),  # ms, median
    "ratio": Target(3, or_equal=True),
}

COUNTED = tuple(str(s) for s in sorted(SCORED_STATUSES))  # ('accepted', 'submitted')

# Table names are written out so that the SQL is plain; checked against the models in setup().
# The heatmap page's aggregates: every counted municipality's scores, its change since the
# previous round, and the dimension averages. The responses (with the previous score) are read
# first (MATERIALIZED), then their scores: otherwise the planner joins the previous round once per
# score instead of once per response.
HEATMAP_SQL = """
    WITH x AS MATERIALIZED (
        SELECT r.id, r.organization_id, r.overall_score,
               r.overall_score - p.overall_score AS change
        FROM assessments_response r
        LEFT JOIN assessments_response p
          ON p.organization_id = r.organization_id AND p.round_id = %s AND p.status IN (%s, %s)
        WHERE r.round_id = %s AND r.status IN (%s, %s)
    )
    SELECT o.code, o.name, o.kind, o.peer_group, o.region, x.overall_score, x.change,
           s.dimension_code, s.score,
           AVG(s.score) OVER (PARTITION BY s.dimension_code) AS dimension_average
    FROM x
    JOIN core_organization o ON o.id = x.organization_id
    JOIN assessments_dimensionscore s ON s.response_id = x.id
    ORDER BY o.code
"""
# The national page's aggregates: every counted municipality's scores with its change since the
# previous year, and each prefecture's dimension averages.
NATIONAL_SQL = """
    WITH x AS MATERIALIZED (
        SELECT r.id, r.organization_id, r.overall_score,
               r.overall_score - p.overall_score AS change
        FROM assessments_response r
        LEFT JOIN assessments_response p
          ON p.organization_id = r.organization_id AND p.round_id IN ({previous})
         AND p.status IN (%s, %s)
        WHERE r.round_id IN ({current}) AND r.status IN (%s, %s)
    )
    SELECT o.code, o.name, o.prefecture_id, o.peer_group, x.overall_score, x.change,
           s.dimension_code, s.score,
           AVG(s.score) OVER (PARTITION BY o.prefecture_id, s.dimension_code) AS average
    FROM x
    JOIN core_organization o ON o.id = x.organization_id
    JOIN assessments_dimensionscore s ON s.response_id = x.id
    ORDER BY o.code
"""
REPORT_SQL = """
    SELECT s.dimension_code,
           MAX(CASE WHEN r.id = %s THEN s.score END) AS own,
           AVG(s.score) AS prefecture,
           AVG(CASE WHEN o.peer_group = %s THEN s.score END) AS peers
    FROM assessments_dimensionscore s
    JOIN assessments_response r ON r.id = s.response_id
    JOIN core_organization o ON o.id = r.organization_id
    WHERE r.round_id = %s AND r.status IN (%s, %s)
    GROUP BY s.dimension_code
"""
ANSWER_COLUMNS = ["response_id", "question_code", "value", "comment"]


@dataclass
class State:
    scale: datagen.Scale
    built: datagen.Built | None = None
    generation_s: float = 0.0
    prefecture: Organization | None = None
    admin: object = None
    heatmap_round: Round | None = None
    root: object = None
    report_response: Response | None = None


STATE = State(scale=datagen.SCALES["full"])


def scale_from_environment() -> datagen.Scale:
    name = os.environ.get("BENCH_SCALE", "full") or "full"
    if name not in datagen.SCALES:
        raise SystemExit(f"bench: BENCH_SCALE must be one of {', '.join(datagen.SCALES)}")
    return datagen.SCALES[name]


def steps():
    return (
        build_data,
        bench_heatmap,
        bench_report,
        bench_national,
        bench_memory,
        bench_excel,
        bench_submit_visible,
    )


def user(username: str):
    return get_user_model().objects.get(username=username)


def logged_in(who) -> Client:
    client = Client()
    client.force_login(who)
    return client


def fetch(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def sql_rows(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def page_results(
    key: str, label: str, times: list[float], bound: list[float], aggregate: list[float]
) -> list[Result]:
    figure = f"assessments.{key}"
    return [
        Result(f"{label}, median", ms(median(times)), "ms", TARGETS[key], figure, "median_ms"),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms"),
        Result(
            f"{label}, SQL lower bound (1 query), median",
            ms(median(bound)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
        ),
        Result(
            f"{label}, aggregates in the application, median",
            ms(median(aggregate)),
            "ms",
            None,
            figure,
            "aggregate_ms",
        ),
        Result(
            f"{label}, ratio aggregates / SQL bound",
            median(aggregate) / median(bound),
            "×",
            TARGETS["ratio"],
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
    ]


# --- data --------------------------------------------------------------------------------------


def build_data() -> list[Result]:
    """assessments: national data set (both shipped frameworks, yearly rounds, all answers)"""
    for model, table in [
        (DimensionScore, "assessments_dimensionscore"),
        (Response, "assessments_response"),
        (Answer, "assessments_answer"),
        (Organization, "core_organization"),
        (AuditEntry, "core_auditentry"),
    ]:
        assert model._meta.db_table == table, (model, table)
    STATE.scale = scale_from_environment()
    scale = STATE.scale
    progress(f"scale {scale.name}: fiscal years {scale.years[0]}–{scale.years[-1]}")
    seconds, built = timed(lambda: datagen.build(scale, progress=progress))
    STATE.built, STATE.generation_s = built, seconds
    progress(
        f"{built.prefectures} prefectures, {built.municipalities:,} municipalities, "
        f"{built.rounds:,} rounds, {built.responses:,} responses ({built.scored:,} scored), "
        f"{built.answers:,} answers in {seconds:.1f} s"
    )
    STATE.prefecture = Organization.objects.get(code=BIG_PREFECTURE)
    STATE.admin = user(datagen.pref_admin_name(STATE.prefecture))
    STATE.root = get_user_model().objects.create_superuser("bench-root", password=None)
    STATE.heatmap_round = (
        Round.objects.filter(organization=STATE.prefecture, version__framework__code=FRAMEWORK)
        .select_related("version__framework")
        .order_by("-opens_on")
        .first()
    )
    counted = Response.objects.filter(round=STATE.heatmap_round, status__in=SCORED_STATUSES)
    # A town (the largest peer group): its report compares with peers, not the fallback.
    STATE.report_response = (
        counted.filter(organization__kind="town")
        .select_related("organization")
        .order_by("organization__code")
        .first()
    )
    note = (
        f"one run, scale {scale.name}: {built.prefectures} prefectures, "
        f"{built.municipalities:,} municipalities, {built.rounds:,} rounds, "
        f"{built.responses:,} responses, {built.answers:,} answers"
    )
    return [
        Result(
            f"assessments: generate data set ({scale.name}: {built.responses:,} responses, "
            f"{built.answers:,} answers)",
            seconds,
            "s",
            None,
            "assessments.generate_data_set",
            "median_ms",
            note,
        )
    ]


def describe() -> str:
    built = STATE.built
    if built is None:
        return ""
    return (
        f"assessments scale {STATE.scale.name}: {built.prefectures} prefectures, "
        f"{built.municipalities:,} municipalities, {built.rounds:,} rounds "
        f"(FY{STATE.scale.years[0]}–{STATE.scale.years[-1]}), {built.responses:,} responses, "
        f"{built.answers:,} answers, generated in {STATE.generation_s:.0f} s"
    )


# --- 1. heatmap --------------------------------------------------------------------------------


def heatmap_path() -> str:
    return f"/o/{BIG_PREFECTURE}/assessments/rounds/{STATE.heatmap_round.pk}/overview/"


def bench_heatmap() -> list[Result]:
    """assessments 1: 北海道's heatmap page (pref admin) and its SQL lower bound"""
    survey, client = STATE.heatmap_round, logged_in(STATE.admin)
    counted = Response.objects.filter(round=survey, status__in=SCORED_STATUSES).count()
    page = fetch(client, heatmap_path())
    assert page.count("/report/") >= counted > 100, (page.count("/report/"), counted)
    times = samples(lambda: fetch(client, heatmap_path()), n=PAGE_REQUESTS, warmup=1)
    previous = queries.previous_round(survey)
    params = [previous.pk if previous else 0, *COUNTED, survey.pk, *COUNTED]
    rows = sql_rows(HEATMAP_SQL, params)
    assert len({row[0] for row in rows}) == counted, (len(rows), counted)
    bound = samples(lambda: sql_rows(HEATMAP_SQL, params), n=SQL_REPEATS, warmup=1)
    definition = frameworks.cached_definition(survey.version)
    survey.organization = STATE.prefecture
    built = overview.build(definition, survey, STATE.admin)
    assert len(built["rows"]) == counted, (len(built["rows"]), counted)
    aggregate = samples(
        lambda: overview.build(definition, survey, STATE.admin), n=SQL_REPEATS, warmup=1
    )
    label = f"assessments: heatmap 北海道 ({counted} 市町村)"
    return page_results("heatmap", label, times, bound, aggregate)


# --- 2. municipality report --------------------------------------------------------------------


def report_path(response: Response) -> str:
    return f"/o/{response.organization.code}/assessments/responses/{response.pk}/report/"


def bench_report() -> list[Result]:
    """assessments 2: a 北海道 municipality's report page (its own admin) and its SQL bound"""
    response = STATE.report_response
    org = response.organization
    client = logged_in(user(f"bench-muni_admin-{org.code}"))
    page = fetch(client, report_path(response))
    assert str(response.overall_score) in page and "類似団体平均" in page, org.code
    times = samples(lambda: fetch(client, report_path(response)), n=PAGE_REQUESTS, warmup=1)
    params = [response.pk, org.peer_group, response.round_id, *COUNTED]
    assert len(sql_rows(REPORT_SQL, params)) >= 13
    bound = samples(lambda: sql_rows(REPORT_SQL, params), n=SQL_REPEATS, warmup=1)
    definition = services.definition_for(response)
    # The same aggregates as the bound (own scores, prefecture and peer averages), with the
    # positions; the page's hints, learning partners and trend are lookups, not aggregates.
    aggregate = samples(lambda: report.aggregates(definition, response), n=SQL_REPEATS, warmup=1)
    label = f"assessments: report {org.name} ({org.code})"
    return page_results("report", label, times, bound, aggregate)


# --- 3. national overview ----------------------------------------------------------------------


def national_path(page: int = 1) -> str:
    year = STATE.scale.years[-1]
    return f"/national/assessments/?framework={FRAMEWORK}&fiscal_year={year}&page={page}"


def bench_national() -> list[Result]:
    """assessments 3: national overview of every municipality (system administrator)"""
    year = STATE.scale.years[-1]
    client = logged_in(STATE.root)
    page = fetch(client, national_path())
    assert "都道府県 × 観点" in page, page[:300]
    times = samples(lambda: fetch(client, national_path()), n=PAGE_REQUESTS, warmup=1)
    current = [r["pk"] for r in national.latest_rounds(FRAMEWORK, year)]
    previous = [r["pk"] for r in national.latest_rounds(FRAMEWORK, year - 1)] or [0]
    sql = NATIONAL_SQL.format(
        previous=", ".join(["%s"] * len(previous)), current=", ".join(["%s"] * len(current))
    )
    params = [*previous, *COUNTED, *current, *COUNTED]
    counted = len({row[0] for row in sql_rows(sql, params)})
    built = national.build(FRAMEWORK, year)
    assert built["total"] == counted, (built["total"], counted)
    bound = samples(lambda: sql_rows(sql, params), n=SQL_REPEATS, warmup=1)
    aggregate = samples(lambda: national.build(FRAMEWORK, year), n=SQL_REPEATS, warmup=1)
    label = (
        f"assessments: national overview ({counted:,} of {STATE.built.municipalities:,} 市町村, "
        f"{len(current)} 都道府県)"
    )
    return page_results("national", label, times, bound, aggregate)


# --- 6. memory (measured here: right after 1 and 2, before the writes of 4 and 5) ----------------


def bench_memory() -> list[Result]:
    """assessments 6: tracemalloc peak while serving the heatmap and the report"""
    response = STATE.report_response
    pages = {
        "heatmap": (logged_in(STATE.admin), heatmap_path()),
        "report": (
            logged_in(user(f"bench-muni_admin-{response.organization.code}")),
            report_path(response),
        ),
    }
    peaks = {}
    for key, (client, path) in pages.items():
        fetch(client, path)  # warm: caches and lazy imports are not a request's memory
        gc.collect()
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            for _ in range(MEMORY_REQUESTS):
                fetch(client, path)
            peaks[key] = (tracemalloc.get_traced_memory()[1] - baseline) / 2**20
        finally:
            tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    note = (
        f"tracemalloc peak of Python allocations above the baseline over {MEMORY_REQUESTS} "
        f"requests of each page; process ru_maxrss so far (data generation included): "
        f"{rss:.0f} MB"
    )
    return [
        Result(
            "assessments: heatmap 北海道, tracemalloc peak per request",
            peaks["heatmap"],
            "MB",
            None,
            "assessments.heatmap",
            "peak_mb",
        ),
        Result(
            "assessments: report, tracemalloc peak per request",
            peaks["report"],
            "MB",
            None,
            "assessments.report",
            "peak_mb",
        ),
        Result(
            "assessments: peak memory, pages 1–2 (tracemalloc)",
            max(peaks.values()),
            "MB",
            None,
            "assessments.peak_memory",
            "peak_mb",
            note,
        ),
        Result(
            "assessments: process max RSS so far (getrusage, incl. generation)",
            rss,
            "MB",
        ),
    ]


# --- 4. bulk Excel import ------------------------------------------------------------------------


def bench_excel() -> list[Result]:
    """assessments 4: 北海道 round workbook, then its import into a round of drafts"""
    prefecture, admin, source = STATE.prefecture, STATE.admin, STATE.heatmap_round
    responses = list(queries.tracker(source, admin))  # as the round_excel view does
    municipalities = [r.organization for r in responses]
    creation = samples(
        lambda: excel.round_workbook(source, responses), n=WORKBOOK_REPEATS, warmup=1
    )
    data = excel.round_workbook(source, responses)
    values = list(
        Answer.objects.filter(response__round=source).values_list(
            "response__organization_id", "question_code", "value"
        )
    )
    imports, bounds, answer_bounds = [], [], []
    runs, entries = STATE.scale.import_runs, None
    for run in range(runs + 1):  # the first run is the warm-up
        target = datagen.open_round(
            admin, prefecture, source.version, 2026, municipalities, title=f"Excel一括取込 {run}"
        )
        if entries is not None:
            answers_only, with_audit = _insert_bound(target, values, entries)
        last_seq = _last_seq()
        seconds, count = timed(
            lambda target=target: excel.import_round_workbook(
                acting_user=admin, round_=target, data=data, filename="round.xlsx"
            )
        )
        assert count == len(municipalities), (count, len(municipalities))
        assert Answer.objects.filter(response__round=target).count() == len(values)
        progress(f"import {run}: {seconds:.2f} s ({'warm-up' if run == 0 else 'timed'})")
        if run:
            imports.append(seconds)
            bounds.append(with_audit)
            answer_bounds.append(answers_only)
        else:
            entries = _audit_rows(last_seq)
            assert len(entries) == len(values), (len(entries), len(values))
        gc.collect()
    figure = "assessments.excel_import"
    label = f"assessments: Excel import 北海道 ({len(municipalities)} 団体, {len(values):,} 回答)"
    ratio = median(imports) / median(bounds)
    return [
        Result(
            f"assessments: Excel round_workbook 北海道 ({len(municipalities)} 団体), median",
            ms(median(creation)),
            "ms",
            None,
            "assessments.excel_workbook",
            "median_ms",
            f"median of {WORKBOOK_REPEATS}",
        ),
        Result(
            f"{label}, median of {runs}",
            median(imports),
            "s",
            TARGETS["import"],
            figure,
            "median_ms",
        ),
        Result(f"{label}, p95", p95(imports), "s", None, figure, "p95_ms", f"{runs} runs"),
        Result(
            f"{label}, SQL lower bound (the answers and their audit entries, 2 statements)",
            ms(median(bounds)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
            "the rows the import must write: its answers and, for each, its audit entry "
            "(non-negotiable: every change recorded), each table by one statement, COPY on "
            "PostgreSQL and a prepared INSERT run with executemany on SQLite (decision 0007)",
        ),
        Result(f"{label}, ratio median / SQL bound", ratio, "×", TARGETS["ratio"], figure, "ratio"),
        Result(
            f"{label}: SQL bound of the answers alone (1 statement)",
            ms(median(answer_bounds)),
            "ms",
            None,
            "assessments.excel_import_answers_only",
            "sql_bound_ms",
            "for comparison, the bound before decision 0007: the answers without their audit "
            "(it was an executemany INSERT on PostgreSQL too; COPY is faster)",
        ),
        Result(
            f"{label}: ratio median / SQL bound of the answers alone",
            median(imports) / median(answer_bounds),
            "×",
            None,
            "assessments.excel_import_answers_only",
            "ratio",
        ),
        Result(
            f"{label}: of which reading the workbook's answer sheet alone, median",
            ms(median(samples(lambda: _read_sheet(data), n=5, warmup=1))),
            "ms",
            None,
            "assessments.excel_import_open",
            "median_ms",
            "core.xlsxread: the answer sheet's cells, nothing checked or saved (the import "
            "reads it so; openpyxl took about 125 ms for the same)",
        ),
    ]


def _read_sheet(data: bytes) -> int:
    return sum(len(row) for row in xlsxread.Workbook(data).read(excel.BULK_SHEET).rows)


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _audit_rows(after_seq: int) -> list[list]:
    """The audit entries the import wrote (after `after_seq`), as rows for AUDIT_INSERT_SQL:
    every column but the id, prepared for the driver as the application prepares them."""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    found = AuditEntry.objects.filter(seq__gt=after_seq).order_by("seq")
    return [
        [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)]
        for row in found.values_list(*(f.attname for f in fields))
    ]


def _insert_bound(target: Round, values: list, entries: list[list]) -> tuple[float, float]:
    """Seconds to write the same answers into `target`'s drafts with one statement, and those
    plus the same number of audit entries with a second one (rolled back): (answers, both).
    Each is the database's fastest way to take many rows (core.bulksql.insert: COPY on
    PostgreSQL, a prepared INSERT run with executemany on SQLite), as the import's own writes
    are. The entries are those of an earlier import, renumbered after the chain (their hashes
    are not recomputed: no database statement could)."""
    field = Answer._meta.get_field("value")
    response_of = dict(Response.objects.filter(round=target).values_list("organization_id", "pk"))
    rows = [
        (response_of[org], code, field.get_db_prep_save(value, connection), "")
        for org, code, value in values
    ]
    columns = [f.column for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    position = columns.index(AuditEntry._meta.get_field("seq").column)
    offset = _last_seq() + 1
    audit_rows = [
        [offset + i if column == position else value for column, value in enumerate(entry)]
        for i, entry in enumerate(entries)
    ]
    with transaction.atomic():
        start = time.perf_counter()
        bulksql.insert("assessments_answer", ANSWER_COLUMNS, rows)
        answers_only = time.perf_counter() - start
        bulksql.insert("core_auditentry", columns, audit_rows)
        both = time.perf_counter() - start
        transaction.set_rollback(True)
    return answers_only, both


# --- 5. submit → visible -------------------------------------------------------------------------


def bench_submit_visible() -> list[Result]:
    """assessments 5: services.submit of one response, then the heatmap page showing its score"""
    survey, admin = STATE.heatmap_round, STATE.admin
    editable = list(
        Response.objects.filter(round=survey, status__in=EDITABLE_STATUSES)
        .select_related("organization")
        .order_by("organization__code")
    )
    assert editable, "the latest 北海道 round needs drafts"
    client = logged_in(admin)
    assert report_path(editable[0]) not in fetch(client, heatmap_path())
    staff = {r.pk: user(f"bench-muni_admin-{r.organization.code}") for r in editable}
    times = []
    for i in range(SUBMIT_REPEATS + 1):  # the first one is the warm-up
        response = editable[i % len(editable)]
        seconds, _ = timed(lambda response=response: _submit_and_see(client, response, staff))
        # Untimed: the prefecture returns it, so that it can be submitted again.
        services.review(acting_user=admin, response=response, accept=False, comment="ベンチ")
        if i:
            times.append(seconds)
    figure, label = "assessments.submit_to_visible", "assessments: submit → visible on heatmap"
    return [
        Result(
            f"{label}, median of {SUBMIT_REPEATS}",
            ms(median(times)),
            "ms",
            TARGETS["submit_visible"],
            figure,
            "median_ms",
        ),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms"),
    ]


def _submit_and_see(client: Client, response: Response, staff: dict) -> None:
    submitted = services.submit(acting_user=staff[response.pk], response=response)
    page = fetch(client, heatmap_path())
    link = f'<th scope="row"><a href="{report_path(response)}">'  # its row in the score table
    start = page.index(link)
    row = page[start : page.index("</tr>", start)]
    assert f'<td class="num">{submitted.overall_score}</td>' in row, row[:300]
