"""Demo content: a 4-year DX推進計画 (令和7–10年度) for あおば市 and a smaller one for わかば町.

Deterministic and idempotent; measures, budgets and update logs are bulk-inserted (audited)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Department

from . import services
from .models import Measure, MeasureBudget, MeasureContributor, MeasureUpdate, Plan

POLICIES = [
    (
        "1",
        "行かない・書かない・待たない窓口",
        "住民が来庁しなくても手続ができ、来庁しても書かずに済む窓口にします。",
    ),
    (
        "2",
        "データとデジタルで変わる行政運営",
        "庁内の業務を見直し、データに基づいて判断する組織にします。",
    ),
    (
        "3",
        "誰一人取り残さない地域のデジタル化",
        "高齢者や子育て世帯も含め、地域全体でデジタルの恩恵を受けられるようにします。",
    ),
]

# (policy, title, department, status, progress, weight, deadline, budgets in 千円 per 年度)
MEASURES = [
    (
        0,
        "オンライン申請の拡充(主要50手続)",
        "住民課",
        "on_track",
        55,
        3,
        (2027, 3, 31),
        (8000, 6000, 4000, 0),
    ),
    (0, "書かない窓口の導入", "住民課", "caution", 40, 2, (2026, 9, 30), (12000, 3000, 0, 0)),
    (0, "キャッシュレス決済の全窓口導入", "税務課", "done", 100, 1, (2026, 3, 31), (2500, 0, 0, 0)),
    (
        0,
        "子育て手続のワンストップ化",
        "子育て支援課",
        "delayed",
        20,
        2,
        (2026, 10, 31),
        (0, 5000, 3000, 0),
    ),
    (1, "AI議事録作成の実証", "DX推進室", "done", 100, 1, (2025, 12, 26), (800, 0, 0, 0)),
    (
        1,
        "RPAによる定型業務の自動化",
        "総務課",
        "on_track",
        35,
        2,
        (2028, 3, 31),
        (3000, 3000, 3000, 3000),
    ),
    (
        1,
        "情報システムの標準化・ガバメントクラウド移行",
        "企画課",
        "delayed",
        60,
        5,
        (2026, 6, 30),  # the delay: first due 令和8年1月31日; its followers now start late
        (90000, 40000, 0, 0),
    ),
    (
        1,
        "庁内データ分析基盤の整備",
        "DX推進室",
        "not_started",
        0,
        2,
        (2028, 3, 31),
        (0, 0, 15000, 5000),
    ),
    (2, "高齢者向けスマホ相談会", "福祉課", "on_track", 50, 1, (2029, 3, 31), (600, 600, 600, 600)),
    (2, "見守りセンサーの実証", "福祉課", "on_track", 70, 1, (2027, 3, 31), (1500, 1500, 0, 0)),
    (
        2,
        "防災情報の一元配信",
        "防災危機管理課",
        "caution",
        30,
        2,
        (2027, 3, 31),
        (0, 7000, 2000, 0),
    ),
    (2, "観光デジタルマップ", "観光課", "cancelled", 10, 1, (2026, 3, 31), (1200, 0, 0, 0)),
]
POC_TITLES = {"AI議事録作成の実証", "見守りセンサーの実証"}
# Planned starts (the rest start on 令和7年4月1日).
STARTS = {
    "書かない窓口の導入": (2025, 10, 1),
    "子育て手続のワンストップ化": (2026, 2, 1),
    "AI議事録作成の実証": (2025, 6, 1),
    "RPAによる定型業務の自動化": (2026, 1, 5),
    "庁内データ分析基盤の整備": (2026, 4, 1),
    "見守りセンサーの実証": (2025, 6, 1),
    "防災情報の一元配信": (2025, 10, 1),
}
# (predecessor, successor, kind, lag in days, note). The 標準化 delay pushes 子育て手続 and
# データ分析基盤 past their deadlines: the schedule shows both as 期限超過.
DEPENDENCIES = [
    (
        "情報システムの標準化・ガバメントクラウド移行",
        "子育て手続のワンストップ化",
        "fs",
        1,
        "標準準拠システムの稼働後に手続を統合する",
    ),
    (
        "情報システムの標準化・ガバメントクラウド移行",
        "庁内データ分析基盤の整備",
        "fs",
        60,
        "ガバメントクラウド上のデータを使う",
    ),
    (
        "AI議事録作成の実証",
        "RPAによる定型業務の自動化",
        "blocks",
        0,
        "実証の判断が出てから自動化の対象を決める",
    ),
    ("AI議事録作成の実証", "庁内データ分析基盤の整備", "fs", 0, ""),
    (
        "オンライン申請の拡充(主要50手続)",
        "子育て手続のワンストップ化",
        "ss",
        120,
        "電子申請の基盤を使う",
    ),
    ("オンライン申請の拡充(主要50手続)", "書かない窓口の導入", "ss", 60, ""),
    (
        "キャッシュレス決済の全窓口導入",
        "書かない窓口の導入",
        "ss",
        90,
        "窓口の決済端末を先に入れる",
    ),
    (
        "オンライン申請の拡充(主要50手続)",
        "高齢者向けスマホ相談会",
        "ss",
        0,
        "相談会でオンライン申請の使い方を案内する",
    ),
    ("高齢者向けスマホ相談会", "防災情報の一元配信", "ss", 0, "相談会で防災アプリを案内する"),
]
DECISIONS = [
    ("genka", datetime.date(2025, 2, 14), "部長会議(原課との合意)", "第3回 部長会議"),
    (
        "honbu",
        datetime.date(2025, 3, 24),
        "DX推進本部(本部長: 市長)",
        "令和6年度 第2回 DX推進本部会議",
    ),
]
SMALL = [
    (0, "電子申請の導入(20手続)", "住民課", "on_track", 45, 2, (2027, 3, 31), (1500, 800, 0, 0)),
    (1, "庁内ペーパーレス会議", "総務課", "done", 100, 1, (2026, 3, 31), (900, 0, 0, 0)),
    (
        2,
        "デジタル活用支援員の配置",
        "保健福祉課",
        "delayed",
        15,
        1,
        (2026, 9, 30),
        (0, 1200, 1200, 0),
    ),
]


def extend(spec, orgs: dict) -> None:
    users = get_user_model().objects
    for suffix, username, rows, decisions in [
        ("201", "muni-admin-1", MEASURES, DECISIONS),
        ("301", "muni-admin-2", SMALL, DECISIONS[:1]),
    ]:
        org = orgs.get(core_demo.code(spec, suffix))
        admin = users.filter(username=f"{spec.user_prefix}{username}").first()
        if org is None or admin is None or Plan.objects.filter(organization=org).exists():
            continue  # already built (idempotent), or no demo admin to act as
        with audit.acting_as(admin):
            _plan(admin, org, rows, decisions)


def _plan(admin, org, rows, decisions) -> Plan:
    plan = services.create_plan(
        acting_user=admin,
        organization=org,
        title=f"{org.name}DX推進計画",
        vision="デジタルの力で、誰もが安心して住み続けられる、つながるまち",
        start_fy=2025,
        end_fy=2028,
        sogo_keikaku="第6次総合計画 基本目標5「効率的で開かれた行政」",
        level_names={"policy": "基本方針", "measure": "施策", "action": "取組"},
    )
    policies = [
        services.save_policy(
            acting_user=admin, plan=plan, code=code, order=i, title=title, description=text
        )
        for i, (code, title, text) in enumerate(POLICIES)
    ]
    departments = {d.name: d for d in Department.objects.filter(organization=org)}
    measures = Measure.objects.bulk_create(
        [_measure(plan, policies, departments, i, row) for i, row in enumerate(rows)]
    )
    _details(admin, measures, rows, departments)
    _dependencies(admin, measures)
    for to_status, day, by, meeting in decisions:
        services.advance_plan(
            acting_user=admin,
            plan=plan,
            to_status=to_status,
            decided_on=day,
            decided_by=by,
            meeting=meeting,
        )
    return plan


def _measure(plan, policies, departments, i, row) -> Measure:
    policy, title, dept, status, progress, weight, deadline, _budgets = row
    poc = title in POC_TITLES
    return Measure(
        plan=plan,
        policy=policies[policy],
        code=f"{policies[policy].code}-{i + 1}",
        order=i,
        title=title,
        owner_department=departments.get(dept) or next(iter(departments.values())),
        responsible=f"{dept} 係長",
        start_date=datetime.date(*STARTS.get(title, (2025, 4, 1))),
        deadline=datetime.date(*deadline),
        deliverable=f"{title}の運用開始",
        target_level="対象業務・手続の8割以上で利用",
        weight=Decimal(weight),
        status=status,
        progress=progress,
        kind="poc" if poc else "normal",
        hypothesis="導入すれば職員の作業時間が半減する" if poc else "",
        success_criteria="作業時間50%削減、利用者満足度80%以上" if poc else "",
        poc_start=datetime.date(2025, 6, 1) if poc else None,
        poc_end=datetime.date(2025, 11, 30) if poc else None,
        result="作業時間が平均62%減った" if poc and status == "done" else "",
        decision="adopt" if poc and status == "done" else "",
    )


def _details(admin, measures, rows, departments) -> None:
    budgets, updates, contributors = [], [], []
    dx = departments.get("DX推進室") or departments.get("企画課")
    now = timezone.now()
    for measure, row in zip(measures, rows, strict=True):
        for offset, thousand in enumerate(row[7]):
            if thousand:
                actual = thousand * 1000 if 2025 + offset < 2026 else None
                budgets.append(
                    MeasureBudget(
                        measure=measure,
                        fiscal_year=2025 + offset,
                        planned_yen=thousand * 1000,
                        actual_yen=actual,
                    )
                )
        if measure.status != "not_started":
            updates.append(
                MeasureUpdate(
                    measure=measure,
                    status=measure.status,
                    progress=measure.progress,
                    comment=_comment(measure.status),
                    by=admin,
                    at=now - datetime.timedelta(days=14),
                )
            )
        if dx and dx.pk != measure.owner_department_id:
            contributors.append(MeasureContributor(measure=measure, department=dx))
    MeasureBudget.objects.bulk_create(budgets)
    MeasureUpdate.objects.bulk_create(updates)
    MeasureContributor.objects.bulk_create(contributors)


def _dependencies(admin, measures) -> None:
    by_title = {m.title: m for m in measures}
    for before, after, kind, lag, note in DEPENDENCIES:
        if before in by_title and after in by_title:
            services.add_dependency(
                acting_user=admin,
                predecessor=by_title[before],
                successor=by_title[after],
                kind=kind,
                lag_days=lag,
                note=note,
            )


def _comment(status: str) -> str:
    return {
        "on_track": "予定どおり進んでいます。",
        "caution": "調達に時間がかかっており、注意が必要です。",
        "delayed": "ベンダーの作業が遅れ、期限を過ぎる見込みです。",
        "done": "運用を開始しました。",
        "cancelled": "県の共同調達に切り替えるため中止しました。",
    }.get(status, "")
