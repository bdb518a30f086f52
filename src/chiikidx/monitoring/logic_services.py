"""Writes of logic models: atomic, with the acting user, audited through the models.

The organization's staff (団体の管理者・職員) change its logic models. Pages and the API call
these functions, so both accept and refuse the same input with the same Japanese messages: a
link must stay within its model, go forward (logic.link_problem) and make no cycle; a node's
measures and KPIs must be the organization's own. The model row is locked while its nodes or
links change, so two people adding links at once cannot make a cycle together.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.services import ServiceError

from . import logic
from .choices import STAGE_ORDER, LogicStage
from .models import Kpi, LogicLink, LogicModel, LogicNode, LogicNodeKpi, LogicNodeMeasure
from .services import set_rows

TITLE_LIMIT = 200


def check_right(user, organization) -> None:
    if not access.can(user, "change", organization):
        raise ServiceError(_("この団体のロジックモデルを作成・変更する権限がありません。"))


def _text(value, label: str, *, required: bool = False, limit: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("%(f)sを入力してください。") % {"f": label})
    if limit is not None and len(value) > limit:
        raise ServiceError(
            _("%(f)sは%(n)s文字以内で入力してください(いまは%(c)s文字です)。")
            % {"f": label, "n": limit, "c": len(value)}
        )
    return value


# --- the model --------------------------------------------------------------------------------


@transaction.atomic
def save_logic_model(
    *,
    acting_user,
    organization,
    logic_model: LogicModel | None = None,
    title: str,
    description: str = "",
    plan=None,
    policy=None,
) -> LogicModel:
    """Create or change a logic model; a policy without a plan takes the policy's plan. A new
    model explaining a plan with a vision starts with its インパクト node: the vision."""
    check_right(acting_user, organization)
    creating = logic_model is None
    logic_model = logic_model or LogicModel(organization=organization)
    if logic_model.organization_id != organization.pk:
        raise ServiceError(_("このロジックモデルは別の団体のものです。"))
    if policy is not None and plan is None:
        plan = policy.plan
    if plan is not None and plan.organization_id != organization.pk:
        raise ServiceError(_("計画はこの団体の計画から選んでください。"))
    if policy is not None and policy.plan_id != plan.pk:
        raise ServiceError(
            _("基本方針は選んだ計画「%(plan)s」の基本方針から選んでください。") % {"plan": plan}
        )
    logic_model.title = _text(title, _("名称"), required=True, limit=TITLE_LIMIT)
    logic_model.description = _text(description, _("説明"))
    logic_model.plan, logic_model.policy = plan, policy
    with audit.acting_as(acting_user):
        logic_model.save()
        vision = (plan.vision if plan is not None else "").strip()
        if creating and vision:
            LogicNode.objects.create(
                logic_model=logic_model,
                stage=LogicStage.IMPACT,
                title=vision[:TITLE_LIMIT],
                description=_("計画「%(plan)s」の目指す地域像") % {"plan": plan.title},
            )
    return logic_model


@transaction.atomic
def delete_logic_model(*, acting_user, logic_model: LogicModel) -> None:
    """The model with its nodes and links (each deletion is in the audit log)."""
    check_right(acting_user, logic_model.organization)
    with audit.acting_as(acting_user):
        LogicLink.objects.filter(logic_model=logic_model).delete()
        logic_model.delete()


def _locked(logic_model: LogicModel) -> LogicModel:
    return (
        LogicModel.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=logic_model.pk)
    )


def graph_of(logic_model: LogicModel) -> logic.Graph:
    """The model's nodes and links as the pure checks see them (2 queries)."""
    nodes = LogicNode.objects.filter(logic_model=logic_model).order_by("order", "pk")
    links = LogicLink.objects.filter(logic_model=logic_model).order_by("pk")
    return logic.Graph(
        [logic.Node(n.pk, n.stage, n.title) for n in nodes],
        [logic.Link(k.pk, k.source_id, k.target_id) for k in links],
    )


# --- nodes ------------------------------------------------------------------------------------


@transaction.atomic
def save_node(
    *,
    acting_user,
    logic_model: LogicModel,
    node: LogicNode | None = None,
    stage: str,
    title: str,
    description: str = "",
    order: int = 0,
    measures: Iterable | None = None,
    kpis: Iterable[Kpi] | None = None,
) -> LogicNode:
    """Create or change a node with its measures and KPIs (None: leave them as they are)."""
    check_right(acting_user, logic_model.organization)
    logic_model = _locked(logic_model)
    node = node or LogicNode(logic_model=logic_model)
    if node.logic_model_id != logic_model.pk:
        raise ServiceError(_("このノードは別のロジックモデルのものです。"))
    if stage not in STAGE_ORDER:
        raise ServiceError(
            _("段階は 投入・活動・産出・短期成果・中期成果・インパクト から選んでください。")
        )
    title = _text(title, _("内容"), required=True, limit=TITLE_LIMIT)
    if node.pk is not None and stage != node.stage:
        problems = logic.stage_problems(graph_of(logic_model), node.pk, stage)
        if problems:
            raise ServiceError(
                _(
                    "段階を「%(stage)s」に変えられません。%(problems)s先にそのつながりを削除するか、"
                    "向きを直してください。"
                )
                % {"stage": logic.stage_label(stage), "problems": "".join(problems)}
            )
    measures = list(measures) if measures is not None else None
    kpis = list(kpis) if kpis is not None else None
    org_id = logic_model.organization_id
    if measures is not None and any(m.plan.organization_id != org_id for m in measures):
        raise ServiceError(_("施策はこの団体の計画の施策から選んでください。"))
    if kpis is not None and any(k.organization_id != org_id for k in kpis):
        raise ServiceError(_("KPIはこの団体のKPIから選んでください。"))
    node.stage, node.title = stage, title
    node.description = _text(description, _("説明"))
    node.order = max(int(order or 0), 0)
    with audit.acting_as(acting_user):
        node.save()
        if measures is not None:
            set_rows(LogicNodeMeasure, "node", node, "measure_id", {m.pk for m in measures})
        if kpis is not None:
            set_rows(LogicNodeKpi, "node", node, "kpi_id", {k.pk for k in kpis})
    return node


@transaction.atomic
def delete_node(*, acting_user, node: LogicNode) -> None:
    """The node, its links and its rows for measures and KPIs (all in the audit log)."""
    check_right(acting_user, node.logic_model.organization)
    _locked(node.logic_model)
    with audit.acting_as(acting_user):
        node.delete()


# --- links ------------------------------------------------------------------------------------


@transaction.atomic
def save_link(
    *,
    acting_user,
    logic_model: LogicModel,
    link: LogicLink | None = None,
    source: LogicNode,
    target: LogicNode,
    assumption: str = "",
    rationale: str = "",
) -> LogicLink:
    """Create or change a link: same model, forward (or within a stage), no cycle."""
    check_right(acting_user, logic_model.organization)
    logic_model = _locked(logic_model)
    link = link or LogicLink(logic_model=logic_model)
    if link.logic_model_id != logic_model.pk:
        raise ServiceError(_("このつながりは別のロジックモデルのものです。"))
    for node in (source, target):
        if node.logic_model_id != logic_model.pk:
            raise ServiceError(
                _(
                    "「%(title)s」は別のロジックモデルのノードです。つなげるのは、"
                    "このロジックモデル「%(model)s」のノードどうしだけです。"
                )
                % {"title": node.title, "model": logic_model.title}
            )
    problem = logic.link_problem(graph_of(logic_model), source.pk, target.pk, ignore=link.pk)
    if problem:
        raise ServiceError(problem)
    link.source, link.target = source, target
    link.assumption = _text(assumption, _("前提条件"))
    link.rationale = _text(rationale, _("根拠"))
    with audit.acting_as(acting_user):
        link.save()
    return link


@transaction.atomic
def delete_link(*, acting_user, link: LogicLink) -> None:
    check_right(acting_user, link.logic_model.organization)
    with audit.acting_as(acting_user):
        link.delete()
