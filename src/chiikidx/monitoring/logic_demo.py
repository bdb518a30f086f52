"""Demo logic models: every demo municipality with a plan and KPIs gets one for its main policy
(the one with the オンライン申請 measure: 行かない・書かない・待たない窓口).

The model ties the policy's measures to its KPIs, stage by stage, up to the plan's vision. To
make the checks meaningful it adds an outcome KPI, 窓口の来庁者数, whose visitors hardly fall
although online applications grow as planned: the link 「申請件数が増える」→「来庁しなくても
手続が済む」 is in doubt (upstream 順調, downstream 遅れ). One measure of the policy has a node
that leads nowhere, the others after it no node (つながっていない施策), and one outcome no
measure serves (職員の時間).

Runs after the KPIs' demo (monitoring.demo); deterministic for a given day and idempotent (an
organization with a logic model is left alone). Everything is bulk-inserted (audited), a fixed
number of queries per acting user whatever the number of municipalities.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind
from chiikidx.core.japanese import fiscal_year
from chiikidx.core.models import Department, Membership
from chiikidx.plans.queries import current_measures

from .choices import Direction, Frequency, KpiKind
from .demo import ACTORS, SETS, Spec, _kpi, _targets, _wobble
from .models import (
    Kpi,
    KpiActual,
    KpiTarget,
    LogicLink,
    LogicModel,
    LogicNode,
    LogicNodeKpi,
    LogicNodeMeasure,
)
from .periods import periods_between

VISIT_CODES = {"201": "K-08", "301": "W-05"}
VISIT_OWNERS = {"201": "muni-staff-1", "301": "muni-staff-2"}
VISIT_DROP = 0.002  # per month: the visitors hardly fall (the path wants 10% a year)


def visits_spec(suffix: str | None) -> Spec:
    return Spec(
        VISIT_CODES.get(suffix, "K-04"),
        "窓口の来庁者数",
        KpiKind.COUNT_PERIOD,
        Direction.LOWER,
        Frequency.MONTHLY,
        "人",
        "住民課",
        VISIT_OWNERS.get(suffix),
        3000,
        (2700, 2400, 2100, 1800),
        "flat",
        (),
        "住民課の窓口で受け付けた来庁者の数(月ごと。証明書の交付を除く)",
        "窓口の受付番号システム",
    )


# (key, stage, title, description); measures and KPIs are added per municipality.
NODES = [
    ("input", "input", "DX推進室の職員・予算・電子申請システム", ""),
    ("online", "activity", "主要手続のオンライン化", "子育て・介護・引越しなどの手続から"),
    ("output", "output", "オンラインで申請できる手続と申請件数が増える", ""),
    ("visits", "short_term", "来庁しなくても手続が済む", ""),
    ("waiting", "short_term", "窓口の待ち時間が短くなる", ""),
    ("staff", "short_term", "職員が窓口対応から企画の仕事に時間を使える", ""),
    ("satisfaction", "mid_term", "住民が手続に使う時間が減り、行政サービスへの満足度が上がる", ""),
]
# (source, target, assumption, rationale)
LINKS = [
    ("input", "online", "オンライン化の担当と予算を年度内に確保できる", "推進本部で予算を決定済み"),
    ("input", "second", "書かない窓口の端末を各窓口に置ける", ""),
    (
        "online",
        "output",
        "住民がよく使う手続から順にオンライン化する",
        "手続ごとの年間件数の調査(令和6年度)",
    ),
    (
        "output",
        "visits",
        "オンラインで申請した人は、確認や書類の提出のために来庁しない",
        "先行自治体では、申請のオンライン化で窓口の来庁者が2〜3割減った",
    ),
    ("visits", "waiting", "来庁者が減れば、窓口の混雑が減る", ""),
    ("second", "waiting", "書かない窓口で、1件あたりの手続の時間が短くなる", "実証で平均12分短縮"),
    ("waiting", "satisfaction", "待ち時間が短くなると、行政手続への満足度が上がる", "市民意識調査"),
    ("satisfaction", "impact", "手続の負担が減ると、暮らしの満足度が上がる", ""),
]
# KPI names (in order of preference) for the nodes that have one.
NODE_KPIS = {
    "output": ("オンライン申請件数", "電子申請の件数"),
    "waiting": ("窓口の平均滞在時間", "窓口アンケートの満足度", "窓口の満足度"),
    "satisfaction": ("住民のデジタル満足度",),
}


def _main_policy(measures: list) -> tuple[object, list] | None:
    """(policy, its measures: the オンライン申請 one first) of the organization's main policy."""
    online = next((m for m in measures if "オンライン申請" in m.title), None)
    online = online or next((m for m in measures if "申請" in m.title), None)
    if online is None:
        return None
    same = [m for m in measures if m.policy_id == online.policy_id and m.pk != online.pk]
    return online.policy, [online, *same]


def extend(spec, orgs: dict, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    candidates = [o for o in orgs.values() if o.kind not in (OrgKind.PREFECTURE, OrgKind.WARD)]
    done = set(
        LogicModel.objects.filter(organization__in=candidates).values_list(
            "organization_id", flat=True
        )
    )
    with_kpis = set(
        Kpi.objects.filter(organization__in=candidates).values_list("organization_id", flat=True)
    )
    candidates = sorted(
        (o for o in candidates if o.pk in with_kpis and o.pk not in done), key=lambda o: o.code
    )
    if not candidates:
        return
    measures: dict = {o.pk: [] for o in candidates}
    for m in (
        current_measures()
        .filter(plan__organization__in=candidates)
        .select_related("plan", "policy__plan")
        .order_by("plan_id", "policy__order", "order", "pk")
    ):
        measures[m.plan.organization_id].append(m)
    kpis: dict = {o.pk: {} for o in candidates}
    for kpi in Kpi.objects.filter(organization__in=candidates):
        kpis[kpi.organization_id][kpi.name] = kpi
    departments: dict = {o.pk: {} for o in candidates}
    for d in Department.objects.filter(organization__in=candidates):
        departments[d.organization_id][d.name] = d
    members: dict = {o.pk: set() for o in candidates}
    for org_id, user_id in Membership.objects.filter(
        organization__in=candidates, is_active=True
    ).values_list("organization_id", "user_id"):
        members[org_id].add(user_id)
    names = set(ACTORS.values()) | set(VISIT_OWNERS.values())
    users = get_user_model().objects.filter(username__in=[spec.user_prefix + n for n in names])
    users = {u.username.removeprefix(spec.user_prefix): u for u in users}
    by_actor: dict = {}
    for org in candidates:
        main = _main_policy(measures[org.pk])
        if main is None:
            continue
        suffix = next((s for s in SETS if org.code == core_demo.code(spec, s)), None)
        found = {name: u for name, u in users.items() if u.pk in members[org.pk]}
        job = (org, suffix, main, kpis[org.pk], departments[org.pk], found)
        by_actor.setdefault(found.get(ACTORS.get(suffix)), []).append(job)
    for actor, jobs in by_actor.items():
        _build(jobs, actor, today)


def _build(jobs: list, actor, today) -> None:
    base_fy = fiscal_year(today) - 2
    baseline_date = datetime.date(base_fy, 3, 31)
    with audit.acting_as(actor):
        visits = Kpi.objects.bulk_create(
            [
                _kpi(org, visits_spec(suffix), departments, users, baseline_date)
                for org, suffix, _main, _kpis, departments, users in jobs
            ]
        )
        targets, actuals = [], []
        for kpi, (_org, suffix, *_rest) in zip(visits, jobs, strict=True):
            own = _targets(kpi, visits_spec(suffix), base_fy, today)
            targets += own
            actuals += _visit_actuals(kpi, own, actor, today)
        KpiTarget.objects.bulk_create(targets)
        KpiActual.objects.bulk_create(actuals, batch_size=500)
        models = LogicModel.objects.bulk_create(
            [
                LogicModel(
                    organization=org,
                    title=f"{main[0].title} のロジックモデル",
                    description=(
                        "基本方針の施策が、窓口の変化を通じて計画の目指す地域像に"
                        "どうつながるかを示します。年度末の評価会議で見直します。"
                    ),
                    plan=main[0].plan,
                    policy=main[0],
                )
                for org, _suffix, main, *_rest in jobs
            ]
        )
        planned = [
            _plan_nodes(model, main, kpis | {"窓口の来庁者数": visit})
            for model, visit, (_org, _suffix, main, kpis, *_rest) in zip(
                models, visits, jobs, strict=True
            )
        ]
        made = iter(LogicNode.objects.bulk_create([n for nodes in planned for n, *_x in nodes]))
        node_measures, node_kpis, links = [], [], []
        for model, nodes in zip(models, planned, strict=True):
            keyed = {}
            for _node, key, measure, kpi in nodes:
                node = next(made)
                keyed[key] = node
                if measure is not None:
                    node_measures.append(LogicNodeMeasure(node=node, measure=measure))
                if kpi is not None:
                    node_kpis.append(LogicNodeKpi(node=node, kpi=kpi))
            links += [
                LogicLink(
                    logic_model=model,
                    source=keyed[a],
                    target=keyed[b],
                    assumption=assumption,
                    rationale=rationale,
                )
                for a, b, assumption, rationale in LINKS
                if a in keyed and b in keyed
            ]
        LogicNodeMeasure.objects.bulk_create(node_measures)
        LogicNodeKpi.objects.bulk_create(node_kpis)
        LogicLink.objects.bulk_create(links)


def _plan_nodes(model, main, kpis: dict) -> list[tuple]:
    """(node, key, measure, KPI) of one model. The policy's first measure (オンライン申請)
    is 「主要手続のオンライン化」, another an activity of its own leading to shorter waits, a
    third an activity that leads nowhere yet; the rest have no node."""
    policy, measures = main
    found = []
    for order, (key, stage, title, description) in enumerate(NODES):
        measure = measures[0] if key == "online" else None
        names = NODE_KPIS.get(key, ("窓口の来庁者数",) if key == "visits" else ())
        kpi = next((kpis[n] for n in names if n in kpis), None)
        node = LogicNode(
            logic_model=model, stage=stage, title=title, description=description, order=order
        )
        found.append((node, key, measure, kpi))
    for key, measure in _activities(measures[1:]):
        node = LogicNode(logic_model=model, stage="activity", title=measure.title, order=10)
        found.append((node, key, measure, None))
    vision = (policy.plan.vision or policy.plan.title).strip()
    impact = LogicNode(
        logic_model=model,
        stage="impact",
        title=vision[:200],
        description=f"計画「{policy.plan.title}」の目指す地域像",
        order=0,
    )
    found.append((impact, "impact", None, None))
    return found


def _activities(rest: list) -> list[tuple[str, object]]:
    """("second", 書かない窓口 if the policy has it) and ("third", the next measure): with a
    single other measure, only the third, so that one measure always leads nowhere."""
    if not rest:
        return []
    second = next((m for m in rest if "書かない" in m.title), rest[0])
    others = [m for m in rest if m is not second]
    if not others:
        return [("third", second)]
    return [("second", second), ("third", others[0])]


def _visit_actuals(kpi: Kpi, targets, recorder, today) -> list[KpiActual]:
    start = kpi.baseline_date + datetime.timedelta(days=1)
    ended = [p for p in periods_between(kpi.frequency, start, today) if p.end < today]
    base = float(kpi.baseline_value)
    return [
        KpiActual(
            kpi=kpi,
            period_start=period.start,
            period_end=period.end,
            value=Decimal(round(base * (1 - VISIT_DROP * i) * (1 + _wobble(i) / 2))),
            comment=(
                "オンライン申請は増えましたが、確認のための来庁が続いています。"
                if i == len(ended) - 1
                else ""
            ),
            recorded_by=kpi.owner_user or recorder,
            recorded_at=timezone.make_aware(
                datetime.datetime.combine(period.end + datetime.timedelta(days=7), datetime.time(9))
            ),
        )
        for i, period in enumerate(ended)
    ]
