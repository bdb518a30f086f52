"""The checks of a logic model on hand-built graphs (no database): node status, links in doubt,
line of sight, and the validation of links."""

from chiikidx.monitoring import logic
from chiikidx.monitoring.logic import Graph, KpiMark, Link, Node, NodeStatus, Verdict


def test_node_status_is_the_worst_judged_kpi():
    assert logic.node_status([]) == NodeStatus.NO_KPI
    assert logic.node_status(["no_data"]) == NodeStatus.NO_DATA
    assert logic.node_status(["no_target", "stale"]) == NodeStatus.NO_DATA
    assert logic.node_status(["stale", "on_track"]) == NodeStatus.ON_TRACK
    assert logic.node_status(["on_track", "at_risk"]) == NodeStatus.AT_RISK
    assert logic.node_status(["at_risk", "off_track", "on_track"]) == NodeStatus.OFF_TRACK


ON = (KpiMark("申請件数", "on_track"),)
OFF = (KpiMark("来庁者数", "off_track"),)
RISK = (KpiMark("待ち時間", "at_risk"),)
NO_DATA = (KpiMark("満足度", "no_data"),)


def _checked_graph() -> Graph:
    return Graph(
        [
            Node(1, "activity", "オンライン化", ()),
            Node(2, "output", "申請が増える", ON),
            Node(3, "short_term", "来庁が減る", OFF),
            Node(4, "short_term", "待ち時間が減る", RISK),
            Node(5, "short_term", "満足度が上がる", NO_DATA),
            Node(6, "mid_term", "時間が減る", ON),
            Node(7, "mid_term", "住民の時間が増える", ON),
        ],
        [
            Link(10, 1, 2, "手続を選べる"),
            Link(11, 2, 3, "オンラインの人は来庁しない", "先行事例"),
            Link(12, 2, 4),
            Link(13, 2, 5, "使いやすい"),
            Link(14, 3, 6, "来庁が減れば時間が減る"),
            Link(15, 6, 7, "時間が減れば余暇が増える"),
        ],
    )


def test_links_are_checked_against_the_statuses_of_both_ends():
    found = {c.link.key: c for c in logic.check_links(_checked_graph())}
    assert {k: c.verdict for k, c in found.items()} == {
        10: Verdict.UNCHECKED,  # the activity has no KPI
        11: Verdict.DOUBTFUL,  # on track → off track
        12: Verdict.DOUBTFUL,  # on track → at risk
        13: Verdict.UNCHECKED,  # on track → no data: not a doubt
        14: Verdict.UPSTREAM_BEHIND,
        15: Verdict.HOLDING,
    }
    assert [(k, c.note) for k, c in found.items() if c.note] == [(11, 1), (12, 2)]
    assert found[11].reason == (
        "上流の「申請が増える」は順調(申請件数: 順調)ですが、下流の「来庁が減る」は遅れ"
        "(来庁者数: 遅れ)です。前提「オンラインの人は来庁しない」が成り立っていない可能性が"
        "あります。"
    )
    assert found[12].reason.endswith(
        "前提条件が書かれていません。書いておくと、何を確かめればよいかがわかります)。"
    )
    assert found[13].reason == (
        "「満足度が上がる」の状況が「判定できない」のため、前提を確かめられません。"
    )
    assert (
        found[10].reason == "「オンライン化」の状況が「指標なし」のため、前提を確かめられません。"
    )
    assert found[14].reason == (
        "上流の「来庁が減る」が遅れのため、下流の結果ではまだ前提を確かめられません。"
    )
    assert found[15].reason == "上流の「時間が減る」も下流の「住民の時間が増える」も順調です。"
    assert [c.link.key for c in logic.doubtful_links(_checked_graph())] == [11, 12]


def test_no_data_on_either_side_is_never_a_doubt():
    graph = Graph(
        [Node(1, "output", "A", NO_DATA), Node(2, "short_term", "B", OFF)], [Link(1, 1, 2)]
    )
    assert logic.doubtful_links(graph) == []
    assert logic.check_links(graph)[0].verdict == Verdict.UNCHECKED


def _sight_graph() -> Graph:
    """Measure 101 → A → O → S → I; 102 → B (leads nowhere); 104 → C → I and → I2;
    S2 is reached by no measure; 103 is linked to no node."""
    return Graph(
        [
            Node(1, "activity", "A", measures=(101,)),
            Node(2, "activity", "B", measures=(102,)),
            Node(3, "activity", "C", measures=(104, 101)),
            Node(4, "output", "O"),
            Node(5, "short_term", "S"),
            Node(6, "short_term", "S2"),
            Node(7, "impact", "I"),
            Node(8, "impact", "I2"),
        ],
        [
            Link(1, 1, 4),
            Link(2, 4, 5),
            Link(3, 5, 7),
            Link(4, 3, 7),
            Link(5, 3, 8),
            Link(6, 6, 7),
        ],
    )


def test_line_of_sight_gives_the_shortest_path_of_each_measure_node_to_each_impact():
    found = logic.line_of_sight(_sight_graph(), [101, 102, 103])
    assert [(s.measure, s.nodes, s.paths) for s in found.sights] == [
        (101, (1, 3), ((1, 4, 5, 7), (3, 7), (3, 8))),
        (102, (2,), ()),
        (104, (3,), ((3, 7), (3, 8))),  # not a candidate: after them, by key
    ]
    assert [(u.measure, u.reason) for u in found.unconnected] == [
        (
            102,
            "ノード「B」から、インパクトに届くつながりがありません。どの成果につながるのかを"
            "つながりで示してください。",
        ),
        (103, "どのノードにもつながっていません。この施策が担う活動や産出をノードにしてください。"),
    ]
    assert found.unserved == [6]


def test_a_model_without_impact_leads_nowhere_and_its_outcomes_are_listed():
    graph = Graph(
        [
            Node(1, "activity", "A", measures=(1,)),
            Node(2, "short_term", "S"),
            Node(3, "mid_term", "M"),
        ],
        [Link(1, 1, 2)],
    )
    found = logic.line_of_sight(graph, [1])
    assert [(u.measure, u.reason) for u in found.unconnected] == [
        (
            1,
            "ノード「A」からたどれるインパクトがありません(このロジックモデルにはインパクトの"
            "ノードがありません)。",
        )
    ]
    assert found.unserved == [3]  # S is reached by the measure's node


def test_a_measure_on_the_impact_node_itself_reaches_it():
    graph = Graph([Node(1, "impact", "I", measures=(5,))])
    found = logic.line_of_sight(graph, [5])
    assert [(s.measure, s.paths) for s in found.sights] == [(5, ((1,),))]
    assert found.unconnected == [] and found.unserved == []


def _valid_graph() -> Graph:
    return Graph(
        [
            Node(1, "activity", "A"),
            Node(2, "short_term", "B"),
            Node(3, "short_term", "C"),
            Node(4, "short_term", "D"),
        ],
        [Link(1, 1, 2), Link(2, 2, 3), Link(3, 3, 4)],
    )


def test_links_go_forward_or_within_a_stage_never_back_to_itself_twice_or_round():
    graph = _valid_graph()
    assert logic.link_problem(graph, 1, 4) is None  # skips no stage rule: forward is enough
    assert logic.link_problem(graph, 2, 4) is None  # within a stage
    assert logic.link_problem(graph, 2, 2) == (
        "同じノードどうしはつなげません。別のノードを選んでください。"
    )
    assert logic.link_problem(graph, 2, 1) == (
        "「B」(短期成果)から「A」(活動)へのつながりは逆向きです。つながりは 投入 → 活動 → 産出 →"
        " 短期成果 → 中期成果 → インパクト の向きに(同じ段階の中でも)引きます。向きを逆にするか、"
        "ノードの段階を見直してください。"
    )
    assert logic.link_problem(graph, 1, 2) == "「A」から「B」へのつながりはすでにあります。"
    assert logic.link_problem(graph, 4, 2) == (
        "このつながりを加えると 「B」 → 「C」 → 「D」 → 「B」 と循環します。"
        "ロジックモデルは原因から結果への一方向の流れなので、循環はできません。"
        "どちらが原因でどちらが結果かを見直してください。"
    )
    assert logic.link_problem(graph, 1, 99) == (
        "つなぐノードは、このロジックモデルのノードから選んでください。"
    )


def test_changing_a_link_does_not_count_the_link_itself():
    graph = _valid_graph()
    assert logic.link_problem(graph, 1, 2, ignore=1) is None  # saved again unchanged
    # 3 → 4 turned round would be a cycle only if it stayed: it is the link being changed
    assert logic.link_problem(graph, 4, 3, ignore=3) is None
    assert logic.link_problem(graph, 4, 2, ignore=3) == logic.link_problem(
        Graph(graph.nodes, graph.links[:2]), 4, 2
    )


def test_a_stage_change_that_turns_a_link_round_is_named():
    graph = _valid_graph()
    assert logic.stage_problems(graph, 2, "output") == []
    assert logic.stage_problems(graph, 2, "mid_term") == [
        "「B」から「C」へのつながりが逆向きになります。"
    ]
    assert logic.stage_problems(graph, 1, "impact") == [
        "「A」から「B」へのつながりが逆向きになります。"
    ]
