"""Demo common issues (県内の共通課題): municipalities of the demo prefecture share or escalate
(県・広域で対応) issues they have in common, each in its own words — the §2(3) 配送DX example
(買い物困難者への配送: ドローン・共同配送), デマンド交通の予約, 避難所受付のデジタル化, 子育て
支援アプリの共同利用, 窓口のキャッシュレス決済, 公共施設の予約 — and a few issues only one
municipality has. So the prefecture's page groups them into six groups and some singletons at
the default threshold.

The prefecture's DX推進課 (its demo admin, through `services`) has already made three groups:
配送 became a study group (物流・人流サービスに関する勉強会, as in the report), 避難所の受付
became a candidate measure of the prefecture's plan when it has one being written (下書き・改定中;
the plans demo's is approved, so the group waits with a note), and デマンド交通 is still being
discussed. The rest are left for the user to group from the page.

The challenges are written as their municipality's admin where the demo has one (あおば市,
わかば町), else as the system, like the rest of the demo data of municipalities without users;
their dates are fixed (shared and escalated between July and October 2026). Runs last among the
challenges' demo parts; idempotent (challenges are found by municipality and title, groups by
title).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Department

from ..choices import Scope, SourceKind, Timing
from ..models import Challenge, CommonIssueGroup
from . import queries, services

ADMINS = {"000": "pref-admin", "201": "muni-admin-1", "301": "muni-admin-2"}
# Who owns a challenge of each 分野, in large and small municipalities (the first that exists).
DEPARTMENTS = {
    "産業": ("産業振興課", "産業建設課"),
    "交通": ("企画課",),
    "防災": ("防災危機管理課", "総務課"),
    "子育て": ("子育て支援課", "保健福祉課"),
    "窓口": ("住民課",),
    "内部事務": ("総務課",),
    "農林水産": ("産業振興課", "産業建設課"),
    "環境": ("建設課", "産業建設課"),
}


@dataclass(frozen=True)
class DemoIssue:
    suffix: str  # the municipality (demo code suffix)
    field: str
    title: str
    description: str
    scores: tuple[int, int, int]  # 裨益性, 難易度, 緊急性
    day: tuple[int, int]  # (month, day) in 2026 it was shared or escalated
    ask: str = ""  # what the municipality asks the prefecture; empty: shared only


ISSUES = (
    # 配送DX (§2(3)): ドローン・共同配送
    DemoIssue(
        "201",
        "産業",
        "中山間地域の買い物困難者への配送",
        "市北部の中山間地域では商店の撤退が続き、高齢者が日用品を買いに行けない。"
        "ドローンや貨客混載による配送を試したいが、市単独では配送事業者を確保できない。",
        (4, 4, 4),
        (7, 14),
        "近隣の町村と共同で配送の実証ができるよう、県に事業者との調整をお願いしたい。",
    ),
    DemoIssue(
        "301",
        "産業",
        "買い物弱者への共同配送",
        "町内のスーパーが閉店し、食料品や日用品の買い物に困る高齢者が増えている。"
        "宅配事業者と地元の商店による共同配送で、買い物困難者に配送したい。",
        (4, 3, 4),
        (8, 2),
        "共同配送の仕組みを県内の町村でそろえて作りたい。",
    ),
    DemoIssue(
        "302",
        "産業",
        "ドローンによる日用品の配送",
        "山間の集落の買い物困難者へ、食料品や日用品をドローンで配送する実証を行いたい。"
        "飛行ルートや配送事業者との調整を近隣の町と共同で進めたい。",
        (3, 4, 3),
        (8, 25),
        "ドローン配送の実証を、県の事業として複数の町村で行ってほしい。",
    ),
    DemoIssue(
        "401",
        "産業",
        "高齢者の買い物支援と配送サービス",
        "移動販売車が週1回しか来ず、買い物困難者への日用品の配送サービスが必要になっている。"
        "村単独では配送の担い手を確保できず、共同配送やドローンも検討したい。",
        (4, 3, 5),
        (9, 9),
        "配送の担い手の確保を、近隣と一緒に検討する場を作ってほしい。",
    ),
    # デマンド交通の予約
    DemoIssue(
        "203",
        "交通",
        "デマンド交通の予約をスマートフォンで",
        "デマンド交通の予約が電話だけで、朝夕に予約の電話が集中してつながらない。"
        "乗合タクシーの予約と配車をシステムで受け付けたい。",
        (4, 3, 3),
        (7, 28),
        "予約システムを県内で共同調達できないか相談したい。",
    ),
    DemoIssue(
        "303",
        "交通",
        "デマンドタクシーの電話予約の負担",
        "乗合のデマンドタクシーの予約を電話で受けており、オペレーターの負担が大きい。"
        "デマンド交通の予約と配車のシステムを近隣の町と共同で調達したい。",
        (3, 3, 4),
        (8, 19),
        "共同調達の取りまとめを県にお願いしたい。",
    ),
    DemoIssue(
        "206",
        "交通",
        "乗合タクシーの予約と配車の効率化",
        "デマンド交通(乗合タクシー)の予約を紙の台帳で管理しており、配車の調整に時間がかかる。"
        "予約をシステムで受け付け、配車まで自動で組めるようにしたい。",
        (3, 4, 3),
        (9, 30),
    ),
    # 避難所受付のデジタル化
    DemoIssue(
        "204",
        "防災",
        "避難所の受付をデジタル化したい",
        "災害時、避難所で避難者名簿を手書きで作っており、集計に時間がかかる。"
        "マイナンバーカードを読み取って避難所の受付をしたい。",
        (5, 3, 4),
        (7, 7),
        "県の防災システムと連携した受付の仕組みを検討してほしい。",
    ),
    DemoIssue(
        "321",
        "防災",
        "避難所受付のデジタル化と避難者の把握",
        "避難所での受付と避難者数の把握に時間がかかり、本部への報告が電話頼みになっている。"
        "避難所の受付をデジタル化し、避難者名簿を自動で作りたい。",
        (4, 3, 4),
        (8, 8),
        "沿岸の市町と同じ仕組みで避難所の受付をしたい。",
    ),
    DemoIssue(
        "208",
        "防災",
        "避難者名簿の作成と避難所ごとの集計",
        "避難所ごとに紙の避難者名簿を作り、集計して本部へ報告するのに半日かかる。"
        "受付の時点で名簿をデジタル化したい。",
        (4, 2, 3),
        (10, 3),
    ),
    # 子育て支援アプリの共同利用
    DemoIssue(
        "202",
        "子育て",
        "子育て支援アプリの共同利用",
        "母子手帳アプリや子育て情報の配信アプリを単独で導入すると費用が高い。"
        "子育て支援アプリを近隣の市町村と共同利用したい。",
        (4, 2, 3),
        (7, 22),
        "県内の共同利用の枠組みを作ってほしい。",
    ),
    DemoIssue(
        "207",
        "子育て",
        "母子手帳アプリを導入したい",
        "健診や予防接種の案内を紙で郵送している。母子手帳アプリで子育て世帯に届けたい。"
        "子育て支援アプリの共同利用があれば参加したい。",
        (4, 2, 3),
        (9, 17),
        "共同利用の検討に加わりたい。",
    ),
    DemoIssue(
        "342",
        "子育て",
        "子育て情報を届けるアプリ",
        "子育て世帯に行事や健診の情報が届いていない。子育て支援アプリで配信したいが、"
        "町単独ではアプリの共同利用の相手が見つからない。",
        (3, 2, 2),
        (10, 10),
    ),
    # 窓口のキャッシュレス決済
    DemoIssue(
        "205",
        "窓口",
        "窓口でキャッシュレス決済ができない",
        "住民票の写しや証明書の手数料を現金でしか払えず、キャッシュレス決済を求める声が多い。",
        (3, 2, 3),
        (8, 5),
        "決済端末の共同調達を検討してほしい。",
    ),
    DemoIssue(
        "341",
        "窓口",
        "証明書手数料のキャッシュレス決済",
        "窓口の手数料の現金の取扱いと釣銭の準備、会計の照合が職員の負担になっている。"
        "証明書の手数料をキャッシュレス決済で受けたい。",
        (3, 2, 2),
        (9, 2),
        "キャッシュレス決済の導入を近隣の町と一緒に進めたい。",
    ),
    DemoIssue(
        "100",
        "窓口",
        "区役所窓口の手数料のキャッシュレス化",
        "区役所の窓口で手数料をキャッシュレス決済で払えるようにしたい。現金の取扱いをなくしたい。",
        (4, 3, 3),
        (10, 14),
    ),
    # 公共施設の予約
    DemoIssue(
        "301",
        "内部事務",
        "公共施設の空き状況と予約",
        "体育館や公民館の施設予約が電話と窓口だけで、空き状況も分からない。"
        "公共施設の施設予約をインターネットで受け付けたい。",
        (3, 2, 3),
        (7, 31),
        "施設予約システムを県内で共同利用できないか相談したい。",
    ),
    DemoIssue(
        "361",
        "内部事務",
        "体育館や公民館の施設予約が電話のみ",
        "公共施設の施設予約を電話で受け、紙の台帳で管理している。"
        "体育館や公民館の空き状況を住民が確認し、インターネットで施設予約できるようにしたい。",
        (3, 2, 2),
        (8, 28),
        "施設予約システムの共同利用を検討してほしい。",
    ),
    DemoIssue(
        "362",
        "内部事務",
        "施設予約システムの共同利用",
        "体育館や公民館など公共施設の施設予約システムを町単独で調達すると割高になる。"
        "県内の市町村と施設予約システムを共同利用したい。",
        (3, 3, 2),
        (9, 24),
    ),
    # Issues only one municipality has
    DemoIssue(
        "381",
        "内部事務",
        "LGWAN接続系の端末で在宅勤務ができない",
        "LGWAN接続系の端末を庁外へ持ち出せず、災害時や育児中の職員が在宅勤務できない。",
        (3, 4, 2),
        (8, 12),
        "県のテレワークの仕組みを市町村も使えるようにしてほしい。",
    ),
    DemoIssue(
        "421",
        "内部事務",
        "議会の会議録の作成",
        "議会の録音から会議録を起こす作業を外部に委託しており、費用と日数がかかる。",
        (2, 3, 2),
        (9, 5),
    ),
    DemoIssue(
        "441",
        "農林水産",
        "有害鳥獣のわなの見回り",
        "イノシシやシカのわなの見回りが猟友会の負担になっている。"
        "わなにセンサーを付けて捕獲を知らせたい。",
        (3, 3, 3),
        (9, 19),
        "センサーの購入費の補助を検討してほしい。",
    ),
    DemoIssue(
        "461",
        "環境",
        "空き家の所在と状態の把握",
        "空き家の所在と状態を把握できておらず、移住希望者に紹介できる物件が少ない。",
        (3, 3, 2),
        (10, 7),
    ),
)

# Groups the prefecture has made: (title, 分野, note, titles of member challenges, initiative)
STUDY_GROUP = ("物流・人流サービスに関する勉強会", datetime.date(2026, 12, 15))
GROUPS = (
    (
        "買い物困難者への配送(配送DX)",
        "産業",
        "先行して実証した町のノウハウを横展開する。配送と公共交通の課題を地域全体の問題として"
        "扱い、物流・人流の勉強会で対応方針を検討する。",
        (
            "中山間地域の買い物困難者への配送",
            "買い物弱者への共同配送",
            "ドローンによる日用品の配送",
            "高齢者の買い物支援と配送サービス",
        ),
        "study_group",
    ),
    (
        "避難所受付のデジタル化",
        "防災",
        "県の防災情報システムの更新(令和9年度)に合わせて検討する。県の計画の改定時に、"
        "施策の候補にする。",
        ("避難所の受付をデジタル化したい", "避難所受付のデジタル化と避難者の把握"),
        "measure",
    ),
    (
        "デマンド交通の予約システム",
        "交通",
        "共同調達の可否を、交通政策課と相談中。",
        ("デマンド交通の予約をスマートフォンで", "デマンドタクシーの電話予約の負担"),
        "",
    ),
)


def extend(spec, orgs: dict) -> None:
    """Adds the shared and escalated issues, then the prefecture's groups (idempotent)."""
    prefecture = orgs.get(core_demo.code(spec, "000"))
    if prefecture is None:
        return
    users = _users(spec)
    challenges = _challenges(spec, orgs, users)
    admin = users.get("000")
    if admin is not None:
        _groups(prefecture, admin, challenges)


def _users(spec) -> dict:
    return core_demo.users_by_key(spec, ADMINS)


def _when(day: tuple[int, int]) -> datetime.datetime:
    month, date = day
    return timezone.make_aware(datetime.datetime(2026, month, date, 10, 0))


def _challenges(spec, orgs: dict, users: dict) -> dict[str, Challenge]:
    """The demo issues by title (those already there are kept as they are)."""
    wanted = {core_demo.code(spec, i.suffix): i for i in ISSUES}
    found = {
        (c.organization.code, c.title): c
        for c in Challenge.objects.filter(
            organization__code__in=list(wanted), title__in=[i.title for i in ISSUES]
        ).select_related("organization")
    }
    departments = _departments(orgs, ISSUES, spec)
    by_title = {}
    for issue in ISSUES:
        org = orgs.get(core_demo.code(spec, issue.suffix))
        if org is None:
            continue
        existing = found.get((org.code, issue.title))
        if existing is None:
            with audit.acting_as(users.get(issue.suffix)):
                existing = Challenge.objects.create(**_values(org, issue, departments))
        by_title[issue.title] = existing
    return by_title


def _departments(orgs: dict, issues, spec) -> dict:
    """(organization id, 分野) → the department owning such a challenge."""
    ids = {
        orgs[core_demo.code(spec, i.suffix)].pk
        for i in issues
        if core_demo.code(spec, i.suffix) in orgs
    }
    names: dict[int, dict[str, Department]] = {}
    for d in Department.objects.filter(organization_id__in=ids):
        names.setdefault(d.organization_id, {})[d.name] = d
    found = {}
    for org_id, by_name in names.items():
        for field, candidates in DEPARTMENTS.items():
            found[(org_id, field)] = next((by_name[n] for n in candidates if n in by_name), None)
    return found


def _values(org, issue: DemoIssue, departments: dict) -> dict:
    benefit, difficulty, urgency = issue.scores
    when = _when(issue.day)
    return {
        "organization": org,
        "department": departments.get((org.pk, issue.field)),
        "field": issue.field,
        "title": issue.title,
        "description": issue.description,
        "benefit": benefit,
        "difficulty": difficulty,
        "urgency": urgency,
        "scope": Scope.WIDE if issue.ask else Scope.SELF,
        "timing": Timing.NOW if urgency >= 4 else Timing.MID,
        "source_kind": SourceKind.STAFF,
        "shared_at": when,
        "escalated_at": when if issue.ask else None,
        "escalation_note": issue.ask,
    }


def _groups(prefecture, admin, challenges: dict[str, Challenge]) -> None:
    existing = set(
        CommonIssueGroup.objects.filter(organization=prefecture).values_list("title", flat=True)
    )
    for title, field, note, members, initiative in GROUPS:
        chosen = [challenges[t] for t in members if t in challenges]
        if title in existing or len(chosen) < 2:
            continue
        group = services.create_group(
            acting_user=admin,
            prefecture=prefecture,
            challenges=chosen,
            title=title,
            field=field,
            note=note,
        )
        if initiative == "study_group":
            name, starts_on = STUDY_GROUP
            services.make_study_group(
                acting_user=admin, group=group, name=name, starts_on=starts_on
            )
        elif initiative == "measure":
            _measure(prefecture, admin, group)


def _measure(prefecture, admin, group) -> None:
    """A candidate measure, when the prefecture has a plan being written."""
    plan = queries.candidate_plans(prefecture).first()
    department = Department.objects.filter(organization=prefecture).order_by("sort_order").first()
    if plan is not None and department is not None:
        services.make_measure(
            acting_user=admin, group=group, plan=plan, owner_department=department
        )
