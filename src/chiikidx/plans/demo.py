"""Demo content: a 4-year DX推進計画 (令和7–10年度) for every municipality of the demo prefecture
and a wide-area plan (広域DX推進計画) for the prefecture.

Each plan is approved step by step (原課合意 → 推進本部決定 → 議会報告・承認, or up to the
本部 only), a baseline is taken at the last step with the plan as it then was, and the plan then
drifts: measures start, finish, slip and are cancelled, PoCs are judged, a delay is replanned
through the what-if (its followers move) and another is not (its followers miss their 期限),
budgets are revised and measures are added. Progress is reported as of STATUS_DATE.

あおば市 keeps its hand-written plan (MEASURES), extended from the catalogue; the other plans
are drawn from `demo_catalogue` with a random generator seeded by the organization's code, so
the demo is the same on every machine. Rows are bulk-inserted and bulk-updated through the
audited managers (one audit entry per row). The acting user is the organization's demo admin
(あおば市, わかば町, the prefecture); the other municipalities have no demo user, so their plans
are recorded as made by the system, like the rest of the demo data. Organizations that
already have a plan are left alone: building again changes nothing.
"""

from __future__ import annotations

import calendar
import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Value, When
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core.choices import OrgKind, Visibility
from chiikidx.core.japanese import fiscal_year, wareki
from chiikidx.core.models import Department

from . import baselines, schedule
from .choices import MeasureKind, MeasureStatus, PlanStatus, PocDecision, Priority
from .demo_catalogue import (
    CATALOGUE,
    LINKS,
    PARTICIPANTS,
    PREFECTURE_ADDED,
    PREFECTURE_CATALOGUE,
    PREFECTURE_LINKS,
    PREFECTURE_THEMES,
    THEMES,
    Entry,
    Poc,
)
from .models import (
    Action,
    Baseline,
    Dependency,
    Measure,
    MeasureBudget,
    MeasureContributor,
    MeasureUpdate,
    Plan,
    PlanDecision,
    Policy,
)

D = datetime.date
FIRST_DAY, LAST_DAY = D(2025, 4, 1), D(2029, 3, 31)  # 令和7–10年度
STATUS_DATE = D(2026, 10, 31)  # progress is reported as of 令和8年10月末
START_FY, END_FY = 2025, 2028
DONE_FY = 2025  # the last 年度 with settled accounts (決算額)

# あおば市's hand-written plan ------------------------------------------------------------------

POLICIES = [
    (
        "行かない・書かない・待たない窓口",
        "住民が来庁しなくても手続ができ、来庁しても書かずに済む窓口にします。",
    ),
    (
        "データとデジタルで変わる行政運営",
        "庁内の業務を見直し、データに基づいて判断する組織にします。",
    ),
    (
        "誰一人取り残さない地域のデジタル化",
        "高齢者や子育て世帯も含め、地域全体でデジタルの恩恵を受けられるようにします。",
    ),
]
AOBA_POLICY = {"window": 0, "office": 1}  # catalogue themes → POLICIES; the others go to 2

# (catalogue key, policy, title, department, status, progress, weight, deadline,
#  budgets in 千円 per 年度)
MEASURES = [
    (
        "online",
        0,
        "オンライン申請の拡充(主要50手続)",
        "住民課",
        "on_track",
        55,
        3,
        (2027, 3, 31),
        (8000, 6000, 4000, 0),
    ),
    (
        "kakanai",
        0,
        "書かない窓口の導入",
        "住民課",
        "caution",
        40,
        2,
        (2026, 9, 30),
        (12000, 3000, 0, 0),
    ),
    (
        "cashless",
        0,
        "キャッシュレス決済の全窓口導入",
        "税務課",
        "done",
        100,
        1,
        (2026, 3, 31),
        (2500, 0, 0, 0),
    ),
    (
        "kosodate",
        0,
        "子育て手続のワンストップ化",
        "子育て支援課",
        "delayed",
        20,
        2,
        (2026, 10, 31),
        (0, 5000, 3000, 0),
    ),
    (
        "minutes",
        1,
        "AI議事録作成の実証",
        "DX推進室",
        "done",
        100,
        1,
        (2025, 12, 26),
        (800, 0, 0, 0),
    ),
    (
        "rpa",
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
        "standard",
        1,
        "情報システムの標準化・ガバメントクラウド移行",
        "企画課",
        "delayed",
        60,
        5,
        (2026, 6, 30),  # the delay: approved with 令和8年1月31日; its followers now start late
        (90000, 40000, 0, 0),
    ),
    (
        "datahub",
        1,
        "庁内データ分析基盤の整備",
        "DX推進室",
        "not_started",
        0,
        2,
        (2028, 3, 31),
        (0, 0, 15000, 5000),
    ),
    (
        "smartphone",
        2,
        "高齢者向けスマホ相談会",
        "福祉課",
        "on_track",
        50,
        1,
        (2029, 3, 31),
        (600, 600, 600, 600),
    ),
    (
        "mimamori",
        2,
        "見守りセンサーの実証",
        "福祉課",
        "on_track",
        70,
        1,
        (2027, 3, 31),
        (1500, 1500, 0, 0),
    ),
    (
        "bousai",
        2,
        "防災情報の一元配信",
        "防災危機管理課",
        "caution",
        30,
        2,
        (2027, 3, 31),
        (0, 7000, 2000, 0),
    ),
    (
        "kanko_map",
        2,
        "観光デジタルマップ",
        "観光課",
        "cancelled",
        10,
        1,
        (2026, 3, 31),
        (1200, 0, 0, 0),
    ),
]
AOBA_STANDARD_APPROVED = D(2026, 1, 31)  # the 標準化 deadline in the approved plan
AOBA_EXTRAS = 10  # catalogue measures added to the hand-written ones in the approved plan
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
    ("genka", D(2025, 2, 14), "部長会議(原課との合意)", "第3回 部長会議"),
    ("honbu", D(2025, 3, 4), "DX推進本部(本部長: 市長)", "令和6年度 第2回 DX推進本部会議"),
    ("gikai", D(2025, 3, 19), "あおば市議会 総務常任委員会", "令和7年第1回定例会 総務常任委員会"),
]

# Words -----------------------------------------------------------------------------------------

VISIONS = [
    "デジタルの力で、誰もが安心して住み続けられる、つながる{place}",
    "デジタルで暮らしが便利に、地域がもっと元気になる{place}",
    "人にやさしいデジタルで、誰一人取り残さない{place}",
    "データとデジタルで、未来へつなぐ持続可能な{place}",
]
SOGO = [
    "第6次総合計画 基本目標5「効率的で開かれた行政」",
    "第5次総合計画 後期基本計画 政策6「持続可能な行財政運営」",
    "第2期総合戦略 基本目標4「安心して暮らせる地域をつくる」",
    "第4次総合計画 基本施策8「行政サービスの質の向上」",
]
TITLES = [
    "{name}DX推進計画",
    "{name}自治体DX推進計画",
    "{name}デジタル・トランスフォーメーション推進計画",
]
ALT_LEVELS = {"policy": "基本目標", "measure": "施策", "action": "取組"}
ROLES = ["係長", "主査", "課長補佐", "主任"]
HEADS = {OrgKind.DESIGNATED_CITY: "市長", OrgKind.CITY: "市長", OrgKind.TOWN: "町長"}
COMMENTS = {
    "middle": [
        "中間の報告です。おおむね予定どおり進んでいます。",
        "事業者を決め、構築を進めています。",
        "仕様を固め、関係課と作業を進めています。",
    ],
    "on_track": [
        "予定どおり進んでいます。",
        "事業者との定例会で進み具合を確認しました。予定どおりです。",
        "利用者の声を集めながら、予定どおり進めています。",
    ],
    "caution": [
        "調達に時間がかかっており、注意が必要です。",
        "関係課との調整が長引いています。",
        "事業者の体制に不安があり、週ごとに確認しています。",
    ],
    "delayed": [
        "事業者の作業が遅れ、期限を過ぎる見込みです。",
        "仕様の見直しが必要になり、遅れています。",
        "担当職員の異動で引継ぎに時間がかかり、遅れています。",
    ],
    "done": [
        "運用を開始しました。",
        "予定していた成果物がそろい、完了しました。",
        "対象のすべてで利用を始め、完了しました。",
    ],
}
CANCEL_REASONS = [
    "国の補助制度の見直しで財源の見通しが立たないため、中止しました。",
    "利用の見込みが小さいことが分かったため、中止しました。",
]
SHARED_CANCEL = "県の共同調達に参加するため、単独での導入を中止しました。"
SHARED_KEYS = {"chatbot", "facility", "rpa", "kanko_map", "opendata"}  # the county does them too
SLIP_REASONS = [
    "入札が不調で再公告したため",
    "国の仕様書の改定を待ったため",
    "事業者の体制が整わなかったため",
    "関係課との業務の見直しに時間がかかったため",
]
LATE = (MeasureStatus.CAUTION, MeasureStatus.DELAYED)
SHARES = [82, 86, 90, 94, 98]  # 決算額 in % of the budget (few values: see update_rows)
ENTRIES = {e.key: e for e in (*CATALOGUE, *PREFECTURE_CATALOGUE)}
UPDATE_CHUNK = 300
NOW_FIELDS = ["start_date", "deadline", "status", "progress", "poc_end", "result", "decision"]
STANDARD_DEADLINES = [D(2026, 12, 28), D(2027, 3, 31), D(2027, 6, 30)]


# The model of a plan before it is written ------------------------------------------------------


@dataclass
class Item:
    """One measure: as approved (start, deadline, budgets) and as it is now (now_*)."""

    key: str
    theme: str
    title: str
    description: str
    deliverable: str
    target: str
    department: Department
    helpers: list[Department]
    start: datetime.date
    deadline: datetime.date
    weight: int
    priority: str
    budgets: dict[int, int]  # planned yen per 年度, as approved
    responsible: str = ""
    poc: Poc | None = None
    added: bool = False  # added after the approval: not in the baseline
    spawned_from: Item | None = None
    fixed: bool = False  # hand-written: status and progress are given
    now_start: datetime.date | None = None
    now_deadline: datetime.date | None = None
    status: str = MeasureStatus.NOT_STARTED
    progress: int = 0
    result: str = ""
    decision: str = ""
    now_budgets: dict[int, list] = field(default_factory=dict)  # 年度 → [planned, actual]
    log: list[tuple] = field(default_factory=list)  # (date, status, progress, comment)
    measure: Measure | None = None
    entry_budget: int = 0  # 千円 per 年度 (budgets are drawn around it)
    slipped: bool = False  # moved by the replanned slip
    delayed: bool = False  # the delay that was not replanned
    final_comment: str = ""  # the latest report, when it is not a stock phrase
    shares: dict[int, int] = field(default_factory=dict)  # 決算額 in % of the budget, by 年度

    def __post_init__(self):
        self.now_start = self.now_start or self.start
        self.now_deadline = self.now_deadline or self.deadline


@dataclass
class Link:
    predecessor: Item
    successor: Item
    kind: str
    lag: int
    note: str
    added: bool = False  # made after the approval


@dataclass
class Draft:
    """A plan to write: its fields, policies, measures, links and approval steps."""

    title: str
    vision: str
    sogo_keikaku: str
    level_names: dict
    policies: list[tuple[str, str, str]]  # (theme, title, description)
    items: list[Item]
    links: list[Link]
    decisions: list[tuple]  # (to_status, date, decided_by, meeting, note)
    visibility: str = Visibility.PRIVATE


# Entry point -----------------------------------------------------------------------------------


def extend(spec, orgs: dict) -> None:
    """Give every organization of the demo prefecture without a plan its demo plan."""
    done = set(
        Plan.objects.filter(organization__in=list(orgs.values())).values_list(
            "organization_id", flat=True
        )
    )
    todo = [
        org
        for org in sorted(orgs.values(), key=lambda o: o.code)
        if org.kind != OrgKind.WARD and org.pk not in done
    ]
    if not todo:
        return  # already built (idempotent)
    admins = _admins(spec)
    departments: dict[int, dict[str, Department]] = {}
    for dept in Department.objects.filter(organization__in=todo).order_by("sort_order", "pk"):
        departments.setdefault(dept.organization_id, {})[dept.name] = dept
    municipalities = [
        o.name
        for o in sorted(orgs.values(), key=lambda o: o.code)
        if o.kind not in (OrgKind.WARD, OrgKind.PREFECTURE)
    ]
    # Plans of the same acting user are written together: one statement per model and step.
    by_actor: dict = {}
    for org in todo:
        suffix = org.code[2:5]
        rng = generator(org)
        depts = departments.get(org.pk, {})
        if not depts:
            continue  # no departments to own the measures
        if org.kind == OrgKind.PREFECTURE:
            draft = prefecture_draft(org, depts, rng, municipalities)
        elif suffix == "201":
            draft = aoba_draft(org, depts, rng)
        else:
            draft = municipal_draft(org, depts, rng)
        by_actor.setdefault(admins.get(suffix), []).append((org, draft))
    for actor, drafts in by_actor.items():
        with audit.acting_as(actor):
            write(actor, drafts)


def generator(org) -> random.Random:
    """The random generator of an organization's plan: the same code, the same plan."""
    return random.Random(f"chiikidx-plans-{org.code}")


def _admins(spec) -> dict:
    names = {"000": "pref-admin", "201": "muni-admin-1", "301": "muni-admin-2"}
    users = get_user_model().objects.filter(
        username__in=[f"{spec.user_prefix}{n}" for n in names.values()]
    )
    by_name = {u.username: u for u in users}
    return {s: by_name.get(f"{spec.user_prefix}{n}") for s, n in names.items()}


# Drafts ----------------------------------------------------------------------------------------


def municipal_draft(org, depts: dict, rng: random.Random) -> Draft:
    """A plan of 20–40 measures from the catalogue, by the municipality's size."""
    total = _size(org, rng)
    eligible = [e for e in CATALOGUE if _fits(e, org) and _owner(e, depts)]
    required = [e for e in eligible if e.required]
    others = [e for e in eligible if not e.required]
    chosen = required + rng.sample(others, max(0, total - 2 - len(required)))
    chosen_keys = {e.key for e in chosen}
    scale = _scale(org)
    items = _items(sorted(chosen, key=CATALOGUE.index), depts, rng, scale)
    links = _links(items, LINKS)
    _plan_dates(items, links, rng)
    _execute(items, links, rng, replan=rng.random() < 0.6)
    unused = [e for e in others if e.key not in chosen_keys]
    spare = [e for e in unused if e.begins >= 12] or unused
    _add_later(items, links, rng, depts, scale, spare, total, LINKS)
    themes = [t for t in THEMES if any(i.theme == t for i in items)]
    place = "むら" if org.kind == OrgKind.VILLAGE else "まち"
    return Draft(
        title=rng.choice(TITLES).format(name=org.name),
        vision=rng.choice(VISIONS).format(place=place),
        sogo_keikaku=rng.choice(SOGO),
        level_names=dict(ALT_LEVELS) if rng.random() < 0.3 else {},
        policies=[(t, rng.choice(THEMES[t][0]), THEMES[t][1]) for t in themes],
        items=items,
        links=links,
        decisions=_decisions(org, rng),
    )


def aoba_draft(org, depts: dict, rng: random.Random) -> Draft:
    """あおば市: the hand-written measures and links, with catalogue measures beside them."""
    items = []
    for key, policy, title, dept, status, progress, weight, deadline, budgets in MEASURES:
        entry = ENTRIES[key]
        department = depts.get(dept) or next(iter(depts.values()))
        start = D(*STARTS.get(title, (2025, 4, 1)))
        item = Item(
            key=key,
            theme=("window", "office", "inclusion")[policy],
            title=title,
            description=entry.description,
            deliverable=entry.deliverable,
            target=entry.target,
            department=department,
            helpers=[dx for dx in [depts.get("DX推進室")] if dx and dx != department],
            start=start,
            deadline=D(*deadline),
            weight=weight,
            priority=Priority.HIGH if weight >= 3 else Priority.MEDIUM,
            budgets={START_FY + i: k * 1000 for i, k in enumerate(budgets) if k},
            responsible=f"{dept} 係長",
            poc=entry.poc,
            fixed=True,
            status=status,
            progress=progress,
        )
        items.append(item)
    standard = next(i for i in items if i.key == "standard")
    standard.deadline = AOBA_STANDARD_APPROVED  # approved; delayed to 令和8年6月30日 since
    standard.budgets = {y: v for y, v in standard.budgets.items() if y <= DONE_FY}
    by_title = {i.title: i for i in items}
    links = [Link(by_title[p], by_title[s], k, lag, note) for p, s, k, lag, note in DEPENDENCIES]
    # Catalogue measures beside them, except those the hand-written ones would wait for.
    handwritten = {i.key for i in items}
    cancelled = {i.key for i in items if i.status == MeasureStatus.CANCELLED}
    feeds = {p for p, s, *_ in LINKS if s in handwritten}
    feeds |= {s for p, s, *_ in LINKS if p in cancelled}
    others = [
        e
        for e in CATALOGUE
        if e.key not in handwritten | feeds and _fits(e, org) and _owner(e, depts)
    ]
    scale = _scale(org)
    extras = _items(sorted(rng.sample(others, AOBA_EXTRAS), key=CATALOGUE.index), depts, rng, scale)
    items += extras
    links += [link for link in _links(items, LINKS) if link.successor in extras]
    _plan_dates(extras, links, rng)
    _aoba_drift(items)
    _execute(items, links, rng, replan=False, delay=False)
    spare = [e for e in others if e.key not in {x.key for x in items} and e.begins >= 12]
    _add_later(items, links, rng, depts, scale, spare, len(items) + 2, LINKS)
    for item in items:
        item.theme = ("window", "office", "inclusion")[AOBA_POLICY.get(item.theme, 2)]
    return Draft(
        title=f"{org.name}DX推進計画",
        vision="デジタルの力で、誰もが安心して住み続けられる、つながるまち",
        sogo_keikaku="第6次総合計画 基本目標5「効率的で開かれた行政」",
        level_names={"policy": "基本方針", "measure": "施策", "action": "取組"},
        policies=[
            (theme, title, text)
            for theme, (title, text) in zip(
                ("window", "office", "inclusion"), POLICIES, strict=True
            )
        ],
        items=items,
        links=links,
        decisions=[(s, day, by, meeting, "") for s, day, by, meeting in DECISIONS],
    )


def _aoba_drift(items: list[Item]) -> None:
    """The hand-written delay: 標準化 moved from 令和8年1月31日 to 令和8年6月30日."""
    standard = next(i for i in items if i.key == "standard")
    standard.now_deadline = D(2026, 6, 30)
    standard.now_budgets[2026] = [40_000_000, None]
    standard.log.append(
        (
            D(2026, 1, 15),
            MeasureStatus.DELAYED,
            50,
            "特定移行支援システムに該当したため、移行の完了を令和8年6月30日に延ばしました。"
            "後続の施策の日程は見直し中です。",
        )
    )


def prefecture_draft(org, depts: dict, rng: random.Random, municipalities: list[str]) -> Draft:
    """The prefecture's wide-area plan: every wide-area entry, with the municipalities taking
    part named in each measure."""
    entries = [e for e in PREFECTURE_CATALOGUE if e.key not in PREFECTURE_ADDED]
    items = _items(entries, depts, rng, 3.0)
    for item in items:
        item.description += "\n" + _participants(item.key, rng, municipalities)
    links = _links(items, PREFECTURE_LINKS)
    _plan_dates(items, links, rng)
    _execute(items, links, rng, replan=True)
    later = [e for e in PREFECTURE_CATALOGUE if e.key in PREFECTURE_ADDED]
    _add_later(items, links, rng, depts, 3.0, later, len(items) + 3, PREFECTURE_LINKS, all_of=True)
    for item in items:
        if item.added and not item.spawned_from:
            item.description += "\n" + _participants(item.key, rng, municipalities)
    return Draft(
        title=f"{org.name}広域DX推進計画",
        vision="県と市町村がともに進めるDXで、どこに住んでも便利で安心なみらい県",
        sogo_keikaku="みらい県総合計画 政策12「デジタル社会の実現」",
        level_names={"policy": "推進方針", "measure": "施策", "action": "取組"},
        policies=[
            (t, PREFECTURE_THEMES[t][0][0], PREFECTURE_THEMES[t][1]) for t in PREFECTURE_THEMES
        ],
        items=items,
        links=links,
        decisions=[
            (
                "genka",
                D(2025, 2, 10),
                "関係課長会議(原課との合意)",
                "令和6年度 第4回 DX関係課長会議",
                "",
            ),
            (
                "honbu",
                D(2025, 3, 3),
                "みらい県DX推進本部(本部長: 知事)",
                "令和6年度 第3回 DX推進本部会議",
                "",
            ),
            (
                "gikai",
                D(2025, 3, 14),
                "みらい県議会 総務企画委員会",
                "令和7年2月定例会 総務企画委員会",
                "市町村長会議(令和7年2月21日)で市町村の意見を聞いたうえで報告した。",
            ),
        ],
        visibility=Visibility.SHARED,
    )


def _participants(key: str, rng: random.Random, municipalities: list[str]) -> str:
    count = PARTICIPANTS.get(key, "all")
    if count == "all" or count >= len(municipalities):
        return f"参加市町村: 県内の全{len(municipalities)}市町村"
    names = sorted(rng.sample(municipalities, count), key=municipalities.index)
    return f"参加市町村({count}団体): " + "、".join(names)


def _size(org, rng: random.Random) -> int:
    """How many measures the plan has now: 20–40 by population."""
    people = org.population or 0
    if org.kind == OrgKind.DESIGNATED_CITY:
        return 40
    for least, low, high in [
        (150_000, 32, 35),
        (80_000, 28, 31),
        (40_000, 25, 28),
        (20_000, 23, 25),
        (10_000, 21, 23),
    ]:
        if people >= least:
            return rng.randint(low, high)
    return rng.randint(20, 21)


def _fits(entry: Entry, org) -> bool:
    city = (org.population or 0) >= 30_000
    return entry.fit == "all" or (entry.fit == "city") == city


def _owner(entry: Entry, depts: dict) -> Department | None:
    return next((depts[n] for n in entry.owners if n in depts), None)


def _scale(org) -> float:
    """Budgets grow with the population (less than in proportion)."""
    return min(4.0, max(0.25, ((org.population or 50_000) / 50_000) ** 0.6))


def _items(entries, depts: dict, rng: random.Random, scale: float) -> list[Item]:
    items = []
    for entry in entries:
        owner = _owner(entry, depts)
        helpers = [depts[n] for n in entry.helpers if n in depts and depts[n] != owner]
        office = next(
            (depts[n] for n in ("DX推進室", "企画課", "デジタル推進課") if n in depts), None
        )
        helpers = helpers[:2]
        if office and office != owner and office not in helpers and rng.random() < 0.4:
            helpers = [*helpers[:1], office]
        if entry.required or entry.weight >= 3:
            priority = Priority.HIGH
        elif entry.weight == 2:
            priority = Priority.MEDIUM
        else:
            priority = rng.choice([Priority.MEDIUM, Priority.MEDIUM, Priority.LOW])
        items.append(
            Item(
                key=entry.key,
                theme=entry.theme,
                title=entry.title,
                description=entry.description,
                deliverable=entry.deliverable,
                target=entry.target,
                department=owner,
                helpers=helpers,
                start=FIRST_DAY,
                deadline=FIRST_DAY,
                weight=entry.weight,
                priority=priority,
                budgets={},
                responsible=f"{owner.name} {rng.choice(ROLES)}",
                poc=entry.poc,
                entry_budget=round(entry.budget * scale),
            )
        )
    return items


def _links(items: list[Item], table) -> list[Link]:
    by_key = {i.key: i for i in items}
    return [
        Link(by_key[p], by_key[s], kind, lag, note)
        for p, s, kind, lag, note in table
        if p in by_key and s in by_key
    ]


# Dates -----------------------------------------------------------------------------------------


def _month_start(day: datetime.date) -> datetime.date:
    """The first day of a month on or after `day`."""
    if day.day == 1:
        return day
    return _add_months(day.replace(day=1), 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, _last_day(year, month + 1)))


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_end(start: datetime.date, months: int) -> datetime.date:
    """The last day of the `months`-th month counted from the month of `start`."""
    last = _add_months(start.replace(day=1), months - 1)
    return last.replace(day=_last_day(last.year, last.month))


def _allowed(link: Link) -> datetime.date:
    """The first day the successor may start, by the approved dates of the predecessor."""
    base = link.predecessor.start if link.kind == "ss" else link.predecessor.deadline
    return base + datetime.timedelta(days=link.lag)


def _plan_dates(items: list[Item], links: list[Link], rng: random.Random) -> None:
    """Planned starts and deadlines, in catalogue order: each measure starts on the first of a
    month, no earlier than its dependencies allow, so the approved plan holds together."""
    into: dict[int, list[Link]] = {}
    for link in links:
        into.setdefault(id(link.successor), []).append(link)
    for item in items:
        entry = ENTRIES[item.key]
        jitter = 0 if entry.required else rng.randint(0, 3)
        start = _add_months(FIRST_DAY, entry.begins + jitter)
        for link in into.get(id(item), []):
            start = max(start, _allowed(link))
        start = min(_month_start(start), LAST_DAY - datetime.timedelta(days=120))
        deadline = min(_month_end(start, rng.randint(*entry.months)), LAST_DAY)
        item.start = item.now_start = start
        item.deadline = item.now_deadline = deadline
        item.budgets = _budgets(item, rng)


def _budgets(item: Item, rng: random.Random) -> dict[int, int]:
    """Planned yen per 年度 from the start to the deadline, rounded to 10万円."""
    years = range(fiscal_year(item.start), fiscal_year(item.deadline) + 1)
    per_year = item.entry_budget
    return {y: max(1, round(per_year * rng.uniform(0.8, 1.2) / 100)) * 100_000 for y in years}


# What happened after the approval -----------------------------------------------------------


def _execute(
    items: list[Item], links: list[Link], rng: random.Random, *, replan: bool, delay: bool = True
) -> None:
    """Slips, statuses, PoC decisions, cancellations, budgets and the update log."""
    successors: dict[int, list[Link]] = {}
    for link in links:
        successors.setdefault(id(link.predecessor), []).append(link)
    moved: set[int] = set()
    if replan:
        moved = _replan(items, links, successors, rng)
    if delay:
        _delay(items, links, successors, rng, moved)
    for item in items:
        _progress(item, links, rng)
    _cancel(items, successors, rng)
    for item in items:
        _budgets_now(item, rng)
        _log(item, rng)


def _descendants(item: Item, successors: dict) -> set[int]:
    found, frontier = set(), [item]
    while frontier:
        for link in successors.get(id(frontier.pop()), []):
            if id(link.successor) not in found:
                found.add(id(link.successor))
                frontier.append(link.successor)
    return found


def _tasks(items: list[Item], links: list[Link], now: bool) -> tuple[list, list]:
    index = {id(item): n for n, item in enumerate(items)}
    tasks = [
        schedule.Task(
            n,
            item.now_start if now else item.start,
            item.now_deadline if now else item.deadline,
            deadline=item.now_deadline if now else item.deadline,
            label=item.title,
        )
        for n, item in enumerate(items)
    ]
    edges = [
        schedule.Link(index[id(k.predecessor)], index[id(k.successor)], k.kind, k.lag)
        for k in links
        if id(k.predecessor) in index and id(k.successor) in index
    ]
    return tasks, edges


def _waits(item: Item, successors: dict) -> bool:
    """Whether a slip of the deadline moves a follower (終了→開始 or 完了待ち)."""
    return any(k.kind != "ss" for k in successors.get(id(item), []))


def _replan(items, links, successors, rng) -> set[int]:
    """A slip replanned through the what-if: the measure and its followers move (logged)."""
    standard = next((i for i in items if i.key.endswith("standard")), None)
    guarded = _descendants(standard, successors) | {id(standard)} if standard else set()
    candidates = [
        i
        for i in items
        if _waits(i, successors)
        and id(i) not in guarded
        and not (_descendants(i, successors) & guarded)
        and D(2025, 9, 30) <= i.deadline <= D(2026, 9, 30)
        and not i.fixed
    ]
    if not candidates:
        return set()
    source = rng.choice(candidates)
    days = rng.choice([45, 60, 90, 120])
    reason = rng.choice(SLIP_REASONS)
    tasks, edges = _tasks(items, links, now=False)
    impact = schedule.what_if(tasks, edges, items.index(source), days)
    day = min(max(source.deadline - datetime.timedelta(days=45), source.start), STATUS_DATE)
    for move in impact.moves:
        target = items[move.id]
        shift = (move.new_finish - target.now_deadline).days
        comment = (
            f"「{source.title}」の{days}日の遅れを反映し、日程を{shift}日"
            f"後ろへ移しました(開始日 {wareki(target.now_start)}→{wareki(move.new_start)}、"
            f"期限 {wareki(target.now_deadline)}→{wareki(move.new_finish)})。理由: {reason}"
        )
        target.now_start, target.now_deadline = move.new_start, move.new_finish
        target.log.append((day, None, None, comment))
        target.slipped = True
    return {id(items[m.id]) for m in impact.moves}


def _delay(items, links, successors, rng, moved: set[int]) -> None:
    """A delay not replanned: the deadline moves, the followers keep theirs and so miss them."""
    standard = next((i for i in items if i.key.endswith("standard")), None)
    others = [
        i
        for i in items
        if _waits(i, successors)
        and i is not standard
        and id(i) not in moved
        and not (_descendants(i, successors) & moved)
        and D(2025, 12, 1) <= i.deadline <= D(2026, 9, 30)
    ]
    source = standard if standard and (not others or rng.random() < 0.8) else rng.choice(others)
    if source is standard:
        new = rng.choice(STANDARD_DEADLINES)
        why = "特定移行支援システムに該当したため"
    else:
        new = max(_month_end(source.deadline, 1 + rng.randint(3, 8)), _month_end(STATUS_DATE, 3))
        why = rng.choice(SLIP_REASONS)
    new = min(new, LAST_DAY)
    day = source.deadline - datetime.timedelta(days=rng.randint(30, 75))
    source.log.append(
        (
            min(day, STATUS_DATE),
            MeasureStatus.DELAYED,
            None,
            f"{why}、完了を{wareki(source.deadline)}から{wareki(new)}に延ばしました。"
            "後続の施策の日程は見直し中です。",
        )
    )
    source.now_deadline = new
    source.delayed = True


def _progress(item: Item, links: list[Link], rng: random.Random) -> None:
    """Status and progress as of STATUS_DATE (hand-written measures keep theirs)."""
    if item.fixed:
        if item.poc and item.status == MeasureStatus.DONE:
            item.decision, item.result = PocDecision.ADOPT, item.poc.adopt
        return
    start, end = item.now_start, item.now_deadline
    waiting = [
        k.predecessor
        for k in links
        if k.successor is item
        and (
            k.predecessor.status != MeasureStatus.DONE
            if k.kind != "ss"
            else k.predecessor.status == MeasureStatus.NOT_STARTED
        )
    ]
    if start > STATUS_DATE:
        item.status, item.progress = MeasureStatus.NOT_STARTED, 0
    elif item.delayed:
        item.status = MeasureStatus.DELAYED
        item.progress = _round5(min(90, 100 * _elapsed(start, end) + rng.uniform(-5, 5)))
    elif waiting:
        item.status, item.progress = MeasureStatus.CAUTION, _round5(rng.uniform(0, 10))
        item.final_comment = f"先行する「{waiting[0].title}」を待っており、準備だけを進めています。"
    elif end < STATUS_DATE:
        if rng.random() < 0.85 or item.poc:
            item.status, item.progress = MeasureStatus.DONE, 100
        else:
            item.status, item.progress = MeasureStatus.DELAYED, _round5(rng.uniform(70, 95))
    else:
        expected = 100 * _elapsed(start, end)
        item.progress = _round5(min(95, max(5, expected + rng.gauss(0, 12))))
        if item.progress >= expected - 10:
            item.status = MeasureStatus.ON_TRACK
        elif item.progress >= expected - 25:
            item.status = MeasureStatus.CAUTION
        else:
            item.status = MeasureStatus.DELAYED
        if item.slipped and item.status == MeasureStatus.ON_TRACK:
            item.status = MeasureStatus.CAUTION
    if item.poc and item.status == MeasureStatus.DONE:
        _judge(item, links, rng)


def _judge(item: Item, links: list[Link], rng: random.Random) -> None:
    """A PoC that ran its course gets a result and a decision; 改善して継続 runs 6 months more."""
    weights = [70, 30, 0] if item.key in ("genai", "p_genai") else [60, 25, 15]
    decision = rng.choices([PocDecision.ADOPT, PocDecision.IMPROVE, PocDecision.STOP], weights)[0]
    item.decision = decision
    item.result = {"adopt": item.poc.adopt, "improve": item.poc.improve, "stop": item.poc.stop}[
        decision
    ]
    if decision == PocDecision.IMPROVE:
        item.log.append((item.now_deadline, MeasureStatus.ON_TRACK, 80, item.result))
        item.now_deadline = _month_end(item.now_deadline, 7)
        expected = 100 * _elapsed(item.now_start, item.now_deadline)
        item.status = MeasureStatus.ON_TRACK
        item.progress = _round5(min(95, max(85, expected)))
        if item.now_deadline < STATUS_DATE:
            item.status, item.progress = MeasureStatus.DONE, 100
            item.final_comment = (
                "改善した方法で実証を続け、期間を終えました。本格導入は次の予算で判断します。"
            )


def _cancel(items: list[Item], successors: dict, rng: random.Random) -> None:
    """Now and then one measure is given up (中止)."""
    if rng.random() > 0.35:
        return
    candidates = [
        i
        for i in items
        if not ENTRIES[i.key].required
        and not i.poc
        and not i.fixed
        and not successors.get(id(i))
        and i.status in (MeasureStatus.ON_TRACK, MeasureStatus.CAUTION, MeasureStatus.NOT_STARTED)
        and i.now_start <= STATUS_DATE
    ]
    if candidates:
        item = rng.choice(candidates)
        item.status = MeasureStatus.CANCELLED
        item.final_comment = (
            SHARED_CANCEL if item.key in SHARED_KEYS else rng.choice(CANCEL_REASONS)
        )


def _elapsed(start: datetime.date, end: datetime.date) -> float:
    span = max(1, (end - start).days)
    return min(1.0, max(0.0, (STATUS_DATE - start).days / span))


def _round5(value: float) -> int:
    return int(5 * round(value / 5))


def _budgets_now(item: Item, rng: random.Random) -> None:
    """Settled accounts (決算) for 令和7年度, revisions, the cost of delays and cancellations."""
    now = {y: [v, None] for y, v in item.budgets.items()} | item.now_budgets
    if not item.fixed:
        last = max(now, default=fiscal_year(item.now_start))
        for year in range(last + 1, fiscal_year(item.now_deadline) + 1):
            now[year] = [now[last][0] * 3 // 10 // 100_000 * 100_000 or 100_000, None]
        if 2026 in now and rng.random() < 0.15:
            now[2026][0] = round(now[2026][0] * rng.uniform(0.8, 1.25) / 100_000) * 100_000
        if item.delayed and 2026 in now:
            now[2026][0] = now[2026][0] * 13 // 10
    if item.status == MeasureStatus.CANCELLED:
        now = {y: v for y, v in now.items() if y <= fiscal_year(STATUS_DATE)}
    for year, values in now.items():
        if year <= DONE_FY and item.now_start <= D(year + 1, 3, 31):
            item.shares[year] = 100 if item.fixed else rng.choice(SHARES)
            values[1] = values[0] * item.shares[year] // 100
    item.now_budgets = now


def _log(item: Item, rng: random.Random) -> None:
    """The update log: a first report, the delays and slips, and the latest report."""
    if item.status == MeasureStatus.NOT_STARTED:
        item.log = [(day, MeasureStatus.NOT_STARTED, 0, text) for day, _s, _p, text in item.log]
        return
    if item.status == MeasureStatus.DONE:
        end = min(item.now_deadline, STATUS_DATE) - datetime.timedelta(days=rng.randint(0, 10))
    elif item.status == MeasureStatus.CANCELLED:
        end = STATUS_DATE - datetime.timedelta(days=rng.randint(20, 60))
    else:
        end = STATUS_DATE - datetime.timedelta(days=rng.randint(3, 20))
    dated = [day for day, *_ in item.log]
    end = max([end, item.now_start, *(d + datetime.timedelta(days=1) for d in dated)])
    end = min(end, STATUS_DATE)
    entries = []
    middle = item.now_start + (end - item.now_start) / 2
    if (end - item.now_start).days > 180 and item.progress >= 40 and rng.random() < 0.5:
        first = _round5(item.progress / 2)
        entries.append((middle, MeasureStatus.ON_TRACK, first, rng.choice(COMMENTS["middle"])))
    for day, status, progress, text in item.log:
        share = (day - item.now_start).days / max(1, (end - item.now_start).days)
        if progress is None:
            progress = _round5(item.progress * min(1.0, max(0.0, share)))
        if status is None:
            status = item.status if item.status in LATE else MeasureStatus.ON_TRACK
            status = MeasureStatus.NOT_STARTED if day < item.now_start else status
        entries.append((day, status, progress, text))
    if item.final_comment:
        text = item.final_comment
    elif item.status == MeasureStatus.CANCELLED:
        text = SHARED_CANCEL if item.key in SHARED_KEYS else CANCEL_REASONS[0]
    elif item.poc and item.result and item.status == MeasureStatus.DONE:
        text = item.result
    else:
        text = rng.choice(COMMENTS[item.status])
    entries.append((end, item.status, item.progress, text))
    item.log = sorted(entries, key=lambda e: e[0])


def _add_later(items, links, rng, depts, scale, spare, total, table, all_of=False) -> None:
    """Measures added after the approval: the follow-ons of adopted PoCs (本格導入), then
    catalogue measures of the next 年度 until the plan has `total` measures (at least one)."""
    for poc in [i for i in items if i.decision == PocDecision.ADOPT and not i.added]:
        if len(items) >= min(total, 40) - 1:
            break  # room for one more measure
        start = _month_start(poc.now_deadline + datetime.timedelta(days=20))
        follow = Item(
            key=f"{poc.key}+",
            theme=poc.theme,
            title=f"{poc.title}(本格導入)",
            description=poc.result,
            deliverable=f"{poc.deliverable.removesuffix('と実証の報告書')}の本格運用",
            target=poc.poc.criteria,
            department=poc.department,
            helpers=poc.helpers,
            start=start,
            deadline=min(_month_end(start, 12), LAST_DAY),
            weight=poc.weight,
            priority=Priority.MEDIUM,
            budgets={},
            responsible=poc.responsible,
            added=True,
            spawned_from=poc,
            entry_budget=round(sum(poc.budgets.values()) / 1000 * 1.5),  # 1.5 times the PoC's
        )
        _add(
            items,
            links,
            follow,
            rng,
            [Link(poc, follow, "blocks", 0, "実証の判断を受けて本格導入する", True)],
        )
    picked = spare if all_of else rng.sample(spare, min(len(spare), max(1, total - len(items))))
    by_key = {i.key: i for i in items}
    for entry in sorted(picked, key=lambda e: (CATALOGUE + PREFECTURE_CATALOGUE).index(e)):
        item = _items([entry], depts, rng, scale)[0]
        item.added = True
        if not all_of:  # the wide-area one says why it was added
            item.description = "令和8年度の当初予算で加えた施策です。" + item.description
        new_links = [
            Link(by_key[p], item, kind, lag, note, True)
            for p, s, kind, lag, note in table
            if s == entry.key and p in by_key
        ]
        _add(items, links, item, rng, new_links)
        by_key[item.key] = item


def _add(items, links, item: Item, rng, new_links: list[Link]) -> None:
    """Date a measure added after the approval by its entry and the current dates of what it
    waits for, then give it its status, budgets and log."""
    entry = ENTRIES[item.key.rstrip("+")]
    start = max(item.start, _add_months(FIRST_DAY, entry.begins + rng.randint(0, 3)))
    if item.spawned_from:
        start = item.start
    for link in new_links:
        base = link.predecessor.now_start if link.kind == "ss" else link.predecessor.now_deadline
        start = max(start, base + datetime.timedelta(days=link.lag))
    start = min(_month_start(start), LAST_DAY - datetime.timedelta(days=120))
    months = 12 if item.spawned_from else rng.randint(*entry.months)
    item.start = item.now_start = start
    item.deadline = item.now_deadline = min(_month_end(start, months), LAST_DAY)
    item.budgets = _budgets(item, rng)
    items.append(item)
    links.extend(new_links)
    _progress(item, links, rng)
    _budgets_now(item, rng)
    _log(item, rng)


def _decisions(org, rng: random.Random) -> list[tuple]:
    """原課合意 → 推進本部決定 → 議会報告・承認 (a fifth of the municipalities stop at the 本部)."""
    head = HEADS.get(org.kind, "村長")
    steps = [
        (
            PlanStatus.GENKA,
            D(2025, 2, rng.randint(3, 20)),
            "庁議(部長会議)",
            f"令和6年度 第{rng.randint(8, 11)}回 庁議",
            "",
        ),
        (
            PlanStatus.HONBU,
            D(2025, 3, rng.randint(3, 12)),
            f"{org.name}DX推進本部(本部長: {head})",
            f"令和6年度 第{rng.randint(2, 3)}回 DX推進本部会議",
            "",
        ),
    ]
    if rng.random() < 0.8:
        steps.append(
            (
                PlanStatus.GIKAI,
                D(2025, 3, rng.randint(14, 25)),
                f"{org.name}議会 総務常任委員会",
                "令和7年第1回定例会 総務常任委員会",
                "計画の策定について報告し、了承された。",
            )
        )
    return steps


# Writing -----------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 17, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def write(actor, drafts: list[tuple]) -> list[Plan]:
    """The approved plans, their approval steps and baselines, then everything that happened
    since. `drafts`: (organization, Draft) pairs, all written as `actor`."""
    plans = Plan.objects.bulk_create(
        Plan(
            organization=org,
            visibility=draft.visibility,
            title=draft.title,
            vision=draft.vision,
            start_fy=START_FY,
            end_fy=END_FY,
            sogo_keikaku=draft.sogo_keikaku,
            level_names=draft.level_names,
            created_by=actor,
            updated_by=actor,
        )
        for org, draft in drafts
    )
    policies = iter(
        Policy.objects.bulk_create(
            Policy(plan=plan, code=str(n + 1), order=n, title=title, description=text)
            for plan, (_org, draft) in zip(plans, drafts, strict=True)
            for n, (_theme, title, text) in enumerate(draft.policies)
        )
    )
    parts = []  # (plan, policies by theme, draft)
    for plan, (_org, draft) in zip(plans, drafts, strict=True):
        parts.append((plan, {theme: next(policies) for theme, *_ in draft.policies}, draft))
    approved = [
        (plan, by_theme, [i for i in d.items if not i.added]) for plan, by_theme, d in parts
    ]
    budgets = _insert(approved, now=False)
    links = [k for *_, draft in parts for k in draft.links]
    Dependency.objects.bulk_create(_dependencies(links, added=False))
    _approve(actor, [(plan, draft.decisions) for plan, _p, draft in parts])
    # After the approval.
    _insert(
        [(plan, by_theme, [i for i in d.items if i.added]) for plan, by_theme, d in parts], now=True
    )
    Dependency.objects.bulk_create(_dependencies(links, added=True))
    changes = {}
    for *_, items in approved:
        for item in items:
            before = {f: getattr(item.measure, f) for f in NOW_FIELDS}
            after = {f: getattr(_now(item.measure, item), f) for f in NOW_FIELDS}
            changes[item.measure.pk] = {f: v for f, v in after.items() if v != before[f]}
    update_rows(Measure.objects.select_related("plan__organization"), changes)
    everything = [i for *_, draft in parts for i in draft.items]
    _revise_budgets([i for *_, items in approved for i in items], budgets)
    Action.objects.bulk_create(_actions(everything))
    MeasureUpdate.objects.bulk_create(
        MeasureUpdate(
            measure=item.measure,
            status=status,
            progress=progress,
            comment=text,
            by=actor,
            at=_at(day, 17, n % 50),
        )
        for item in everything
        for n, (day, status, progress, text) in enumerate(item.log)
    )
    return plans


def _insert(parts: list[tuple], *, now: bool) -> dict:
    """Measures (as approved, or as they are now for those added later) with their budgets and
    contributing departments. `parts`: (plan, policies by theme, items). Returns the budget
    rows by item and 年度."""
    measures, items = [], []
    for plan, policy_of, own in parts:
        themes = list(policy_of)
        for item in sorted(own, key=lambda i: (themes.index(i.theme), i.start, i.title)):
            policy = policy_of[item.theme]
            policy.measures_count = number = getattr(policy, "measures_count", 0) + 1
            item.measure = _measure(plan, policy, number, item)
            if now:
                _now(item.measure, item)
            measures.append(item.measure)
            items.append(item)
    Measure.objects.bulk_create(measures)
    rows = {}
    for item in items:
        values = item.now_budgets if now else {y: [v, None] for y, v in item.budgets.items()}
        rows[id(item)] = {
            year: MeasureBudget(
                measure=item.measure, fiscal_year=year, planned_yen=planned, actual_yen=actual
            )
            for year, (planned, actual) in sorted(values.items())
        }
    MeasureBudget.objects.bulk_create(b for by_year in rows.values() for b in by_year.values())
    MeasureContributor.objects.bulk_create(
        MeasureContributor(measure=item.measure, department=d)
        for item in items
        for d in item.helpers
    )
    return rows


def _measure(plan, policy, number: int, item: Item) -> Measure:
    poc = item.poc is not None
    return Measure(
        plan=plan,
        policy=policy,
        code=f"{policy.code}-{number}",
        order=number,
        title=item.title,
        description=item.description,
        owner_department=item.department,
        responsible=item.responsible,
        start_date=item.start,
        deadline=item.deadline,
        deliverable=item.deliverable,
        target_level=item.target,
        weight=item.weight,
        priority=item.priority,
        kind=MeasureKind.POC if poc else MeasureKind.NORMAL,
        hypothesis=item.poc.hypothesis if poc else "",
        success_criteria=item.poc.criteria if poc else "",
        poc_start=item.start if poc else None,
        poc_end=item.deadline if poc else None,
        spawned_from=item.spawned_from.measure if item.spawned_from else None,
    )


def _now(measure: Measure, item: Item) -> Measure:
    measure.start_date, measure.deadline = item.now_start, item.now_deadline
    measure.status, measure.progress = item.status, item.progress
    measure.result, measure.decision = item.result, item.decision
    if item.poc:
        measure.poc_end = item.now_deadline
    return measure


def _dependencies(links: list[Link], *, added: bool) -> list[Dependency]:
    return [
        Dependency(
            predecessor=k.predecessor.measure,
            successor=k.successor.measure,
            kind=k.kind,
            lag_days=k.lag,
            note=k.note,
        )
        for k in links
        if k.added == added
    ]


def _approve(actor, plans: list[tuple]) -> list[Baseline]:
    """The approval steps of each plan, then a baseline of the plan as its last step approved
    it (`baselines.snapshot`, as a baseline taken on the page). `plans`: (plan, decisions)."""
    rows, final = [], {}
    for plan, decisions in plans:
        status = plan.status
        for to_status, day, by, meeting, note in decisions:
            rows.append(
                PlanDecision(
                    plan=plan,
                    from_status=status,
                    to_status=to_status,
                    decided_on=day,
                    decided_by=by,
                    meeting=meeting,
                    note=note,
                    recorded_by=actor,
                    recorded_at=_at(day, 18),
                )
            )
            status = to_status
        plan.status = status
        final[plan.pk] = {"status": status, "updated_by_id": actor.pk if actor else None}
    PlanDecision.objects.bulk_create(rows)
    update_rows(Plan.objects.select_related("organization"), final)
    last = {row.plan.pk: row for row in rows}
    return Baseline.objects.bulk_create(
        Baseline(
            plan=plan,
            label=baselines.step_label(last[plan.pk].to_status, last[plan.pk].decided_on),
            note=last[plan.pk].decided_by,
            taken_by=actor,
            taken_at=_at(last[plan.pk].decided_on, 18, 30),
            snapshot=baselines.snapshot(plan),
        )
        for plan, _decisions in plans
    )


def _revise_budgets(items: list[Item], rows: dict) -> None:
    """Revised and settled (決算) amounts, 年度 added by a delay, 年度 dropped by a cancellation."""
    changes, created, removed = {}, [], []
    for item in items:
        stored = rows[id(item)]
        for year, (planned, actual) in item.now_budgets.items():
            row = stored.get(year)
            if row is None:
                created.append(
                    MeasureBudget(
                        measure=item.measure,
                        fiscal_year=year,
                        planned_yen=planned,
                        actual_yen=actual,
                    )
                )
                continue
            change = {}
            if planned != row.planned_yen:
                change["planned_yen"] = planned
            if actual != row.actual_yen:
                # The same share of the planned amount for many rows: few WHENs (see update_rows).
                change["actual_yen"] = F("planned_yen") * item.shares[year] / 100
            if change:
                changes[row.pk] = change
        removed += [row.pk for year, row in stored.items() if year not in item.now_budgets]
    update_rows(MeasureBudget.objects.select_related("measure__plan__organization"), changes)
    MeasureBudget.objects.bulk_create(created)
    if removed:
        MeasureBudget.objects.filter(pk__in=removed).delete()


def update_rows(queryset, changes: dict[int, dict]) -> int:
    """Write `changes` (pk → {field: new value or expression}) with one audited UPDATE: per
    field a CASE with one WHEN per distinct value. bulk_update has one WHEN per row and field,
    which made the demo several times slower. The queryset's select_related is kept when the
    audit re-reads the rows (see core.audit)."""
    changes = {pk: values for pk, values in changes.items() if values}
    if not changes:
        return 0
    groups: dict[str, dict] = {}
    for pk, values in changes.items():
        for name, value in values.items():
            groups.setdefault(name, {}).setdefault(value, []).append(pk)
    if len(changes) > UPDATE_CHUNK:  # within the query parameters SQLite allows
        pks = list(changes)
        return sum(
            update_rows(queryset, {pk: changes[pk] for pk in pks[i : i + UPDATE_CHUNK]})
            for i in range(0, len(pks), UPDATE_CHUNK)
        )
    cases = {}
    for name, by_value in groups.items():
        field = queryset.model._meta.get_field(name)
        whens = [
            When(
                pk__in=pks,
                then=value if hasattr(value, "resolve_expression") else Value(value, field),
            )
            for value, pks in by_value.items()
        ]
        cases[name] = Case(*whens, default=F(name), output_field=field)
    return queryset.filter(pk__in=list(changes)).update(**cases)


def _actions(items: list[Item]) -> list[Action]:
    """Milestones (取組) of the 標準化 measure."""
    rows = []
    for item in items:
        if item.key.endswith("standard"):
            steps = [
                ("移行計画の策定", D(2025, 6, 30)),
                ("データ移行・連携テスト", D(2025, 12, 26)),
                ("標準準拠システムの本番稼働", item.now_deadline),
            ]
        else:
            continue
        for title, due in steps:
            done = due <= STATUS_DATE and (
                title != "標準準拠システムの本番稼働" or item.status == MeasureStatus.DONE
            )
            rows.append(Action(measure=item.measure, title=title, due_on=due, done=done))
    return rows
