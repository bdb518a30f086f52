"""The schedule engine against hand-computed cases; no database.

Day numbers are days after 2025-04-01 (令和7年度の初日): `day(10)` is 2025-04-11.
"""

import itertools
import json
import random
from datetime import date, timedelta

import pytest

from chiikidx.plans.schedule import (
    MAX_CRITICAL_PATHS,
    CycleError,
    Link,
    ScheduleError,
    Task,
    check_cycles,
    compute,
    what_if,
)

ORIGIN = date(2025, 4, 1)


def day(n: int) -> date:
    return ORIGIN + timedelta(days=n)


def task(id, start, duration, **kwargs) -> Task:
    return Task(id, day(start), day(start + duration), **kwargs)


def dates(schedule, task_id):
    """(earliest start, earliest finish, latest start, latest finish, slack) in day numbers."""
    t = schedule.task(task_id)
    days = [t.earliest_start, t.earliest_finish, t.latest_start, t.latest_finish]
    return (*((d - ORIGIN).days for d in days), t.slack_days)


# --- link kinds ---------------------------------------------------------------------------------


def test_finish_to_start_with_a_positive_lag():
    s = compute([task("A", 0, 10), task("B", 0, 5)], [Link("A", "B", "fs", 3)])
    assert dates(s, "A") == (0, 10, 0, 10, 0)
    assert dates(s, "B") == (13, 18, 13, 18, 0)
    assert s.project_finish == day(18)
    assert s.critical_paths == [["A", "B"]]
    assert s.critical_links == [("A", "B")]


def test_finish_to_start_with_a_negative_lag_overlaps():
    s = compute([task("A", 0, 10), task("B", 0, 5)], [Link("A", "B", "fs", -4)])
    assert dates(s, "B") == (6, 11, 6, 11, 0)
    assert dates(s, "A") == (0, 10, 0, 10, 0)  # LF = LS(B) + 4 = 10


def test_start_to_start_with_a_lag():
    s = compute([task("A", 0, 10), task("B", 0, 5)], [Link("A", "B", "ss", 2)])
    assert dates(s, "B") == (2, 7, 5, 10, 3)
    # A must start by LS(B) − 2 = 3, but must also finish by the end (10): LS = 0.
    assert dates(s, "A") == (0, 10, 0, 10, 0)
    assert s.critical == ["A"]
    assert s.critical_paths == [["A"]]


def test_start_to_start_constrains_the_predecessors_start():
    s = compute([task("A", 0, 4), task("B", 0, 20)], [Link("A", "B", "ss", 5)], project_end=day(25))
    assert dates(s, "B") == (5, 25, 5, 25, 0)
    # A's latest start = LS(B) − 5 = 0, however early its finish.
    assert dates(s, "A") == (0, 4, 0, 4, 0)
    assert s.critical_paths == [["A", "B"]]


def test_blocks_is_finish_to_start_and_a_gate():
    tasks = [task("A", 0, 10, label="基盤整備"), task("B", 0, 5)]
    s = compute(tasks, [Link("A", "B", "blocks")])
    assert dates(s, "B") == (10, 15, 10, 15, 0)
    assert s.task("B").blocked_by == ("A",)
    assert [(g.predecessor, g.successor, g.open) for g in s.gates] == [("A", "B", False)]

    tasks[0] = task("A", 0, 10, done=True)
    s = compute(tasks, [Link("A", "B", "blocks")])
    assert s.task("B").blocked_by == ()
    assert s.gates[0].open is True


def test_blocks_takes_no_lag():
    with pytest.raises(ScheduleError, match="完了待ちの依存関係なので"):
        compute([task("A", 0, 1), task("B", 0, 1)], [Link("A", "B", "blocks", 2)])


def test_unknown_kind_is_rejected():
    with pytest.raises(ScheduleError, match="種類（ff）がわかりません"):
        compute([task("A", 0, 1), task("B", 0, 1)], [Link("A", "B", "ff")])  # type: ignore[arg-type]


# --- critical paths -----------------------------------------------------------------------------


def diamond(c_duration: int = 10):
    tasks = [task("A", 0, 5), task("B", 0, 10), task("C", 0, c_duration), task("D", 0, 3)]
    links = [Link("A", "B"), Link("A", "C"), Link("B", "D"), Link("C", "D")]
    return tasks, links


def test_a_diamond_with_two_critical_paths():
    s = compute(*diamond())
    assert dates(s, "A") == (0, 5, 0, 5, 0)
    assert dates(s, "B") == (5, 15, 5, 15, 0)
    assert dates(s, "C") == (5, 15, 5, 15, 0)
    assert dates(s, "D") == (15, 18, 15, 18, 0)
    assert s.critical_paths == [["A", "B", "D"], ["A", "C", "D"]]
    assert s.critical_links == [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")]
    assert s.critical_paths_truncated is False


def test_a_shorter_branch_has_slack_and_leaves_the_critical_path():
    s = compute(*diamond(c_duration=7))
    assert dates(s, "C") == (5, 12, 8, 15, 3)
    assert s.critical == ["A", "B", "D"]
    assert s.critical_paths == [["A", "B", "D"]]


def test_two_independent_chains_are_two_paths():
    tasks = [task(1, 0, 5), task(2, 0, 5), task(3, 0, 10), task(4, 0, 0)]
    s = compute(tasks, [Link(1, 2), Link(3, 4)])
    assert s.critical_paths == [[1, 2], [3, 4]]


def test_critical_paths_are_capped(monkeypatch):
    monkeypatch.setattr("chiikidx.plans.schedule.MAX_CRITICAL_PATHS", 2)
    tasks = [task(i, 0, 1) for i in range(4)]
    s = compute(tasks, [])
    assert s.critical_paths == [[0], [1]]
    assert s.critical_paths_truncated is True
    assert s.critical == [0, 1, 2, 3]
    assert MAX_CRITICAL_PATHS == 100


# --- planned start, deadlines, end ----------------------------------------------------------------


def test_the_planned_start_is_a_lower_bound():
    s = compute([task("A", 0, 5), task("B", 20, 5)], [Link("A", "B")])
    assert dates(s, "B") == (20, 25, 20, 25, 0)
    assert dates(s, "A") == (0, 5, 15, 20, 15)  # A may finish as late as B's start
    assert s.critical_paths == [["B"]]


def test_a_predecessor_pushes_only_when_it_would_start_later_than_planned():
    s = compute([task("A", 0, 5), task("B", 3, 5)], [Link("A", "B")])
    assert dates(s, "B") == (5, 10, 5, 10, 0)
    assert s.task("B").planned_start == day(3)
    assert s.critical_paths == [["A", "B"]]


def test_a_deadline_earlier_than_the_end_gives_negative_slack():
    tasks = [task("A", 0, 10), task("B", 0, 10, deadline=day(15)), task("C", 0, 30)]
    s = compute(tasks, [Link("A", "B")])
    assert dates(s, "B") == (10, 20, 5, 15, -5)
    assert dates(s, "A") == (0, 10, -5, 5, -5)
    assert s.task("B").days_late == 5
    assert s.task("A").days_late == 0
    assert s.critical_paths == [["A", "B"], ["C"]]


def test_a_deadline_later_than_the_end_changes_nothing():
    tasks = [task("A", 0, 10, deadline=day(40))]
    assert dates(compute(tasks, []), "A") == (0, 10, 0, 10, 0)


def test_project_end_gives_slack_to_everything():
    s = compute(*diamond(), project_end=day(28))
    assert s.project_end == day(28)
    assert s.project_finish == day(18)
    assert dates(s, "D") == (15, 18, 25, 28, 10)
    assert dates(s, "A") == (0, 5, 10, 15, 10)
    assert s.critical == [] and s.critical_paths == []


def test_project_end_before_the_finish_makes_everything_late():
    s = compute([task("A", 0, 10)], [], project_end=day(7))
    assert dates(s, "A") == (0, 10, -3, 7, -3)


def test_no_tasks():
    s = compute([], [])
    assert s.tasks == [] and s.project_finish is None and s.critical_paths == []


def test_as_dict_is_plain_json():
    tasks = [task("A", 0, 10, label="電子申請の拡充", deadline=day(9)), task("B", 0, 5)]
    data = compute(tasks, [Link("A", "B", "blocks")]).as_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["tasks"][0]["deadline"] == "2025-04-10"
    assert data["tasks"][1]["blocked_by"] == ["A"]
    assert data["critical_links"] == [["A", "B"]]
    assert "_by_id" not in data


# --- invalid input --------------------------------------------------------------------------------

NAMES = [
    task("e", 0, 10, label="電子申請の拡充"),
    task("w", 0, 10, label="書かない窓口"),
    task("s", 0, 10, label="庁内システム標準化"),
    task("x", 0, 10, label="職員研修"),
]


def test_a_two_cycle_is_named():
    links = [Link("x", "e"), Link("e", "w"), Link("w", "e")]
    with pytest.raises(CycleError) as raised:
        check_cycles(NAMES, links)
    assert str(raised.value) == (
        "依存関係が循環しています: 電子申請の拡充 → 書かない窓口 → 電子申請の拡充。"
        "どれか1つの依存関係を外してください。"
    )
    assert raised.value.cycle == ["e", "w", "e"]


def test_a_three_cycle_is_named_in_link_order():
    links = [Link("w", "s", "ss"), Link("e", "w"), Link("s", "e", "blocks"), Link("s", "x")]
    with pytest.raises(CycleError) as raised:
        compute(NAMES, links)
    assert raised.value.cycle == ["e", "w", "s", "e"]
    assert "電子申請の拡充 → 書かない窓口 → 庁内システム標準化 → 電子申請の拡充" in str(
        raised.value
    )


def test_what_if_rejects_cycles_too():
    with pytest.raises(CycleError):
        what_if(NAMES, [Link("e", "w"), Link("w", "e")], "e", 3)


def test_a_dag_passes_the_cycle_check():
    check_cycles(NAMES, [Link("e", "w"), Link("w", "s"), Link("e", "s")])


def test_links_to_unknown_tasks_are_rejected():
    with pytest.raises(ScheduleError, match="先行側の施策（zz）が見つかりません"):
        compute(NAMES, [Link("zz", "e")])
    with pytest.raises(ScheduleError, match="後続側の施策（99）が見つかりません"):
        compute(NAMES, [Link("e", 99)])


def test_a_self_link_is_rejected():
    with pytest.raises(ScheduleError, match="施策「書かない窓口」が自分自身に依存しています"):
        check_cycles(NAMES, [Link("w", "w")])


def test_duplicate_tasks_and_reversed_dates_are_rejected():
    with pytest.raises(ScheduleError, match="施策「職員研修」が2回あります"):
        compute([*NAMES, task("x", 0, 1)], [])
    with pytest.raises(ScheduleError, match="終了日（2025-04-01）が開始日（2025-04-03）より前です"):
        compute([Task("t", day(2), day(0))], [])


# --- what-if --------------------------------------------------------------------------------------


def test_slack_absorbs_part_of_a_slip():
    # B is planned 4 days after A finishes; C is planned well after B.
    tasks = [task("A", 0, 10), task("B", 14, 6), task("C", 25, 5), task("U", 0, 50)]
    links = [Link("A", "B"), Link("B", "C")]
    impact = what_if(tasks, links, "A", 6)
    assert [(m.id, m.shift_days) for m in impact.moves] == [("A", 6), ("B", 2)]
    b = impact.moves[1]
    assert (b.old_start, b.old_finish, b.new_start, b.new_finish) == (
        day(14),
        day(20),
        day(16),
        day(22),
    )
    assert impact.broken_deadlines == []
    assert impact.project_finish_before == impact.project_finish_after == day(50)


def test_a_slip_travels_down_the_chain():
    tasks = [task("A", 0, 10), task("B", 0, 5), task("C", 0, 5), task("D", 0, 5), task("X", 0, 3)]
    links = [Link("A", "B"), Link("B", "C", "ss", 2), Link("C", "D", "blocks"), Link("X", "D")]
    before = compute(tasks, links)
    impact = what_if(tasks, links, "A", 3)
    assert [(m.id, m.shift_days) for m in impact.moves] == [
        ("A", 3),
        ("B", 3),
        ("C", 3),
        ("D", 3),
    ]
    assert impact.moves[-1].new_finish == day(25)
    assert impact.project_finish_before == day(22)
    assert impact.project_finish_after == day(25)
    assert compute(tasks, links) == before  # nothing changed


def test_a_start_to_start_follower_moves_with_the_start():
    tasks = [task("A", 0, 10), task("B", 0, 5)]
    impact = what_if(tasks, [Link("A", "B", "ss", 1)], "A", 4)
    assert [(m.id, m.new_start) for m in impact.moves] == [("A", day(4)), ("B", day(5))]


def test_predecessors_and_unrelated_tasks_do_not_move():
    tasks = [task("P", 0, 5), task("A", 0, 10), task("Q", 0, 40)]
    impact = what_if(tasks, [Link("P", "A"), Link("P", "Q")], "A", 10)
    assert [m.id for m in impact.moves] == ["A"]


def test_broken_deadlines():
    tasks = [
        task("A", 0, 10),
        task("B", 0, 5, deadline=day(15), label="書かない窓口"),  # finishes on its deadline
        task("C", 0, 5, deadline=day(18)),  # 2 days of margin
        task("D", 0, 5, deadline=day(12)),  # already 3 days late
        task("E", 0, 5, deadline=day(40)),
    ]
    links = [Link("A", "B"), Link("A", "C"), Link("A", "D"), Link("A", "E")]
    impact = what_if(tasks, links, "A", 5)
    assert [
        (b.id, b.deadline, b.new_finish, b.days_late, b.days_late_before)
        for b in (impact.broken_deadlines)
    ] == [
        ("B", day(15), day(20), 5, 0),
        ("C", day(18), day(20), 2, 0),
        ("D", day(12), day(20), 8, 3),
    ]
    assert impact.broken_deadlines[0].label == "書かない窓口"
    assert [m.id for m in impact.moves] == ["A", "B", "C", "D", "E"]


def test_the_slipped_task_can_break_its_own_deadline():
    impact = what_if([task("A", 0, 10, deadline=day(12))], [], "A", 5)
    assert [(b.id, b.days_late) for b in impact.broken_deadlines] == [("A", 3)]


def test_what_if_input_errors():
    with pytest.raises(ScheduleError, match="施策（Z）が見つかりません"):
        what_if(NAMES, [], "Z", 3)
    with pytest.raises(ScheduleError, match="0日以上"):
        what_if(NAMES, [], "e", -1)
    impact = what_if(NAMES, [], "e", 0)
    assert impact.moves == [] and impact.broken_deadlines == []


def test_impact_as_dict():
    data = what_if([task("A", 0, 10, deadline=day(12))], [], "A", 5).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["moves"][0]["new_finish"] == "2025-04-16"


# --- a large generated plan -----------------------------------------------------------------------


def generated(n_tasks=10_000, n_links=20_000, seed=7):
    """Measures over 4 fiscal years, numbered by start; links only from a measure to one with a
    higher number (so no cycle), often before the predecessor finishes, so many push."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    starts = sorted(rng.randrange(4 * 365) for _ in range(n_tasks))
    tasks = [task(f"m{i}", start, rng.randrange(0, 300)) for i, start in enumerate(starts)]
    rng.shuffle(tasks)  # the given order is not the dependency order
    pairs = set()
    while len(pairs) < n_links:
        a = rng.randrange(n_tasks - 1)
        b = min(n_tasks - 1, a + 1 + rng.randrange(100))
        pairs.add((a, b))
    links = []
    for a, b in sorted(pairs):
        kind = rng.choice(("fs", "fs", "fs", "ss", "blocks"))
        lag = 0 if kind == "blocks" else rng.randrange(-10, 30)
        links.append(Link(f"m{a}", f"m{b}", kind, lag))
    return tasks, links


def bound(link, earliest_start, earliest_finish):
    uses_finish = link.kind != "ss"
    base = earliest_finish if uses_finish else earliest_start
    return base + timedelta(days=link.lag_days)


def test_a_large_plan_respects_every_link():
    tasks, links = generated()
    s = compute(tasks, links)
    by_id = {t.id: t for t in s.tasks}
    preds = {t.id: [] for t in tasks}
    for link in links:
        p, q = by_id[link.predecessor], by_id[link.successor]
        assert q.earliest_start >= bound(link, p.earliest_start, p.earliest_finish)
        if link.kind == "ss":
            assert p.latest_start <= q.latest_start - timedelta(days=link.lag_days)
        else:
            assert p.latest_finish <= q.latest_start - timedelta(days=link.lag_days)
        preds[link.successor].append(link)
    for t in s.tasks:
        assert t.slack_days >= 0
        assert t.critical == (t.slack_days == 0)
        assert t.earliest_finish - t.earliest_start == t.planned_finish - t.planned_start
        # The earliest start is the tightest of the planned start and every predecessor.
        tightest = max(
            [t.planned_start]
            + [
                bound(
                    link,
                    by_id[link.predecessor].earliest_start,
                    by_id[link.predecessor].earliest_finish,
                )
                for link in preds[t.id]
            ]
        )
        assert t.earliest_start == tightest
        assert t.latest_finish <= s.project_finish
    assert s.project_finish == max(t.earliest_finish for t in s.tasks)
    position = {task_id: k for k, task_id in enumerate(s.order)}
    assert all(position[link.predecessor] < position[link.successor] for link in links)
    assert s.critical_paths
    linked = {(link.predecessor, link.successor) for link in links}
    for path in s.critical_paths:
        assert all(by_id[i].critical for i in path)
        assert all(pair in linked for pair in itertools.pairwise(path))
        assert by_id[path[-1]].earliest_finish <= s.project_finish


def test_a_large_what_if_moves_only_followers_and_respects_every_link():
    tasks, links = generated(seed=11)
    s = compute(tasks, links)
    slipped = s.critical_paths[0][0]
    impact = what_if(tasks, links, slipped, 45)
    followers, frontier = {slipped}, [slipped]
    successors = {}
    for link in links:
        successors.setdefault(link.predecessor, []).append(link.successor)
    while frontier:
        for nxt in successors.get(frontier.pop(), []):
            if nxt not in followers:
                followers.add(nxt)
                frontier.append(nxt)
    moved = {m.id: m for m in impact.moves}
    assert len(moved) > 1 and set(moved) <= followers
    assert all(m.shift_days > 0 for m in impact.moves)
    start = {t.id: t.earliest_start for t in s.tasks}
    finish = {t.id: t.earliest_finish for t in s.tasks}
    for m in impact.moves:
        start[m.id], finish[m.id] = m.new_start, m.new_finish
    for link in links:
        p = link.predecessor
        assert start[link.successor] >= bound(link, start[p], finish[p])
