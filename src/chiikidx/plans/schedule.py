"""The schedule of a plan's measures (施策): earliest and latest dates, slack, critical paths,
and what a slip would do. Pure Python: the plans app reads its measures and dependencies from
the database and passes them here as `Task` and `Link`.

How the schedule is computed (shown on the Gantt page):

- Every measure has a planned start and a planned finish. Its duration is the number of
  calendar days from start to finish; it never changes. Dates are days on the calendar: a
  measure from 4月1日 to 4月1日 has a duration of 0 days.
- Dependencies:
  - 終了→開始 (`fs`) with a lag of N days: the follower may start N days after the
    predecessor finishes at the earliest. A lag of 0 lets it start on the day the predecessor
    finishes; a negative lag lets it start that many days before (an overlap).
  - 開始→開始 (`ss`) with a lag of N days: the follower may start N days after the
    predecessor starts at the earliest.
  - 完了待ち (`blocks`): the follower may not start before the predecessor is done. For the
    dates this is 終了→開始 with no lag; besides, the page shows the gate as closed until the
    predecessor is marked done. Being done changes nothing else: a done measure is scheduled
    from its dates like any other.
- Earliest dates: measures are taken in dependency order. A measure starts on its planned start,
  unless a predecessor does not let it start that early: then it starts on the first day its
  predecessors allow. It never starts before its planned start. Its earliest finish is its
  earliest start plus its duration.
- Latest dates: taken in reverse order. A measure must finish by the end of the plan (the given
  end date, or else the latest earliest finish of all measures), by its own deadline if it has
  an earlier one, and early enough for each follower to start by its own latest start. Its latest
  start is its latest finish minus its duration.
- Slack (余裕日数) = latest start − earliest start, in days: how many days the measure can slip
  without moving the end of the plan or breaking a deadline. Negative slack means a deadline
  (or the plan's end date) cannot be met even if nothing slips.
- A measure is critical when its slack is 0 or less. A dependency is critical when both its
  measures are critical and it is what sets the follower's earliest start. A critical path is a
  chain of critical measures joined by critical dependencies, from one that no critical
  dependency leads to, to one that leads nowhere further. A plan may have several; at most
  MAX_CRITICAL_PATHS are listed (`critical_paths_truncated` then says so), while every critical
  measure and dependency is still marked.
- What-if ("if measure X slips N days"): X's earliest start and finish move N days later. Its
  followers, and theirs in turn, are pushed only as far as the dependencies require: a follower
  whose earliest start still allows the new dates keeps its dates (its slack absorbs the slip). A
  deadline is broken when a moved measure's new finish is later than its deadline. Nothing is
  changed: applying a slip is a separate, audited action of the plans app.
- Cycles (A must wait for B, which waits for A) have no schedule; they are rejected with a
  message naming the measures of the cycle in order.

Topological order is Kahn's algorithm (O(V+E)); every pass visits each measure and dependency
once, so 10,000 measures and 20,000 dependencies take well under a second.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

LinkKind = Literal["fs", "ss", "blocks"]
KINDS: dict[str, str] = {"fs": "終了→開始", "ss": "開始→開始", "blocks": "完了待ち"}
MAX_CRITICAL_PATHS = 100


# --- errors -----------------------------------------------------------------------------------


class ScheduleError(ValueError):
    """The measures or dependencies cannot be scheduled; the message says why, in Japanese."""


class CycleError(ScheduleError):
    """The dependencies form a cycle; `.cycle` lists its task ids in order, the first one
    repeated at the end (A → B → A)."""

    def __init__(self, cycle: list[Hashable], labels: list[str]):
        self.cycle = cycle
        path = " → ".join(labels)
        super().__init__(f"依存関係が循環しています: {path}。どれか1つの依存関係を外してください。")


# --- input ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A measure to schedule. Duration = finish − start in calendar days (0 or more)."""

    id: Hashable
    start: date
    finish: date
    deadline: date | None = None
    done: bool = False
    label: str = ""

    @property
    def name(self) -> str:
        """What messages call the measure: its label, or its id."""
        return self.label or str(self.id)


@dataclass(frozen=True)
class Link:
    """A dependency: `successor` waits for `predecessor` (see the module docstring)."""

    predecessor: Hashable
    successor: Hashable
    kind: LinkKind = "fs"
    lag_days: int = 0


# --- output -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO strings, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and JSON: dates as ISO strings (YYYY-MM-DD)."""
        return _plain(asdict(self))  # type: ignore[call-overload]


@dataclass(frozen=True)
class TaskSchedule(_AsDict):
    id: Hashable
    label: str
    planned_start: date
    planned_finish: date
    duration_days: int
    earliest_start: date
    earliest_finish: date
    latest_start: date
    latest_finish: date
    slack_days: int
    critical: bool
    deadline: date | None
    days_late: int  # earliest finish after the deadline, in days (0: on time or no deadline)
    blocked_by: tuple[Hashable, ...]  # 完了待ち predecessors not done yet


@dataclass(frozen=True)
class Gate(_AsDict):
    """A 完了待ち dependency: open once the predecessor is done."""

    predecessor: Hashable
    successor: Hashable
    open: bool


@dataclass
class Schedule(_AsDict):
    tasks: list[TaskSchedule]  # in the order given
    project_start: date | None  # earliest start of all measures
    project_finish: date | None  # latest earliest finish of all measures
    project_end: date | None  # the end the latest dates were computed against
    order: list[Hashable]  # dependency (topological) order
    critical: list[Hashable]  # in dependency order
    critical_links: list[tuple[Hashable, Hashable]]
    critical_paths: list[list[Hashable]]
    critical_paths_truncated: bool
    gates: list[Gate]
    _by_id: dict[Hashable, TaskSchedule] = field(default_factory=dict, repr=False, compare=False)

    def task(self, task_id: Hashable) -> TaskSchedule:
        if not self._by_id:
            self._by_id = {t.id: t for t in self.tasks}
        return self._by_id[task_id]

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.pop("_by_id", None)
        return data


@dataclass(frozen=True)
class Move(_AsDict):
    """A measure whose earliest dates the slip moves."""

    id: Hashable
    label: str
    old_start: date
    old_finish: date
    new_start: date
    new_finish: date
    shift_days: int


@dataclass(frozen=True)
class BrokenDeadline(_AsDict):
    id: Hashable
    label: str
    deadline: date
    new_finish: date
    days_late: int
    days_late_before: int  # 0: the slip breaks it; more: it was already late and gets later


@dataclass
class Impact(_AsDict):
    """What slipping one measure would do; nothing is changed."""

    task_id: Hashable
    slip_days: int
    moves: list[Move]  # in dependency order: the slipped measure first
    broken_deadlines: list[BrokenDeadline]  # in the same order
    project_finish_before: date | None
    project_finish_after: date | None


# --- the graph --------------------------------------------------------------------------------

# A prepared link, by index: (other task, uses the other's finish, offset in days). Into a
# successor s from p: s may start on (EF[p] if uses_finish else ES[p]) + offset at the earliest.
_Edge = tuple[int, bool, int]


@dataclass
class _Graph:
    tasks: Sequence[Task]
    index: dict[Hashable, int]
    start: list[int]  # planned start, as date ordinals
    duration: list[int]
    preds: list[list[_Edge]]
    succs: list[list[_Edge]]
    order: list[int]
    gate_preds: list[list[int]]  # 完了待ち predecessors, per task


def _prepare(tasks: Sequence[Task], links: Iterable[Link]) -> _Graph:
    index: dict[Hashable, int] = {}
    for i, task in enumerate(tasks):
        if task.id in index:
            raise ScheduleError(
                f"施策「{tasks[index[task.id]].name}」が2回あります。1つの施策は1回だけ指定してください。"
            )
        if task.finish < task.start:
            raise ScheduleError(
                f"施策「{task.name}」の終了日（{task.finish.isoformat()}）が開始日"
                f"（{task.start.isoformat()}）より前です。終了日を開始日以降にしてください。"
            )
        index[task.id] = i
    n = len(tasks)
    preds: list[list[_Edge]] = [[] for _ in range(n)]
    succs: list[list[_Edge]] = [[] for _ in range(n)]
    gate_preds: list[list[int]] = [[] for _ in range(n)]
    for link in links:
        p, s, uses_finish, offset = _check_link(link, index, tasks)
        preds[s].append((p, uses_finish, offset))
        succs[p].append((s, uses_finish, offset))
        if link.kind == "blocks" and p not in gate_preds[s]:
            gate_preds[s].append(p)
    graph = _Graph(
        tasks=tasks,
        index=index,
        start=[t.start.toordinal() for t in tasks],
        duration=[(t.finish - t.start).days for t in tasks],
        preds=preds,
        succs=succs,
        order=[],
        gate_preds=gate_preds,
    )
    graph.order = _topological_order(graph)
    return graph


def _check_link(
    link: Link, index: dict[Hashable, int], tasks: Sequence[Task]
) -> tuple[int, int, bool, int]:
    for role, task_id in (("先行", link.predecessor), ("後続", link.successor)):
        if task_id not in index:
            raise ScheduleError(
                f"依存関係の{role}側の施策（{task_id}）が見つかりません。"
                "削除された施策への依存関係を外してください。"
            )
    p, s = index[link.predecessor], index[link.successor]
    if p == s:
        raise ScheduleError(
            f"施策「{tasks[p].name}」が自分自身に依存しています。この依存関係を外してください。"
        )
    if link.kind not in KINDS:
        raise ScheduleError(
            f"施策「{tasks[p].name}」→「{tasks[s].name}」の依存関係の種類（{link.kind}）が"
            "わかりません。終了→開始（fs）、開始→開始（ss）、完了待ち（blocks）のどれかにして"
            "ください。"
        )
    if link.kind == "blocks" and link.lag_days:
        raise ScheduleError(
            f"施策「{tasks[p].name}」→「{tasks[s].name}」は完了待ちの依存関係なので、"
            "日数のずれは指定できません。ずれが必要なら終了→開始にしてください。"
        )
    uses_finish = link.kind != "ss"
    return p, s, uses_finish, int(link.lag_days)


def _topological_order(graph: _Graph) -> list[int]:
    """Kahn's algorithm; ties keep the order of the tasks and links given."""
    indegree = [len(p) for p in graph.preds]
    ready = deque(i for i, d in enumerate(indegree) if d == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for s, _, _ in graph.succs[i]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) < len(graph.tasks):
        raise _cycle_error(graph, indegree)
    return order


def _cycle_error(graph: _Graph, indegree: list[int]) -> CycleError:
    """Every task left by Kahn's algorithm has a predecessor that is left too: walk back along
    them until a task repeats, which closes a cycle."""
    left = [i for i, d in enumerate(indegree) if d > 0]
    seen: dict[int, int] = {}
    walk: list[int] = []
    i = left[0]
    while i not in seen:
        seen[i] = len(walk)
        walk.append(i)
        i = next(p for p, _, _ in graph.preds[i] if indegree[p] > 0)
    cycle = list(reversed(walk[seen[i] :]))  # walked backwards: turn it into link order
    first = cycle.index(min(cycle))  # start at the task given first, so the message is stable
    cycle = cycle[first:] + cycle[:first]
    cycle.append(cycle[0])
    tasks = graph.tasks
    return CycleError([tasks[j].id for j in cycle], [tasks[j].name for j in cycle])


def _forward(graph: _Graph) -> tuple[list[int], list[int]]:
    """Earliest start and finish (date ordinals) of every task."""
    es = graph.start[:]
    ef = [0] * len(es)
    duration, preds = graph.duration, graph.preds
    for s in graph.order:
        start = es[s]
        for p, uses_finish, offset in preds[s]:
            bound = (ef[p] if uses_finish else es[p]) + offset
            if bound > start:
                start = bound
        es[s] = start
        ef[s] = start + duration[s]
    return es, ef


def _backward(graph: _Graph, end: int) -> tuple[list[int], list[int]]:
    """Latest start and finish (date ordinals) of every task."""
    n = len(graph.tasks)
    ls, lf = [0] * n, [0] * n
    duration, succs, tasks = graph.duration, graph.succs, graph.tasks
    for p in reversed(graph.order):
        finish = end
        deadline = tasks[p].deadline
        if deadline is not None and deadline.toordinal() < finish:
            finish = deadline.toordinal()
        for s, uses_finish, offset in succs[p]:
            bound = ls[s] - offset if uses_finish else ls[s] - offset + duration[p]
            if bound < finish:
                finish = bound
        lf[p] = finish
        ls[p] = finish - duration[p]
    return ls, lf


# --- compute ----------------------------------------------------------------------------------


def check_cycles(tasks: Sequence[Task], links: Iterable[Link]) -> None:
    """Raise CycleError naming a cycle if the links have one; ScheduleError for links to unknown
    tasks, self-links and other invalid input."""
    _prepare(tasks, links)


def compute(
    tasks: Sequence[Task], links: Iterable[Link], *, project_end: date | None = None
) -> Schedule:
    """Earliest and latest dates, slack and critical paths (rules: the module docstring)."""
    graph = _prepare(tasks, links)
    es, ef = _forward(graph)
    finish = max(ef) if ef else None
    end = project_end.toordinal() if project_end is not None else finish
    ls, lf = _backward(graph, end) if end is not None else ([], [])
    slack = [ls[i] - es[i] for i in range(len(tasks))]
    critical = [slack[i] <= 0 for i in range(len(tasks))]
    links_on = _critical_links(graph, es, ef, critical)
    paths, truncated = _critical_paths(graph, links_on, critical)
    ids = [t.id for t in tasks]
    return Schedule(
        tasks=[_task_schedule(graph, i, es, ef, ls, lf) for i in range(len(tasks))],
        project_start=date.fromordinal(min(es)) if es else None,
        project_finish=date.fromordinal(finish) if finish is not None else None,
        project_end=date.fromordinal(end) if end is not None else None,
        order=[ids[i] for i in graph.order],
        critical=[ids[i] for i in graph.order if critical[i]],
        critical_links=[(ids[p], ids[s]) for p in graph.order for s in links_on[p]],
        critical_paths=[[ids[i] for i in path] for path in paths],
        critical_paths_truncated=truncated,
        gates=_gates(tasks, graph),
    )


def _task_schedule(
    graph: _Graph, i: int, es: list[int], ef: list[int], ls: list[int], lf: list[int]
) -> TaskSchedule:
    task = graph.tasks[i]
    days_late = 0
    if task.deadline is not None:
        days_late = max(0, ef[i] - task.deadline.toordinal())
    return TaskSchedule(
        id=task.id,
        label=task.label,
        planned_start=task.start,
        planned_finish=task.finish,
        duration_days=graph.duration[i],
        earliest_start=date.fromordinal(es[i]),
        earliest_finish=date.fromordinal(ef[i]),
        latest_start=date.fromordinal(ls[i]),
        latest_finish=date.fromordinal(lf[i]),
        slack_days=ls[i] - es[i],
        critical=ls[i] - es[i] <= 0,
        deadline=task.deadline,
        days_late=days_late,
        blocked_by=_blocked_by(graph, i),
    )


def _blocked_by(graph: _Graph, i: int) -> tuple[Hashable, ...]:
    return tuple(graph.tasks[p].id for p in graph.gate_preds[i] if not graph.tasks[p].done)


def _gates(tasks: Sequence[Task], graph: _Graph) -> list[Gate]:
    return [
        Gate(tasks[p].id, tasks[s].id, open=tasks[p].done)
        for s in graph.order
        for p in graph.gate_preds[s]
    ]


def _critical_links(
    graph: _Graph, es: list[int], ef: list[int], critical: list[bool]
) -> list[list[int]]:
    """Per task, the critical successors it drives (in link order, without repeats)."""
    driven: list[list[int]] = [[] for _ in graph.tasks]
    for s in graph.order:
        if not critical[s]:
            continue
        for p, uses_finish, offset in graph.preds[s]:
            if not critical[p] or s in driven[p]:
                continue
            if (ef[p] if uses_finish else es[p]) + offset == es[s]:
                driven[p].append(s)
    return driven


def _critical_paths(
    graph: _Graph, driven: list[list[int]], critical: list[bool]
) -> tuple[list[list[int]], bool]:
    """Every chain of critical links from a start (no critical link in) to an end (none out),
    depth first in dependency order; at most MAX_CRITICAL_PATHS."""
    has_in = [False] * len(graph.tasks)
    for successors in driven:
        for s in successors:
            has_in[s] = True
    paths: list[list[int]] = []
    for first in graph.order:
        if not critical[first] or has_in[first]:
            continue
        stack: list[tuple[int, int]] = [(first, 0)]  # (task, next successor to try)
        path = [first]
        while stack:
            i, k = stack[-1]
            if not driven[i] and k == 0:
                if len(paths) == MAX_CRITICAL_PATHS:
                    return paths, True
                paths.append(path[:])
            if k < len(driven[i]):
                stack[-1] = (i, k + 1)
                stack.append((driven[i][k], 0))
                path.append(driven[i][k])
            else:
                stack.pop()
                path.pop()
    return paths, False


# --- what-if ----------------------------------------------------------------------------------


def what_if(
    tasks: Sequence[Task], links: Iterable[Link], task_id: Hashable, slip_days: int
) -> Impact:
    """What slipping `task_id` by `slip_days` days would move and which deadlines it would
    break, against the earliest dates of `compute`; the inputs are not changed."""
    graph = _prepare(tasks, links)
    if task_id not in graph.index:
        raise ScheduleError(f"施策（{task_id}）が見つかりません。計画にある施策を選んでください。")
    if slip_days < 0:
        raise ScheduleError("遅れの日数は0日以上で指定してください。")
    es, ef = _forward(graph)
    new_es, new_ef = _push(graph, es, ef, graph.index[task_id], slip_days)
    moves: list[Move] = []
    broken: list[BrokenDeadline] = []
    for i in graph.order:
        if i not in new_es:
            continue
        task = tasks[i]
        start, finish = new_es[i], new_ef[i]
        moves.append(
            Move(
                id=task.id,
                label=task.label,
                old_start=date.fromordinal(es[i]),
                old_finish=date.fromordinal(ef[i]),
                new_start=date.fromordinal(start),
                new_finish=date.fromordinal(finish),
                shift_days=start - es[i],
            )
        )
        if task.deadline is not None and finish > task.deadline.toordinal():
            deadline = task.deadline.toordinal()
            broken.append(
                BrokenDeadline(
                    id=task.id,
                    label=task.label,
                    deadline=task.deadline,
                    new_finish=date.fromordinal(finish),
                    days_late=finish - deadline,
                    days_late_before=max(0, ef[i] - deadline),
                )
            )
    before = max(ef) if ef else None
    after = max(before, *new_ef.values()) if new_ef and before is not None else before
    return Impact(
        task_id=task_id,
        slip_days=slip_days,
        moves=moves,
        broken_deadlines=broken,
        project_finish_before=date.fromordinal(before) if before is not None else None,
        project_finish_after=date.fromordinal(after) if after is not None else None,
    )


def _push(
    graph: _Graph, es: list[int], ef: list[int], slipped: int, days: int
) -> tuple[dict[int, int], dict[int, int]]:
    """New earliest dates of the tasks that move: the slipped task, then its followers in
    dependency order, each recomputed from its predecessors' new dates (the old ones for
    predecessors that do not move). Only tasks reachable from the slipped one are visited."""
    new_es: dict[int, int] = {}
    new_ef: dict[int, int] = {}
    if days == 0:
        return new_es, new_ef
    new_es[slipped] = es[slipped] + days
    new_ef[slipped] = ef[slipped] + days
    # The frontier is a heap by position in the dependency order: a task is looked at once,
    # after every predecessor that moves, and only tasks reachable from the slipped one are.
    position = {i: k for k, i in enumerate(graph.order)}
    pending = {s for s, _, _ in graph.succs[slipped]}
    heap = [(position[i], i) for i in pending]
    heapq.heapify(heap)
    while heap:
        _, s = heapq.heappop(heap)
        pending.discard(s)
        start = graph.start[s]
        for p, uses_finish, offset in graph.preds[s]:
            if p in new_es:
                bound = (new_ef[p] if uses_finish else new_es[p]) + offset
            else:
                bound = (ef[p] if uses_finish else es[p]) + offset
            if bound > start:
                start = bound
        if start == es[s]:
            continue  # slack absorbed the slip: its followers are not pushed through it
        new_es[s] = start
        new_ef[s] = start + graph.duration[s]
        for t, _, _ in graph.succs[s]:
            if t not in pending:
                pending.add(t)
                heapq.heappush(heap, (position[t], t))
    return new_es, new_ef
