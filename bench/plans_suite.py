"""The plans benchmarks: the schedule engine on a generated plan of 10,000 measures and 20,000
dependencies.

Run by suite.run_all after the assessments benchmarks, at every BENCH_SCALE (the data set does
not depend on it and takes about a second). Figures: `plans.schedule` (earliest and latest dates,
slack and critical paths of the whole plan) and `plans.what_if` (one slip of a measure near the
start). Both are pure computation in Python, without the database: there is no SQL lower bound,
so `sql_bound_ms` and `ratio` stay null.

Also runnable on its own, without Django (`python bench/plans_suite.py`): it prints the table
and writes nothing.
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
}


@dataclass
class State:
    tasks: list[Task] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    generation_s: float = 0.0
    computed: schedule.Schedule | None = None


STATE = State()


def steps():
    return (build_data, bench_schedule, bench_what_if)


# --- data --------------------------------------------------------------------------------------


def generate(seed: int = SEED) -> tuple[list[Task], list[Link]]:
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
    starts = sorted(FIRST_DAY + timedelta(days=rng.randrange(span - 60)) for _ in range(TASKS))
    tasks = [_measure(rng, number, start) for number, start in enumerate(starts)]
    chosen: dict[tuple[int, int], Link] = {}
    while len(chosen) < LINKS:
        a = rng.randrange(TASKS - 1)
        kind, lag = _kind_and_lag(rng)
        # A follower planned to start about when the dependency allows, or a little before; a
        # few (other plans' measures) any time later.
        base = tasks[a].start if kind == "ss" else tasks[a].finish
        allowed = base + timedelta(days=lag)
        low = bisect.bisect_left(starts, allowed - timedelta(days=EARLY_DAYS))
        late = allowed + timedelta(days=LATE_DAYS)
        high = TASKS if rng.random() < LATER_SHARE else bisect.bisect_right(starts, late)
        b = max(a + 1, rng.randrange(low, max(low + 1, high)))
        if b >= TASKS:
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
    return (
        f"plans: {len(STATE.tasks):,} measures, {len(STATE.links):,} dependencies "
        f"(FY{FIRST_DAY.year}–{LAST_DAY.year - 1}), generated in {STATE.generation_s:.1f} s"
    )


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


def main() -> int:
    results = []
    for step in steps():
        progress(step.__doc__.splitlines()[0])
        results.extend(step())
    print(f"\n{describe()}\n")
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
