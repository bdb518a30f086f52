"""Demo KPIs with two to three years of actuals, linked to the demo plans' measures.

あおば市 and わかば町 get a hand-made set: some on track, one falling behind, some stalling
(「伸びていない」), one stale (未更新), a milestone not reached, a KPI whose owner never enters
its actuals and one without an owner. Any other demo municipality that has a plan gets three
KPIs linked to its own measures, varied per municipality (`others_for`) so the prefecture sees
them differ. Dates follow today's: the baseline is the end of the 年度 two years back, actuals
run up to the last period ended. Measures are found by words of their titles among the
organization's current plans, so a rewritten plans demo still links.

Deterministic for a given day and idempotent (an organization with KPIs is left alone); KPIs,
targets, links and actuals are bulk-inserted (audited)."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind
from chiikidx.core.japanese import fiscal_year
from chiikidx.core.models import Department, Membership
from chiikidx.plans.queries import current_measures

from . import status
from .choices import Direction, Frequency, KpiKind
from .models import Kpi, KpiActual, KpiMeasure, KpiTarget
from .periods import periods_between


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    kind: str
    direction: str
    frequency: str
    unit: str
    department: str
    owner: str | None  # demo username (without the spec's prefix)
    baseline: float
    targets: tuple  # per 年度, from the first 年度 after the baseline
    shape: str  # on_track, behind, stall, stale, owner_silent, milestone
    measure_words: tuple = ()
    definition: str = ""
    source: str = ""
    recorder: str | None = None  # who entered the actuals (default: the owner)
    extra: dict = field(default_factory=dict)  # stall_periods, stale_periods: see _actuals


AOBA = [
    Spec(
        "K-01",
        "オンライン申請件数",
        KpiKind.COUNT_PERIOD,
        Direction.HIGHER,
        Frequency.MONTHLY,
        "件",
        "住民課",
        "muni-staff-1",
        800,
        (1000, 1300, 1600, 2000),
        "on_track",
        ("オンライン申請",),
        "電子申請システムで受け付けた申請の件数(月ごと)",
        "電子申請システムの月報",
    ),
    Spec(
        "K-02",
        "窓口の平均滞在時間",
        KpiKind.NUMERIC,
        Direction.LOWER,
        Frequency.MONTHLY,
        "分",
        "住民課",
        "muni-staff-1",
        35,
        (32, 28, 24, 20),
        "behind",
        ("書かない窓口",),
        "来庁者が受付から手続を終えるまでの時間の平均",
        "窓口の受付番号システム",
    ),
    Spec(
        "K-03",
        "スマホ相談会の参加者数(累計)",
        KpiKind.COUNT_CUMULATIVE,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "人",
        "福祉課",
        "dept-staff-1",
        0,
        (200, 500, 800, 1200),
        "stall",
        ("スマホ相談",),
        "高齢者向けスマホ相談会に参加した人の延べ人数",
        "相談会の受付名簿",
    ),
    Spec(
        "K-04",
        "キャッシュレス決済の利用率",
        KpiKind.PERCENTAGE,
        Direction.HIGHER,
        Frequency.MONTHLY,
        "%",
        "税務課",
        "muni-admin-1",
        12,
        (25, 35, 45, 50),
        "stale",
        ("キャッシュレス",),
        "窓口での支払のうちキャッシュレス決済の割合",
        "会計課の収納データ",
    ),
    Spec(
        "K-05",
        "ガバメントクラウドへの移行完了",
        KpiKind.MILESTONE,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "",
        "企画課",
        "muni-admin-1",
        0,
        (),
        "milestone",
        ("ガバメントクラウド", "標準化"),
        "標準準拠システムがガバメントクラウド上で本番稼働した",
        "移行計画の進捗報告",
    ),
    Spec(
        "K-06",
        "RPAによる削減時間",
        KpiKind.NUMERIC,
        Direction.HIGHER,
        Frequency.MONTHLY,
        "時間",
        "総務課",
        "muni-admin-1",
        0,
        (40, 120, 200, 260),
        "owner_silent",
        ("RPA",),
        "RPAで自動化した業務で削減した職員の作業時間(月ごと)",
        "RPAの実行ログ",
        recorder="muni-staff-1",
    ),
    Spec(
        "K-07",
        "住民のデジタル満足度",
        KpiKind.PERCENTAGE,
        Direction.HIGHER,
        Frequency.YEARLY,
        "%",
        "企画課",
        None,
        48,
        (52, 58, 64, 70),
        "on_track",
        (),
        "市民アンケートで「行政のデジタル化に満足」と答えた人の割合",
        "市民意識調査",
        recorder="muni-admin-1",
    ),
]
WAKABA = [
    Spec(
        "W-01",
        "電子申請の件数",
        KpiKind.COUNT_PERIOD,
        Direction.HIGHER,
        Frequency.MONTHLY,
        "件",
        "住民課",
        "muni-staff-2",
        60,
        (90, 130, 170, 200),
        "on_track",
        ("電子申請", "オンライン申請", "申請"),
        "電子申請で受け付けた件数(月ごと)",
        "電子申請システムの月報",
    ),
    Spec(
        "W-02",
        "会議資料の印刷枚数",
        KpiKind.NUMERIC,
        Direction.LOWER,
        Frequency.MONTHLY,
        "枚",
        "総務課",
        "muni-staff-2",
        12000,
        (9000, 6000, 4000, 3000),
        "on_track",
        ("ペーパーレス",),
        "庁内会議のために印刷した枚数(月ごと)",
        "複合機の集計",
    ),
    Spec(
        "W-03",
        "デジタル活用支援員への相談件数",
        KpiKind.COUNT_PERIOD,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "件",
        "保健福祉課",
        "muni-admin-2",
        20,
        (60, 100, 140, 180),
        "stall",
        ("デジタル活用支援員", "スマホ", "相談", "デジタル"),
        "支援員が受けた相談の件数(四半期ごと)",
        "支援員の活動日誌",
    ),
    Spec(
        "W-04",
        "窓口アンケートの満足度",
        KpiKind.PERCENTAGE,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "%",
        "住民課",
        "muni-admin-2",
        70,
        (74, 78, 82, 85),
        "stale",
        ("電子申請", "オンライン申請", "申請"),
        "窓口アンケートで「満足」「やや満足」と答えた人の割合",
        "窓口アンケート",
    ),
]
OTHERS = [
    Spec(
        "K-01",
        "オンライン申請件数",
        KpiKind.COUNT_PERIOD,
        Direction.HIGHER,
        Frequency.MONTHLY,
        "件",
        "住民課",
        None,
        100,
        (130, 170, 210, 250),
        "on_track",
        ("オンライン", "電子申請", "申請"),
        "オンラインで受け付けた申請の件数(月ごと)",
        "電子申請システムの月報",
    ),
    Spec(
        "K-02",
        "デジタル相談の件数",
        KpiKind.COUNT_PERIOD,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "件",
        "企画課",
        None,
        30,
        (50, 70, 90, 110),
        "stall",
        ("相談", "支援", "デジタル"),
        "デジタル活用の相談を受けた件数(四半期ごと)",
        "相談記録",
    ),
    Spec(
        "K-03",
        "窓口の満足度",
        KpiKind.PERCENTAGE,
        Direction.HIGHER,
        Frequency.QUARTERLY,
        "%",
        "住民課",
        None,
        68,
        (72, 76, 80, 84),
        "stale",
        ("窓口",),
        "窓口アンケートで満足と答えた人の割合",
        "窓口アンケート",
    ),
]
SETS = {"201": AOBA, "301": WAKABA}


def others_for(code: str) -> list[Spec]:
    """OTHERS as one municipality runs them, so the prefecture's page tells them apart
    (deterministic per code): counts scaled to its size (0.4–2.5×); consultations growing in
    one of three, elsewhere flat for the last 3 to 6 quarters (the longer, the further behind);
    the survey missing for 2 to 4 quarters. Online applications stay on track everywhere (the
    cost and logic-model demos tell their story with them), and the visitors (logic_demo) never
    fall: every municipality has something on track, something stalling and one stale."""
    digest = hashlib.sha256(code.encode()).digest()
    size = Decimal(str(round(0.4 + 2.1 * digest[0] / 255, 2)))
    specs = []
    for s in OTHERS:
        if s.kind in (KpiKind.COUNT_PERIOD, KpiKind.COUNT_CUMULATIVE):
            s = replace(
                s,
                baseline=round(float(size * Decimal(str(s.baseline)))),
                targets=tuple(round(float(size * Decimal(str(t)))) for t in s.targets),
            )
        if s.shape == "stall" and digest[3] % 3 == 0:
            s = replace(s, shape="on_track")
        elif s.shape == "stall":
            s = replace(s, extra={"stall_periods": 3 + digest[1] % 4})
        if s.shape == "stale":
            s = replace(s, extra={"stale_periods": 2 + digest[2] % 3})
        specs.append(s)
    return specs


ACTORS = {"201": "muni-admin-1", "301": "muni-admin-2"}  # who the demo acts as


def extend(spec, orgs: dict, today: datetime.date | None = None) -> None:
    """KPIs for あおば市 and わかば町 (hand-written sets) and for every other municipality with
    a plan (OTHERS). Everything is read and written for all municipalities together: a fixed
    number of queries per actor, whatever the number of municipalities."""
    today = today or timezone.localdate()
    names = {n for specs in SETS.values() for s in specs for n in (s.owner, s.recorder) if n}
    names |= set(ACTORS.values())
    users = get_user_model().objects.filter(username__in=[spec.user_prefix + n for n in names])
    users = {u.username.removeprefix(spec.user_prefix): u for u in users}
    candidates = [o for o in orgs.values() if o.kind not in (OrgKind.PREFECTURE, OrgKind.WARD)]
    built = set(
        Kpi.objects.filter(organization__in=candidates).values_list("organization_id", flat=True)
    )  # already built (idempotent)
    candidates = sorted((o for o in candidates if o.pk not in built), key=lambda o: o.code)
    measures: dict = {o.pk: [] for o in candidates}
    for m in (
        current_measures()
        .filter(plan__organization__in=candidates)
        .select_related("plan")
        .order_by("plan_id", "order", "pk")
    ):
        measures[m.plan.organization_id].append(m)
    members: dict = {o.pk: set() for o in candidates}
    for org_id, user_id in Membership.objects.filter(
        organization__in=candidates, is_active=True
    ).values_list("organization_id", "user_id"):
        members[org_id].add(user_id)
    departments: dict = {o.pk: {} for o in candidates}
    for d in Department.objects.filter(organization__in=candidates):
        departments[d.organization_id][d.name] = d
    by_actor: dict = {}
    for org in candidates:
        suffix = next((s for s in SETS if org.code == core_demo.code(spec, s)), None)
        if suffix is None and not measures[org.pk]:
            continue  # other municipalities get KPIs once they have a plan
        found = {name: u for name, u in users.items() if u.pk in members[org.pk]}
        actor = found.get(ACTORS.get(suffix))
        specs = SETS[suffix] if suffix else others_for(org.code)
        job = (org, specs, measures[org.pk], found, departments[org.pk])
        by_actor.setdefault(actor, []).append(job)
    for actor, jobs in by_actor.items():
        _build(jobs, actor, today)


def _build(jobs: list, actor, today) -> None:
    """Jobs: (organization, specs, measures, users, departments); one insert per table."""
    base_fy = fiscal_year(today) - 2
    baseline_date = datetime.date(base_fy, 3, 31)
    with audit.acting_as(actor):
        kpis = Kpi.objects.bulk_create(
            [
                _kpi(org, s, departments, users, baseline_date)
                for org, specs, _measures, users, departments in jobs
                for s in specs
            ]
        )
        targets, links, actuals = [], [], []
        made = iter(kpis)
        for _org, specs, measures, users, _departments in jobs:
            for s in specs:
                kpi = next(made)
                own = _targets(kpi, s, base_fy, today)
                targets += own
                links += _links(kpi, s, measures)
                recorder = users.get(s.recorder or s.owner or "", actor)
                actuals += _actuals(kpi, s, own, recorder, today)
        KpiTarget.objects.bulk_create(targets)
        KpiMeasure.objects.bulk_create(links)
        KpiActual.objects.bulk_create(actuals, batch_size=500)


def _kpi(org, s: Spec, departments, users, baseline_date) -> Kpi:
    return Kpi(
        organization=org,
        code=s.code,
        name=s.name,
        definition=s.definition,
        unit=s.unit,
        kind=s.kind,
        direction=s.direction,
        data_source=s.source,
        owner_user=users.get(s.owner) if s.owner else None,
        owner_department=departments.get(s.department) or departments.get("企画課"),
        frequency=s.frequency,
        baseline_value=Decimal(str(s.baseline)),
        baseline_date=baseline_date,
    )


def _targets(kpi: Kpi, s: Spec, base_fy: int, today) -> list[KpiTarget]:
    if s.kind == KpiKind.MILESTONE:
        # Due at the end of the first quarter of this 年度: missed, so it shows 遅れ.
        due = datetime.date(fiscal_year(today), 6, 30)
        return [KpiTarget(kpi=kpi, target_date=due, value=Decimal(1))]
    return [
        KpiTarget(
            kpi=kpi,
            target_date=datetime.date(base_fy + i + 1, 3, 31),
            fiscal_year=base_fy + i,
            value=Decimal(str(value)),
        )
        for i, value in enumerate(s.targets)
    ]


def _links(kpi: Kpi, s: Spec, measures) -> list[KpiMeasure]:
    for word in s.measure_words:
        found = next((m for m in measures if word in m.title), None)
        if found is not None:
            return [KpiMeasure(kpi=kpi, measure=found)]
    return []


def _wobble(i: int) -> float:
    """A small deterministic ripple (−2% … +2%)."""
    return ((i * 37) % 9 - 4) / 200


def _actuals(kpi: Kpi, s: Spec, targets, recorder, today) -> list[KpiActual]:
    start = kpi.baseline_date + datetime.timedelta(days=1)
    ended = [p for p in periods_between(kpi.frequency, start, today) if p.end < today]
    if s.shape == "stale":
        missing = s.extra.get("stale_periods", 5 if kpi.frequency == Frequency.MONTHLY else 3)
        ended = ended[: max(1, len(ended) - missing)]
    baseline = status.Point(kpi.baseline_date, kpi.baseline_value)
    points = [status.Point(t.target_date, t.value) for t in targets]
    values, previous = [], None
    stall_from = len(ended) - s.extra.get("stall_periods", 4)
    for i, period in enumerate(ended):
        path = float(status.target_at(baseline, points, period.end) or 0)
        value = _shaped(s, i, path, stall_from, previous)
        if s.kind == KpiKind.COUNT_CUMULATIVE and previous is not None:
            value = max(value, previous)
        previous = value
        values.append((period, value))
    return [
        KpiActual(
            kpi=kpi,
            period_start=period.start,
            period_end=period.end,
            value=_rounded(s, value),
            comment=_comment(s, i, len(values)),
            recorded_by=recorder,
            recorded_at=timezone.make_aware(
                datetime.datetime.combine(period.end + datetime.timedelta(days=7), datetime.time(9))
            ),
            source="import" if s.shape == "owner_silent" else "page",
        )
        for i, (period, value) in enumerate(values)
    ]


def _shaped(s: Spec, i: int, path: float, stall_from: int, previous) -> float:
    if s.shape == "milestone":
        return 0.0
    if s.shape == "behind":  # lower is better: 8–10% above the path
        return path * (1.09 + _wobble(i) / 2)
    if s.shape == "stall" and previous is not None and i >= stall_from:
        return (
            previous if s.kind == KpiKind.COUNT_CUMULATIVE else previous * (1 - abs(_wobble(i)) / 4)
        )
    return path * (1 + _wobble(i)) if s.direction == Direction.HIGHER else path * (1 - _wobble(i))


def _rounded(s: Spec, value: float) -> Decimal:
    if s.kind in (KpiKind.COUNT_PERIOD, KpiKind.COUNT_CUMULATIVE, KpiKind.MILESTONE):
        return Decimal(round(value))
    return Decimal(str(round(min(value, 100.0) if s.kind == KpiKind.PERCENTAGE else value, 1)))


def _comment(s: Spec, i: int, count: int) -> str:
    if i != count - 1:
        return ""
    return {
        "on_track": "計画どおり増えています。",
        "behind": "繁忙期で待ち時間が延びました。受付の動線を見直します。",
        "stall": "参加者が伸び悩んでいます。周知の方法を見直します。",
        "stale": "",
        "milestone": "データ移行の検証で遅れています。",
        "owner_silent": "システムの実行ログから集計しました(DX推進室)。",
    }.get(s.shape, "")
