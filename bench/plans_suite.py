"""The plans benchmarks: the schedule engine on a generated plan of 10,000 measures and 20,000
dependencies, and the Gantt page of a plan of 300 measures.

Run by suite.run_all after the assessments benchmarks, at every BENCH_SCALE (the data sets do
not depend on it and take a few seconds). Figures: `plans.schedule` (earliest and latest dates,
slack and critical paths of the whole plan) and `plans.what_if` (one slip of a measure near the
start) are pure computation in Python, without the database: there is no SQL lower bound, so
their `sql_bound_ms` and `ratio` stay null. `plans.gantt_page` is the Gantt page of a 300-measure
plan with dependencies and a baseline, built in the bench database, requested through the
Django test client as the municipality's admin; its lower bound is the page's reads written by
hand in SQL.

The first three steps also run on their own, without Django (`python bench/plans_suite.py`): it
prints the table and writes nothing.
"""

from __future__ import annotations

import bisect
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta

from measure import Result, Target, median, ms, p95, progress, samples, table, timed

from chiikidx.plans import schedule
from chiikidx.plans.schedule import Link, Task

TASKS, LINKS = 10_000, 20_000
FIRST_DAY, LAST_DAY = date(2025, 4, 1), date(2029, 3, 31)  # 令和7–10年度
SEED = 20250401
RUNS = 10
SLIP_DAYS = 90  # a quarter late
# A follower is mostly planned to start between EARLY_DAYS before and LATE_DAYS after the day
# its dependency allows: most dependencies leave slack, some push.
EARLY_DAYS, LATE_DAYS = 10, 90
LATER_SHARE = 0.1  # the rest: any measure planned to start later (often in another plan)
KINDS = (("fs", 0.65), ("ss", 0.20), ("blocks", 0.15))

# From the plans issue (§10): "≤" targets, in ms.
TARGETS = {
    "schedule": Target(1000, or_equal=True),
    "what_if": Target(1000, or_equal=True),
    "gantt_page": Target(300, or_equal=True),
}

# The Gantt page: a plan of 札幌市 (a real municipality of the bench data set, with its
# `bench-muni_admin-…` user and 10 departments) generated like the big plan, smaller.
GANTT_ORG = "011002"
GANTT_TASKS, GANTT_LINKS = 300, 450
GANTT_SEED = 20260401
GANTT_POLICIES = 5
GANTT_REQUESTS = 30
GANTT_SQL_REPEATS = 30
# The reads of the Gantt page, written by hand (plans.queries.gantt and the view): the plan, its
# measures with their owner department and policy in plan order, the dependencies touching them,
# the policies and the departments for the filters, the baselines for the choice and the latest
# one's snapshot for the ghost bars. Table names are checked in the step.
GANTT_SQL = [
    """SELECT p.id, p.title, p.start_fy, p.end_fy, p.status, o.code, o.name
       FROM plans_plan p JOIN core_organization o ON o.id = p.organization_id
       WHERE p.id = %(plan)s""",
    """SELECT m.id, m.code, m.title, m.start_date, m.deadline, m.status, m.policy_id,
              m.owner_department_id, d.name
       FROM plans_measure m
       JOIN plans_policy p ON p.id = m.policy_id
       JOIN core_department d ON d.id = m.owner_department_id
       WHERE m.plan_id = %(plan)s
       ORDER BY p."order", m."order", m.id""",
    """SELECT id, predecessor_id, successor_id, kind, lag_days FROM plans_dependency
       WHERE predecessor_id IN (SELECT id FROM plans_measure WHERE plan_id = %(plan)s)
          OR successor_id IN (SELECT id FROM plans_measure WHERE plan_id = %(plan)s)
       ORDER BY id""",
    """SELECT id, code, title FROM plans_policy WHERE plan_id = %(plan)s ORDER BY "order", id""",
    """SELECT id, name FROM core_department
       WHERE organization_id = %(org)s AND NOT is_archived ORDER BY sort_order, name""",
    """SELECT id, label, taken_at FROM plans_baseline WHERE plan_id = %(plan)s
       ORDER BY taken_at, id""",
    """SELECT snapshot FROM plans_baseline WHERE plan_id = %(plan)s
       ORDER BY taken_at DESC, id DESC LIMIT 1""",
]


@dataclass
class State:
    tasks: list[Task] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    generation_s: float = 0.0
    computed: schedule.Schedule | None = None
    gantt: str = ""  # what the Gantt plan holds, for describe()


STATE = State()


def steps():
    """Every step; the last one needs Django and the bench database (run.py sets them up)."""
    return (*pure_steps(), bench_gantt_page)


def pure_steps():
    """The steps that need neither Django nor a database."""
    return (build_data, bench_schedule, bench_what_if)


# --- data --------------------------------------------------------------------------------------


def generate(
    seed: int = SEED, task_count: int = TASKS, link_count: int = LINKS
) -> tuple[list[Task], list[Link]]:
    """A deterministic plan over four fiscal years.

    Measures last 2 weeks to 18 months and are numbered by planned start; a quarter have a
    deadline (the end of the fiscal year they are planned to finish in, or a month later), and
    most that were planned to end before October 2025 are done. Every dependency runs from a
    lower number to a higher one (so there is no cycle), to a measure planned to start from
    EARLY_DAYS before the day the dependency allows: 90 % up to LATE_DAYS after it, the rest any
    time later. So most dependencies leave slack and some push. Kinds: 65 % 終了→開始 (lag −14
    to +60 days, mostly 0), 20 % 開始→開始 (lag 0 to 90), 15 % 完了待ち. Measures are given in
    shuffled order, as a database would return them.
    """
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    starts = sorted(FIRST_DAY + timedelta(days=rng.randrange(span - 60)) for _ in range(task_count))
    tasks = [_measure(rng, number, start) for number, start in enumerate(starts)]
    chosen: dict[tuple[int, int], Link] = {}
    while len(chosen) < link_count:
        a = rng.randrange(task_count - 1)
        kind, lag = _kind_and_lag(rng)
        # A follower planned to start about when the dependency allows, or a little before; a
        # few (other plans' measures) any time later.
        base = tasks[a].start if kind == "ss" else tasks[a].finish
        allowed = base + timedelta(days=lag)
        low = bisect.bisect_left(starts, allowed - timedelta(days=EARLY_DAYS))
        late = allowed + timedelta(days=LATE_DAYS)
        high = task_count if rng.random() < LATER_SHARE else bisect.bisect_right(starts, late)
        b = max(a + 1, rng.randrange(low, max(low + 1, high)))
        if b >= task_count:
            continue
        chosen.setdefault((a, b), Link(f"M{a:05d}", f"M{b:05d}", kind, lag))
    links = list(chosen.values())
    rng.shuffle(tasks)
    rng.shuffle(links)
    return tasks, links


def _measure(rng: random.Random, number: int, start: date) -> Task:
    finish = min(LAST_DAY, start + timedelta(days=rng.randrange(14, 550)))
    deadline = None
    if rng.random() < 0.25:
        year_end = date(finish.year + (finish.month >= 4), 3, 31)
        deadline = year_end + timedelta(days=rng.choice((0, 0, 0, 30)))
    done = finish < date(2025, 10, 1) and rng.random() < 0.8
    return Task(f"M{number:05d}", start, finish, deadline, done, f"施策{number:05d}")


def _kind_and_lag(rng: random.Random) -> tuple[str, int]:
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    lag = 0
    if kind == "fs" and rng.random() < 0.4:
        lag = rng.randrange(-14, 61)
    elif kind == "ss":
        lag = rng.randrange(0, 91)
    return kind, lag


def build_data() -> list[Result]:
    """plans: generate a plan of 10,000 measures and 20,000 dependencies (FY2025–2028)"""
    STATE.generation_s, (STATE.tasks, STATE.links) = timed(generate)
    kinds = {kind: sum(1 for link in STATE.links if link.kind == kind) for kind, _ in KINDS}
    progress(
        f"{len(STATE.tasks):,} measures, {len(STATE.links):,} dependencies ({kinds}) "
        f"in {STATE.generation_s:.1f} s"
    )
    return []


def describe() -> str:
    if not STATE.tasks:
        return ""
    described = (
        f"plans: {len(STATE.tasks):,} measures, {len(STATE.links):,} dependencies "
        f"(FY{FIRST_DAY.year}–{LAST_DAY.year - 1}), generated in {STATE.generation_s:.1f} s"
    )
    return f"{described}; Gantt page: {STATE.gantt}" if STATE.gantt else described


# --- schedule ----------------------------------------------------------------------------------


def bench_schedule() -> list[Result]:
    """plans: schedule and critical paths of the whole plan (compute, 10 runs)"""
    tasks, links = STATE.tasks, STATE.links
    computed = schedule.compute(tasks, links)
    _check(computed)
    STATE.computed = computed
    times = samples(lambda: schedule.compute(tasks, links), n=RUNS, warmup=1)
    critical = len(computed.critical)
    label = (
        f"plans: schedule {len(tasks):,} 施策 / {len(links):,} 依存関係 "
        f"({critical:,} critical, {len(computed.critical_paths)} paths)"
    )
    return _results("schedule", label, times)


def _check(computed: schedule.Schedule) -> None:
    """The result is a schedule: links respected, no negative slack without deadlines."""
    by_id = {t.id: t for t in computed.tasks}
    for link in STATE.links:
        p, s = by_id[link.predecessor], by_id[link.successor]
        base = p.earliest_start if link.kind == "ss" else p.earliest_finish
        assert s.earliest_start >= base + timedelta(days=link.lag_days), link
    assert computed.critical_paths, "a plan always has a critical path"
    assert all(t.slack_days >= 0 for t in computed.tasks if t.deadline is None and not t.critical)


# --- what-if -----------------------------------------------------------------------------------


def bench_what_if() -> list[Result]:
    """plans: what-if of one slip near the start of the plan (10 runs)"""
    tasks, links, computed = STATE.tasks, STATE.links, STATE.computed
    assert computed is not None
    # The critical measure that starts first: its slip pushes a long way.
    slipped = min((t for t in computed.tasks if t.critical), key=lambda t: (t.earliest_start, t.id))
    impact = schedule.what_if(tasks, links, slipped.id, SLIP_DAYS)
    assert impact.moves and impact.moves[0].id == slipped.id, impact.moves[:1]
    times = samples(lambda: schedule.what_if(tasks, links, slipped.id, SLIP_DAYS), n=RUNS, warmup=1)
    label = (
        f"plans: what-if {slipped.id} +{SLIP_DAYS} days ({len(impact.moves):,} moved, "
        f"{len(impact.broken_deadlines):,} deadlines broken)"
    )
    return _results("what_if", label, times)


def _results(key: str, label: str, times: list[float]) -> list[Result]:
    figure = f"plans.{key}"
    note = f"median of {RUNS} runs after 1 warm-up; pure computation, no SQL bound"
    return [
        Result(f"{label}, median", ms(median(times)), "ms", TARGETS[key], figure, "median_ms"),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms", note),
    ]


# --- the Gantt page -----------------------------------------------------------------------------


def bench_gantt_page() -> list[Result]:
    """plans: the Gantt page of a 300-measure plan (its municipality's admin, test client)"""
    import json

    from django.test import Client

    from chiikidx.plans import queries

    plan, admin = build_gantt_plan()
    client = Client()
    client.force_login(admin)
    path = f"/o/{plan.organization.code}/plans/{plan.pk}/gantt/"
    page, count = _gantt_request(client, path)
    chart = json.loads(
        page.split('<script id="gantt-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["bars"]) == GANTT_TASKS, len(chart["bars"])
    assert len(chart["arrows"]) == GANTT_LINKS, len(chart["arrows"])
    times = samples(lambda: _gantt_request(client, path), n=GANTT_REQUESTS, warmup=1)
    params = {"plan": plan.pk, "org": plan.organization_id}
    rows = [len(_sql(sql, params)) for sql in GANTT_SQL]
    assert rows[1:3] == [GANTT_TASKS, GANTT_LINKS] and rows[5:] == [1, 1], rows
    bound = samples(lambda: [_sql(sql, params) for sql in GANTT_SQL], n=GANTT_SQL_REPEATS)
    latest = plan.baselines.order_by("taken_at", "pk").last()  # drawn by default, as the page
    data = samples(lambda: queries.gantt(plan, baseline=latest), n=GANTT_SQL_REPEATS, warmup=1)
    figure = "plans.gantt_page"
    label = f"plans: Gantt page {GANTT_TASKS} 施策 / {GANTT_LINKS} 依存関係"
    note = (
        f"{GANTT_REQUESTS} requests after 1 warm-up, {count} queries per request; SQL bound: "
        f"the page's {len(GANTT_SQL)} reads by hand (plan, measures, dependencies, policies, "
        "departments, baselines, the latest snapshot); aggregate: plans.queries.gantt with "
        "the latest baseline (the reads, the schedule and critical paths in Python and the "
        "chart data), which no SQL statement does, so the ratio has no target"
    )
    return [
        Result(
            f"{label}, median",
            ms(median(times)),
            "ms",
            TARGETS["gantt_page"],
            figure,
            "median_ms",
        ),
        Result(f"{label}, p95", ms(p95(times)), "ms", None, figure, "p95_ms", note),
        Result(
            f"{label}, SQL lower bound ({len(GANTT_SQL)} queries), median",
            ms(median(bound)),
            "ms",
            None,
            figure,
            "sql_bound_ms",
        ),
        Result(
            f"{label}, page data (queries.gantt), median",
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
    ]


def _gantt_request(client, path: str) -> tuple[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode(), len(captured.captured_queries)


def _sql(sql: str, params: dict) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def build_gantt_plan():
    """A plan of GANTT_TASKS measures and GANTT_LINKS dependencies of 札幌市, generated like the
    big plan (`generate`), with a baseline taken when it was approved and drift since: a tenth
    of the measures moved later, progress reported. Written through the plans services and the
    audited bulk writes, as the demo does."""
    from django.contrib.auth import get_user_model

    from chiikidx.core import audit
    from chiikidx.core.models import Department, Organization
    from chiikidx.plans import services
    from chiikidx.plans.models import Baseline, Dependency, Measure

    tables = [(Measure, "plans_measure"), (Dependency, "plans_dependency")]
    for model, name in [*tables, (Baseline, "plans_baseline")]:
        assert model._meta.db_table == name, (model, name)
    org = Organization.objects.get(code=GANTT_ORG)
    admin = get_user_model().objects.get(username=f"bench-muni_admin-{org.code}")
    departments = list(Department.objects.filter(organization=org).order_by("sort_order", "pk"))
    tasks, links = generate(GANTT_SEED, GANTT_TASKS, GANTT_LINKS)
    tasks.sort(key=lambda t: t.id)
    rng = random.Random(GANTT_SEED)
    with audit.acting_as(admin):
        plan = services.create_plan(
            acting_user=admin,
            organization=org,
            title=f"ベンチマーク用DX推進計画({GANTT_TASKS}施策)",
            vision="デジタルで暮らしが便利になるまち",
            start_fy=FIRST_DAY.year,
            end_fy=LAST_DAY.year - 1,
        )
        policies = [
            services.save_policy(
                acting_user=admin, plan=plan, code=str(n + 1), order=n, title=f"基本方針{n + 1}"
            )
            for n in range(GANTT_POLICIES)
        ]
        measures = Measure.objects.bulk_create(
            Measure(
                plan=plan,
                policy=policies[n % GANTT_POLICIES],
                code=f"{n % GANTT_POLICIES + 1}-{n // GANTT_POLICIES + 1}",
                order=n,
                title=task.label,
                owner_department=departments[n % len(departments)],
                start_date=task.start,
                deadline=task.finish,
            )
            for n, task in enumerate(tasks)
        )
        by_id = {task.id: m for task, m in zip(tasks, measures, strict=True)}
        Dependency.objects.bulk_create(
            Dependency(
                predecessor=by_id[link.predecessor],
                successor=by_id[link.successor],
                kind=link.kind,
                lag_days=link.lag_days,
            )
            for link in links
        )
        services.take_baseline(acting_user=admin, plan=plan, label="議会報告・承認時")
        for task, measure in zip(tasks, measures, strict=True):
            measure.status, measure.progress = _status(rng, task)
            if rng.random() < 0.1:  # moved later since the baseline
                days = timedelta(days=rng.randrange(30, 121))
                measure.start_date += days
                measure.deadline += days
        fields = ["status", "progress", "start_date", "deadline"]
        Measure.objects.select_related("plan__organization").bulk_update(measures, fields)
    STATE.gantt = (
        f"{GANTT_TASKS} measures, {GANTT_LINKS} dependencies and a baseline in a plan of "
        f"{org.name} ({org.code})"
    )
    progress(STATE.gantt)
    return plan, admin


def _status(rng: random.Random, task: Task) -> tuple[str, int]:
    if task.done:
        return "done", 100
    if task.start > date(2026, 10, 31):
        return "not_started", 0
    status = rng.choices(["on_track", "caution", "delayed"], weights=[70, 20, 10])[0]
    return status, rng.randrange(5, 96, 5)


def main() -> int:
    results = []
    for step in pure_steps():
        progress(step.__doc__.splitlines()[0])
        results.extend(step())
    print(f"\n{describe()}\n")
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
