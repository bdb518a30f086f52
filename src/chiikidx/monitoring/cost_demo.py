"""Demo cost-effectiveness cases (費用対効果), after the demo KPIs (monitoring.demo).

Every demo municipality with a plan gets an オンライン申請 case on the measure its online
application KPI (K-01 / わかば町's W-01) serves, linked to that KPI, so the realised column
comes from its actuals. The projected adoption follows the KPI's target path (N is set so that
the last 年度 reaches 45%): realised and projected agree — except at わかば町, whose projection
took a neighbour's adoption (1.6 times its own path) and whose realised adoption falls short of
even the low scenario. あおば市 also gets a 書かない窓口 case without a KPI (projection only).

Idempotent (an organization with a case is left alone) and deterministic for a given day;
cases and adoption rows are bulk-inserted (audited)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind

from .choices import CostKind
from .demo import ACTORS
from .models import CostAdoption, CostCase, Kpi, KpiMeasure, KpiTarget

ONLINE_KPI_CODES = ("K-01", "W-01")
LAST_YEAR_SHARE = Decimal("0.45")  # base adoption in the last 年度 of the period
LOW, HIGH = Decimal("0.75"), Decimal("1.25")  # low and high scenarios against the base
SHORT = {"301": Decimal("1.6")}  # わかば町: projected from a neighbour's adoption


@dataclass(frozen=True)
class Profile:
    """Per-procedure figures of one municipality's online application case."""

    procedure: str
    travel: int
    waiting: int
    filling: int
    travel_cost: int
    staff_minutes: int
    staff_cost: int
    initial: int
    running: int
    note: str


AOBA = Profile(
    "主要手続のオンライン申請(証明書の請求、子育て・介護の申請など)",
    30,
    20,
    10,
    300,
    5,
    3600,
    3_000_000,
    5_000_000,
    "件数は令和6年度の窓口・郵送の受付件数(対象の主要手続)。移動・待ち・記入の時間は窓口アンケートの平均。"
    "職員の時間は、窓口での受付・入力の時間から、オンライン申請の審査の時間を引いた分。"
    "人件費は令和6年度決算の職員1人あたり人件費 ÷ 年間勤務時間(1,880時間)。"
    "費用は施策の予算(電子申請システムの導入費と年間利用料)。",
)
WAKABA = Profile(
    "電子申請(証明書の郵送請求、各種届出)",
    40,
    15,
    10,
    400,
    10,
    3300,
    6_000_000,
    1_800_000,
    "普及率の見込みは導入時に近隣のさくら台市の実績をもとに置いた値。移動は町役場まで車で往復40分、"
    "交通費はガソリン代とバス運賃の平均。実績が見込みを下回っているため、周知と対象手続の見直しを検討中。",
)
OTHERS = Profile(
    "オンライン申請(主要手続)",
    30,
    15,
    10,
    300,
    10,
    3400,
    6_000_000,
    1_500_000,
    "デモ用の試算。件数・時間は仮の値です。",
)
PROFILES = {"201": AOBA, "301": WAKABA}
NO_WRITING = {
    "procedure": "住民異動届などの窓口申請書の作成",
    "annual_procedures": Decimal(24000),
    "waiting_minutes": Decimal(10),
    "filling_minutes": Decimal(12),
    "staff_minutes": Decimal(8),
    "staff_hourly_cost": Decimal(3600),
    "initial_cost": Decimal(9_000_000),
    "running_cost": Decimal(2_400_000),
    "note": "令和7年10月から本庁の住民課で開始。普及率は「書かない窓口」で受け付けた申請の割合。"
    "待ち時間は記入台での待ちと記入漏れの差し戻しの分、記入の時間は申請書1枚あたりの平均。",
}
NO_WRITING_ADOPTION = ((20, 30, 40), (60, 70, 80), (80, 90, 100), (85, 95, 100))


def extend(spec, orgs: dict, today: datetime.date | None = None) -> None:
    """One case per municipality with an online application KPI on a measure (a fixed number
    of queries, whatever the number of municipalities)."""
    today = today or timezone.localdate()
    candidates = [o for o in orgs.values() if o.kind not in (OrgKind.PREFECTURE, OrgKind.WARD)]
    built = set(
        CostCase.objects.filter(organization__in=candidates).values_list(
            "organization_id", flat=True
        )
    )
    candidates = [o for o in candidates if o.pk not in built]
    kpis = {
        k.organization_id: k
        for k in Kpi.objects.filter(organization__in=candidates, code__in=ONLINE_KPI_CODES)
    }
    measures = {}
    links = KpiMeasure.objects.filter(kpi__in=kpis.values()).select_related("measure__plan")
    for link in links.order_by("pk"):
        measures.setdefault(link.kpi_id, link.measure)
    targets: dict = {}
    for kpi_id, fy, value in KpiTarget.objects.filter(
        kpi__in=kpis.values(), fiscal_year__isnull=False
    ).values_list("kpi_id", "fiscal_year", "value"):
        targets.setdefault(kpi_id, {})[fy] = value
    writing = _no_writing_measures(spec, candidates)
    users = _actors(spec)
    jobs: dict = {}
    for org in sorted(candidates, key=lambda o: o.code):
        kpi = kpis.get(org.pk)
        measure = measures.get(kpi.pk) if kpi else None
        if measure is None:
            continue
        suffix = org.code[2:5]
        actor = users.get(ACTORS.get(suffix))
        found = [_online(org, suffix, kpi, measure, targets.get(kpi.pk, {}))]
        if org.pk in writing:
            found.append(_no_writing(org, writing[org.pk]))
        jobs.setdefault(actor, []).extend(found)
    for actor, made in jobs.items():
        with audit.acting_as(actor):
            cases = CostCase.objects.bulk_create([case for case, _rows in made])
            CostAdoption.objects.bulk_create(
                [
                    CostAdoption(case=case, fiscal_year=fy, low=low, base=base, high=high)
                    for case, (_case, rows) in zip(cases, made, strict=True)
                    for fy, low, base, high in rows
                ]
            )


def _actors(spec) -> dict:
    names = [spec.user_prefix + n for n in ACTORS.values()]
    found = get_user_model().objects.filter(username__in=names)
    return {u.username.removeprefix(spec.user_prefix): u for u in found}


def _no_writing_measures(spec, candidates) -> dict:
    """あおば市's 書かない窓口 measure, when its plan has one."""
    from chiikidx.plans.queries import current_measures

    aoba = [o for o in candidates if o.code == core_demo.code(spec, "201")]
    found = (
        current_measures()
        .filter(plan__organization__in=aoba, title__contains="書かない窓口")
        .select_related("plan")
        .order_by("pk")
    )
    return {m.plan.organization_id: m for m in found[:1]}


def _level(targets: dict, fy: int) -> Decimal:
    """The KPI's monthly target at the end of 年度 fy, extended by its last step beyond."""
    if fy in targets:
        return targets[fy]
    known = sorted(targets)
    if not known:
        return Decimal(0)
    if fy < known[0]:
        return targets[known[0]]
    step = targets[known[-1]] - targets[known[-2]] if len(known) > 1 else Decimal(0)
    return targets[known[-1]] + step * (fy - known[-1])


def _yearly(targets: dict, fy: int) -> Decimal:
    """Procedures of 年度 fy on the KPI's path: 12 months at the mean of its two ends."""
    return 12 * (_level(targets, fy - 1) + _level(targets, fy)) / 2


def _half(value: Decimal) -> Decimal:
    """To the nearest 0.5 (%)."""
    return (value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def _online(org, suffix, kpi, measure, targets) -> tuple[CostCase, list]:
    profile = PROFILES.get(suffix, OTHERS)
    plan = measure.plan
    years = range(plan.start_fy, plan.end_fy + 1)
    counts = {fy: _yearly(targets, fy) for fy in years}
    step = Decimal(1000) if counts[years[-1]] >= 20000 else Decimal(100)
    n = (counts[years[-1]] / LAST_YEAR_SHARE / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    n = max(n, Decimal(1)) * step
    boost = SHORT.get(suffix, Decimal(1))
    rows = []
    for fy in years:
        base = min(_half(counts[fy] / n * 100 * boost), Decimal(100))
        rows.append((fy, _half(base * LOW), base, min(_half(base * HIGH), Decimal(100))))
    case = CostCase(
        organization=org,
        measure=measure,
        kind=CostKind.ONLINE,
        procedure=profile.procedure,
        note=profile.note,
        annual_procedures=n,
        travel_minutes=Decimal(profile.travel),
        waiting_minutes=Decimal(profile.waiting),
        filling_minutes=Decimal(profile.filling),
        travel_cost=Decimal(profile.travel_cost),
        staff_minutes=Decimal(profile.staff_minutes),
        staff_hourly_cost=Decimal(profile.staff_cost),
        initial_cost=Decimal(profile.initial),
        running_cost=Decimal(profile.running),
        kpi=kpi,
    )
    return case, rows


def _no_writing(org, measure) -> tuple[CostCase, list]:
    years = range(measure.plan.start_fy, measure.plan.end_fy + 1)
    shares = NO_WRITING_ADOPTION + (NO_WRITING_ADOPTION[-1],) * len(years)
    rows = [(fy, *(Decimal(v) for v in shares[i])) for i, fy in enumerate(years)]
    case = CostCase(organization=org, measure=measure, kind=CostKind.NO_WRITING, **NO_WRITING)
    return case, rows
