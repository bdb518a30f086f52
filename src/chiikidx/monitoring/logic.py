"""The checks of a logic model (ロジックモデル), pure: no database. The caller reads the model's
nodes, links, the KPIs of each node with their statuses (monitoring.queries.states) and the
measures, and passes them in as plain values; tests build graphs by hand.

Rules (the user guide, §13 「ロジックモデル」, says the same):

- **A node's status** comes from its KPIs' statuses (monitoring.status): the worst of those
  that can be judged — 遅れ before 注意 before 順調. 未更新, 実績なし and 目標なし are not
  judged (old or missing data says nothing about now). A node with KPIs none of which can be
  judged is 判定できない; a node without KPIs is 指標なし.
- **A link's check**: its assumption (前提条件) says "if the upstream node is achieved, the
  downstream one follows". When the upstream node is 順調 and the downstream one is 注意 or
  遅れ, the assumption may not hold (前提が成り立っていない可能性): the link is in doubt. When
  both are 順調 it holds so far; when the upstream node is behind, the downstream result cannot
  test the assumption yet; when either end cannot be judged, the link cannot be checked.
- **Line of sight** (見通し): for each measure linked to a node, the shortest path from each
  of its nodes to each インパクト node it reaches. A measure leads nowhere (つながっていない施策)
  when it is linked to no node or none of its nodes reaches an インパクト node. An outcome
  (短期成果, 中期成果, インパクト) that no measure-linked node reaches is served by no measure
  (どの施策も支えていない成果).
- **Links** go from a stage to the same or a later one (never back), never from a node to
  itself, never twice between the same nodes, and never round in a cycle (possible only within a
  stage, since no link goes back).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import OUTCOME_STAGES, STAGE_ORDER, LogicStage, Status

JUDGED = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK)  # worst first


class NodeStatus(models.TextChoices):
    ON_TRACK = "on_track", gettext_lazy("順調")
    AT_RISK = "at_risk", gettext_lazy("注意")
    OFF_TRACK = "off_track", gettext_lazy("遅れ")
    NO_DATA = "no_data", gettext_lazy("判定できない")
    NO_KPI = "no_kpi", gettext_lazy("指標なし")


NODE_STYLE = {
    NodeStatus.ON_TRACK: "ok",
    NodeStatus.AT_RISK: "warn",
    NodeStatus.OFF_TRACK: "off",
    NodeStatus.NO_DATA: "draft",
    NodeStatus.NO_KPI: "neutral",
}
BEHIND = frozenset({NodeStatus.AT_RISK, NodeStatus.OFF_TRACK})


class Verdict(models.TextChoices):
    """What the KPIs say about a link's assumption."""

    DOUBTFUL = "doubtful", gettext_lazy("前提が疑わしい")
    HOLDING = "holding", gettext_lazy("前提は今のところ成り立っている")
    UPSTREAM_BEHIND = "upstream_behind", gettext_lazy("上流が遅れている")
    UNCHECKED = "unchecked", gettext_lazy("確かめられない")


VERDICT_STYLE = {
    Verdict.DOUBTFUL: "off",
    Verdict.HOLDING: "ok",
    Verdict.UPSTREAM_BEHIND: "warn",
    Verdict.UNCHECKED: "neutral",
}


@dataclass(frozen=True)
class KpiMark:
    """A KPI of a node as the checks see it: its name and status (monitoring.choices.Status)."""

    name: str
    status: str


@dataclass(frozen=True)
class Node:
    key: int
    stage: str
    title: str
    kpis: tuple[KpiMark, ...] = ()
    measures: tuple[int, ...] = ()  # keys of the measures linked to the node


@dataclass(frozen=True)
class Link:
    key: int
    source: int
    target: int
    assumption: str = ""
    rationale: str = ""


@dataclass
class Graph:
    nodes: list[Node]
    links: list[Link] = field(default_factory=list)

    def __post_init__(self):
        self.by_key = {n.key: n for n in self.nodes}
        rank = {n.key: i for i, n in enumerate(self.nodes)}
        self._after: dict[int, list[int]] = {}
        for link in self.links:
            self._after.setdefault(link.source, []).append(link.target)
        for targets in self._after.values():
            targets.sort(key=lambda k: rank.get(k, len(rank)))

    def after(self, key: int) -> list[int]:
        """The nodes a node links to, in the nodes' order."""
        return self._after.get(key, [])


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)


def stage_label(stage: str) -> str:
    return str(LogicStage(stage).label)


# --- status -----------------------------------------------------------------------------------


def node_status(kpi_statuses: Iterable[str]) -> str:
    """The worst judged status of the node's KPIs (see the module's rules)."""
    statuses = list(kpi_statuses)
    if not statuses:
        return NodeStatus.NO_KPI
    for status in JUDGED:
        if status in statuses:
            return NodeStatus(str(status))
    return NodeStatus.NO_DATA


def statuses_of(graph: Graph) -> dict[int, str]:
    return {n.key: node_status(k.status for k in n.kpis) for n in graph.nodes}


def node_status_label(value: str) -> str:
    return str(NodeStatus(value).label)


# --- links ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    link: Link
    verdict: str
    reason: str
    note: int | None = None  # the footnote number of a link in doubt (1, 2, …)

    @property
    def doubtful(self) -> bool:
        return self.verdict == Verdict.DOUBTFUL


def verdict_of(upstream: str, downstream: str) -> str:
    if upstream in BEHIND:
        return Verdict.UPSTREAM_BEHIND
    if upstream != NodeStatus.ON_TRACK or downstream not in (NodeStatus.ON_TRACK, *BEHIND):
        return Verdict.UNCHECKED
    return Verdict.DOUBTFUL if downstream in BEHIND else Verdict.HOLDING


def check_links(graph: Graph, statuses: dict[int, str] | None = None) -> list[LinkCheck]:
    """Every link with its verdict and the reason in Japanese; links in doubt are numbered in
    the order of the links."""
    statuses = statuses if statuses is not None else statuses_of(graph)
    found, note = [], 0
    for link in graph.links:
        source, target = graph.by_key[link.source], graph.by_key[link.target]
        verdict = verdict_of(statuses[source.key], statuses[target.key])
        if verdict == Verdict.DOUBTFUL:
            note += 1
        reason = _reason(verdict, source, target, link, statuses)
        found.append(
            LinkCheck(link, verdict, reason, note if verdict == Verdict.DOUBTFUL else None)
        )
    return found


def doubtful_links(graph: Graph, statuses: dict[int, str] | None = None) -> list[LinkCheck]:
    return [c for c in check_links(graph, statuses) if c.doubtful]


def _kpi_text(node: Node, wanted: Iterable[str]) -> str:
    wanted = set(wanted)
    marks = [k for k in node.kpis if k.status in wanted]
    return "、".join(f"{k.name}: {Status(k.status).label}" for k in marks)


def _reason(verdict: str, source: Node, target: Node, link: Link, statuses) -> str:
    up, down = statuses[source.key], statuses[target.key]
    names = {"source": source.title, "target": target.title}
    if verdict == Verdict.DOUBTFUL:
        assumption = link.assumption.strip()
        text = _(
            "上流の「%(source)s」は順調(%(up_kpis)s)ですが、下流の「%(target)s」は"
            "%(down)s(%(down_kpis)s)です。"
        ) % (
            names
            | {
                "up_kpis": _kpi_text(source, [Status.ON_TRACK]),
                "down": node_status_label(down),
                "down_kpis": _kpi_text(target, [Status.AT_RISK, Status.OFF_TRACK]),
            }
        )
        if assumption:
            return text + _("前提「%(a)s」が成り立っていない可能性があります。") % {"a": assumption}
        return text + _(
            "このつながりの前提が成り立っていない可能性があります(前提条件が書かれていません。"
            "書いておくと、何を確かめればよいかがわかります)。"
        )
    if verdict == Verdict.HOLDING:
        return _("上流の「%(source)s」も下流の「%(target)s」も順調です。") % names
    if verdict == Verdict.UPSTREAM_BEHIND:
        return _(
            "上流の「%(source)s」が%(up)sのため、下流の結果ではまだ前提を確かめられません。"
        ) % (names | {"up": node_status_label(up)})
    unknown = [n for n in (source, target) if statuses[n.key] not in (*BEHIND, NodeStatus.ON_TRACK)]
    parts = [
        _("「%(t)s」の状況が「%(s)s」") % {"t": n.title, "s": node_status_label(statuses[n.key])}
        for n in unknown
    ]
    return _("%(parts)sのため、前提を確かめられません。") % {"parts": "、".join(parts)}


# --- line of sight ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sight:
    """One measure's line of sight: its nodes and the shortest path from each of them to each
    インパクト node it reaches (lists of node keys, the measure's node first)."""

    measure: int
    nodes: tuple[int, ...]
    paths: tuple[tuple[int, ...], ...]

    @property
    def reaches(self) -> bool:
        return bool(self.paths)


@dataclass(frozen=True)
class Unconnected:
    measure: int
    reason: str


@dataclass
class LineOfSight:
    sights: list[Sight]  # measures linked to a node, in the order given (then by key)
    unconnected: list[Unconnected]  # measures leading nowhere
    unserved: list[int]  # outcome nodes no measure reaches, in the nodes' order


def shortest_path(graph: Graph, start: int, goal: int) -> tuple[int, ...] | None:
    """Breadth first along the links (ties by the nodes' order): deterministic."""
    parents: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key == goal:
            path = [key]
            while parents[path[-1]] is not None:
                path.append(parents[path[-1]])
            return tuple(reversed(path))
        for nxt in graph.after(key):
            if nxt not in parents:
                parents[nxt] = key
                queue.append(nxt)
    return None


def reachable(graph: Graph, starts: Iterable[int]) -> set[int]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in graph.after(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def line_of_sight(graph: Graph, candidates: Iterable[int] = ()) -> LineOfSight:
    """`candidates`: the measures the model should cover (its policy's or plan's), in order."""
    candidates = list(dict.fromkeys(candidates))
    nodes_of: dict[int, list[int]] = {}
    for node in graph.nodes:
        for measure in node.measures:
            nodes_of.setdefault(measure, []).append(node.key)
    impacts = [n.key for n in graph.nodes if n.stage == LogicStage.IMPACT]
    order = candidates + sorted(m for m in nodes_of if m not in candidates)
    sights = []
    for measure in order:
        if measure not in nodes_of:
            continue
        paths = [
            path
            for start in nodes_of[measure]
            for goal in impacts
            if (path := shortest_path(graph, start, goal)) is not None
        ]
        sights.append(Sight(measure, tuple(nodes_of[measure]), tuple(paths)))
    unconnected = [Unconnected(m, _no_node_reason()) for m in candidates if m not in nodes_of]
    unconnected += [
        Unconnected(s.measure, _nowhere_reason(graph, s, bool(impacts)))
        for s in sights
        if not s.reaches
    ]
    rank = {m: i for i, m in enumerate(order)}
    unconnected.sort(key=lambda u: rank.get(u.measure, len(rank)))
    served = reachable(graph, [k for keys in nodes_of.values() for k in keys])
    unserved = [n.key for n in graph.nodes if n.stage in OUTCOME_STAGES and n.key not in served]
    return LineOfSight(sights, unconnected, unserved)


def _no_node_reason() -> str:
    return _("どのノードにもつながっていません。この施策が担う活動や産出をノードにしてください。")


def _nowhere_reason(graph: Graph, sight: Sight, has_impact: bool) -> str:
    titles = "、".join(f"「{graph.by_key[k].title}」" for k in sight.nodes)
    if not has_impact:
        return _(
            "ノード%(nodes)sからたどれるインパクトがありません(このロジックモデルには"
            "インパクトのノードがありません)。"
        ) % {"nodes": titles}
    return _(
        "ノード%(nodes)sから、インパクトに届くつながりがありません。どの成果につながるのかを"
        "つながりで示してください。"
    ) % {"nodes": titles}


# --- validation of a new or changed link ------------------------------------------------------


def link_problem(
    graph: Graph, source: int, target: int, *, ignore: int | None = None
) -> str | None:
    """Why the link source → target cannot be added to the graph (None: it can). `ignore`: the
    key of the link being changed (it no longer counts)."""
    others = [link for link in graph.links if link.key != ignore]
    if source not in graph.by_key or target not in graph.by_key:
        return _("つなぐノードは、このロジックモデルのノードから選んでください。")
    up, down = graph.by_key[source], graph.by_key[target]
    if source == target:
        return _("同じノードどうしはつなげません。別のノードを選んでください。")
    if stage_index(down.stage) < stage_index(up.stage):
        return _(
            "「%(source)s」(%(up)s)から「%(target)s」(%(down)s)へのつながりは逆向きです。"
            "つながりは 投入 → 活動 → 産出 → 短期成果 → 中期成果 → インパクト の向きに"
            "(同じ段階の中でも)引きます。向きを逆にするか、ノードの段階を見直してください。"
        ) % {
            "source": up.title,
            "target": down.title,
            "up": stage_label(up.stage),
            "down": stage_label(down.stage),
        }
    if any(link.source == source and link.target == target for link in others):
        return _("「%(source)s」から「%(target)s」へのつながりはすでにあります。") % {
            "source": up.title,
            "target": down.title,
        }
    back = shortest_path(Graph(graph.nodes, others), target, source)
    if back is not None:
        loop = " → ".join(f"「{graph.by_key[k].title}」" for k in (*back, target))
        return _(
            "このつながりを加えると %(loop)s と循環します。ロジックモデルは原因から結果への"
            "一方向の流れなので、循環はできません。どちらが原因でどちらが結果かを見直してください。"
        ) % {"loop": loop}
    return None


def stage_problems(graph: Graph, node: int, stage: str) -> list[str]:
    """Links that would go backwards if `node` moved to `stage`."""
    moved = Graph(
        [Node(n.key, stage if n.key == node else n.stage, n.title) for n in graph.nodes],
        graph.links,
    )
    problems = []
    for link in graph.links:
        if node not in (link.source, link.target):
            continue
        up, down = moved.by_key[link.source], moved.by_key[link.target]
        if stage_index(down.stage) < stage_index(up.stage):
            problems.append(
                _("「%(source)s」から「%(target)s」へのつながりが逆向きになります。")
                % {"source": up.title, "target": down.title}
            )
    return problems
