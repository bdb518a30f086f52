"""Reads of logic models shared by the pages, the API, the exports and the measure page.

`analyses` reads any number of logic models with everything the checks need in a fixed number
of queries (nodes, their measures, their KPIs, links, the KPIs' targets and actuals, the
measures the models should cover) and runs the pure checks of monitoring.logic on them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from chiikidx.core import access
from chiikidx.core.panels import Panel
from chiikidx.plans import queries as plans_queries
from chiikidx.plans.choices import MeasureStatus
from chiikidx.plans.models import Measure

from . import logic, logic_svg, queries
from .choices import STAGE_ORDER, LogicStage
from .models import Kpi, LogicLink, LogicModel, LogicNode, LogicNodeKpi, LogicNodeMeasure
from .templatetags.kpi import kpi_value


def logic_models_of(org) -> QuerySet:
    return (
        LogicModel.objects.filter(organization=org)
        .select_related("organization", "plan", "policy")
        .order_by("title", "pk")
    )


def logic_model_of(org, model_id) -> LogicModel:
    """A logic model of the URL's organization (another organization's id: DoesNotExist)."""
    return LogicModel.objects.select_related("organization", "plan", "policy").get(
        pk=model_id, organization=org
    )


def node_of(logic_model: LogicModel, node_id) -> LogicNode:
    node = LogicNode.objects.get(pk=node_id, logic_model=logic_model)
    node.logic_model = logic_model
    return node


def link_of(logic_model: LogicModel, link_id) -> LogicLink:
    link = LogicLink.objects.select_related("source", "target").get(
        pk=link_id, logic_model=logic_model
    )
    link.logic_model = logic_model
    return link


def nodes_by_stage(logic_model: LogicModel) -> QuerySet:
    rank = Case(
        *[When(stage=s, then=Value(i)) for i, s in enumerate(STAGE_ORDER)],
        output_field=IntegerField(),
    )
    return (
        LogicNode.objects.filter(logic_model=logic_model)
        .annotate(stage_rank=rank)
        .order_by("stage_rank", "order", "pk")
    )


def measure_choices(org) -> QuerySet:
    """The organization's measures a node may name (current plans, then older versions)."""
    return (
        Measure.objects.filter(plan__organization=org)
        .select_related("plan", "policy")
        .order_by("-plan__start_fy", "-plan__version", "plan_id", "policy__order", "order", "pk")
    )


def kpi_choices(org) -> QuerySet:
    return Kpi.objects.filter(organization=org).order_by("-is_active", "code", "name", "pk")


def visible_logic_models(user) -> QuerySet:
    return LogicModel.objects.visible_to(user)


# --- the analysis ---------------------------------------------------------------------------


@dataclass
class NodeView:
    node: LogicNode
    status: str = logic.NodeStatus.NO_KPI
    kpi_states: list = field(default_factory=list)  # queries.KpiState
    measures: list = field(default_factory=list)
    outgoing: list = field(default_factory=list)  # LinkView

    @property
    def status_label(self) -> str:
        return logic.node_status_label(self.status)

    @property
    def status_style(self) -> str:
        return logic.NODE_STYLE.get(self.status, "neutral")

    @property
    def pk(self) -> int:
        return self.node.pk

    @property
    def title(self) -> str:
        return self.node.title


@dataclass
class LinkView:
    link: LogicLink
    source: NodeView
    target: NodeView
    check: logic.LinkCheck

    @property
    def verdict_label(self) -> str:
        return str(logic.Verdict(self.check.verdict).label)

    @property
    def verdict_style(self) -> str:
        return logic.VERDICT_STYLE.get(self.check.verdict, "neutral")

    @property
    def doubtful(self) -> bool:
        return self.check.doubtful


@dataclass
class SightView:
    measure: Measure
    steps: list[list[tuple[NodeView, LinkView | None]]]  # each path: (node, link into it)

    @property
    def paths(self) -> list[list[NodeView]]:
        return [[node for node, _link in path] for path in self.steps]

    @property
    def reaches(self) -> bool:
        return bool(self.paths)


@dataclass
class Analysis:
    logic_model: LogicModel
    nodes: list[NodeView]  # by stage, then 表示順
    links: list[LinkView]
    sights: list[SightView]
    unconnected: list[tuple[Measure, str]]
    unserved: list[NodeView]
    candidates: list[Measure]

    @property
    def doubtful(self) -> list[LinkView]:
        return [v for v in self.links if v.doubtful]

    @property
    def stages(self) -> list[tuple[str, str, list[NodeView]]]:
        return [
            (s, str(LogicStage(s).label), [n for n in self.nodes if n.node.stage == s])
            for s in STAGE_ORDER
        ]

    def sights_of(self, measure_ids) -> list[SightView]:
        wanted = set(measure_ids)
        return [s for s in self.sights if s.measure.pk in wanted]

    def diagram(self) -> logic_svg.Diagram:
        boxes = [
            logic_svg.Box(
                key=n.node.pk,
                stage=n.node.stage,
                title=n.node.title,
                status=n.status,
                status_label=n.status_label,
                kpis=tuple(_box_kpi(s) for s in n.kpi_states),
                measures=tuple(str(m) for m in n.measures),
            )
            for n in self.nodes
        ]
        arrows = [
            logic_svg.Arrow(v.link.source_id, v.link.target_id, v.check.note) for v in self.links
        ]
        notes = [
            (v.check.note, f"「{v.source.title}」→「{v.target.title}」: {v.check.reason}")
            for v in self.doubtful
        ]
        return logic_svg.Diagram(
            self.logic_model.title, boxes, arrows, notes, description=self.description
        )

    @property
    def description(self) -> str:
        counts = "、".join(
            f"{label} {len(found)}" for _s, label, found in self.stages if found
        ) or _("なし")
        return _(
            "ロジックモデル「%(title)s」の図。ノード %(n)s 個(%(counts)s)、つながり %(l)s 本、"
            "うち前提が疑わしいつながり %(d)s 本。同じ内容を図の下の表でも示します。"
        ) % {
            "title": self.logic_model.title,
            "n": len(self.nodes),
            "counts": counts,
            "l": len(self.links),
            "d": len(self.doubtful),
        }

    def svg(self, *, prefix: str = "logic", standalone: bool = False) -> str:
        return logic_svg.render(self.diagram(), prefix=prefix, standalone=standalone)


def _box_kpi(state) -> logic_svg.BoxKpi:
    latest = state.evaluation.latest
    value = kpi_value(latest.value, state.kpi) if latest is not None else "—"
    return logic_svg.BoxKpi(str(state.kpi), value, state.status, state.status_label)


def candidates_of(logic_model: LogicModel, measures: list[Measure]) -> list[Measure]:
    """The measures a model should lead to the vision: its policy's, else its plan's (not
    cancelled ones)."""
    if logic_model.policy_id:
        return [m for m in measures if m.policy_id == logic_model.policy_id]
    if logic_model.plan_id:
        return [m for m in measures if m.plan_id == logic_model.plan_id]
    return []


def analyses(logic_models, today: datetime.date | None = None) -> list[Analysis]:
    """Analyse the models together: 7 queries whatever their number and size (6 when none
    names a plan)."""
    logic_models = list(logic_models)
    ids = [m.pk for m in logic_models]
    if not ids:
        return []
    nodes = list(LogicNode.objects.filter(logic_model_id__in=ids).order_by("order", "pk"))
    node_measures = defaultdict(list)
    for row in (
        LogicNodeMeasure.objects.filter(node__logic_model_id__in=ids)
        .select_related("measure")
        .order_by("measure__policy__order", "measure__order", "measure_id")
    ):
        node_measures[row.node_id].append(row.measure)
    node_kpis = defaultdict(list)
    kpis = {}
    for row in (
        LogicNodeKpi.objects.filter(node__logic_model_id__in=ids)
        .select_related("kpi")
        .order_by("kpi__code", "kpi__name", "kpi_id")
    ):
        node_kpis[row.node_id].append(row.kpi_id)
        kpis[row.kpi_id] = row.kpi
    links = list(LogicLink.objects.filter(logic_model_id__in=ids).order_by("pk"))
    states = {s.kpi.pk: s for s in queries.states(kpis.values(), today, recorders=False)}
    plans = {m.plan_id for m in logic_models if m.plan_id}
    covered = list(
        Measure.objects.filter(plan_id__in=plans)
        .exclude(status=MeasureStatus.CANCELLED)
        .order_by("policy__order", "order", "pk")
        if plans
        else []
    )
    by_model_nodes, by_model_links = defaultdict(list), defaultdict(list)
    for node in nodes:
        by_model_nodes[node.logic_model_id].append(node)
    for link in links:
        by_model_links[link.logic_model_id].append(link)
    return [
        _analyse(
            m,
            by_model_nodes[m.pk],
            by_model_links[m.pk],
            node_measures,
            {n.pk: [states[k] for k in node_kpis[n.pk]] for n in by_model_nodes[m.pk]},
            candidates_of(m, covered),
        )
        for m in logic_models
    ]


def analysis(logic_model: LogicModel, today: datetime.date | None = None) -> Analysis:
    return analyses([logic_model], today)[0]


def _analyse(logic_model, nodes, links, node_measures, node_states, candidates) -> Analysis:
    rank = {s: i for i, s in enumerate(STAGE_ORDER)}
    nodes = sorted(nodes, key=lambda n: (rank[n.stage], n.order, n.pk))
    graph = logic.Graph(
        [
            logic.Node(
                n.pk,
                n.stage,
                n.title,
                tuple(logic.KpiMark(str(s.kpi), s.status) for s in node_states[n.pk]),
                tuple(m.pk for m in node_measures[n.pk]),
            )
            for n in nodes
        ],
        [logic.Link(k.pk, k.source_id, k.target_id, k.assumption, k.rationale) for k in links],
    )
    statuses = logic.statuses_of(graph)
    views = {
        n.pk: NodeView(n, statuses[n.pk], node_states[n.pk], node_measures[n.pk]) for n in nodes
    }
    for n in nodes:
        n.logic_model = logic_model
    link_views = []
    for link, check in zip(links, logic.check_links(graph, statuses), strict=True):
        link.logic_model = logic_model
        view = LinkView(link, views[link.source_id], views[link.target_id], check)
        link.source, link.target = view.source.node, view.target.node
        views[link.source_id].outgoing.append(view)
        link_views.append(view)
    measures = {m.pk: m for ms in node_measures.values() for m in ms} | {
        m.pk: m for m in candidates
    }
    sight = logic.line_of_sight(graph, [m.pk for m in candidates])
    by_ends = {(v.link.source_id, v.link.target_id): v for v in link_views}

    def steps(path) -> list[tuple[NodeView, LinkView | None]]:
        """Each node of a path with the link into it (None for the first)."""
        return [
            (views[k], by_ends.get((path[i - 1], k)) if i else None) for i, k in enumerate(path)
        ]

    return Analysis(
        logic_model=logic_model,
        nodes=list(views.values()),
        links=link_views,
        sights=[
            SightView(measures[s.measure], [steps(path) for path in s.paths]) for s in sight.sights
        ],
        unconnected=[(measures[u.measure], u.reason) for u in sight.unconnected],
        unserved=[views[k] for k in sight.unserved],
        candidates=candidates,
    )


# --- the measure page (registered in core.panels) -------------------------------------------


def measure_logic_panel(request, measure) -> Panel:
    """The measure's line of sight in every logic model that names it (or an earlier version
    of it): 1 query when none does, 8 when some do."""
    rows = list(
        LogicNodeMeasure.objects.filter(
            plans_queries.same_measure(measure),
            node__logic_model__organization_id=measure.plan.organization_id,
        )
        .select_related("node__logic_model__organization", "node__logic_model__plan")
        .select_related("node__logic_model__policy")
        .order_by("node__logic_model__title", "node__logic_model_id")
    )
    found = {r.node.logic_model_id: r.node.logic_model for r in rows}
    measure_ids = {r.measure_id for r in rows}
    entries = [(a, a.sights_of(measure_ids)) for a in analyses(found.values())]
    org = measure.plan.organization
    user = getattr(request, "user", None)
    context = {
        "logic_entries": entries,
        "can_change_logic": user is not None and access.can(user, "change", org),
        "panel_measure": measure,
    }
    return Panel("monitoring/logic/_measure_panel.html", context, order=60)
