"""Demo processes (業務プロセスの書き出し): あおば市 writes down five procedures step by step
(転入届, 住民票の写しの交付, 児童手当の認定請求, 介護保険の要介護認定申請, 道路占用許可) with
volumes and minutes that make the analysis meaningful; わかば町, さくら台市 and ひかり市 write
down two or three of the same procedures their own way — わかば町 already digital (書かない窓口,
オンライン申請), さくら台市 on paper, ひかり市 in between (OCR) — so the prefecture's comparison
shows differences. One candidate of あおば市 (the paper 転記 of 転入届) is made into a 課題.

Idempotent (a process whose name the organization already has is left alone) and fast: the
processes, then all their steps, are bulk-inserted (audited), a fixed number of statements.
"""

from __future__ import annotations

from decimal import Decimal

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Department

from ..choices import Medium, Performer, StepType
from ..models import Challenge, Process, ProcessStep
from . import services

T, M, W = StepType, Medium, Performer
# Who writes each organization's processes (by the organization's suffix).
ACTORS = {"201": "muni-admin-1", "301": "muni-admin-2"}
# (name, common name, department, annual volume, description, steps), a step being
# (name, type, medium, minutes, performer, note)
TENNYU = "転入届"
JUMINHYO = "住民票の写しの交付"
JIDO = "児童手当の認定請求"
KAIGO = "介護保険の要介護認定申請"
DORO = "道路占用許可"

PROCESSES = {
    "201": [
        (
            TENNYU,
            TENNYU,
            "住民課",
            4800,
            "他の市区町村から転入した人の届出(住民基本台帳法第22条)。3〜4月に集中する。",
            [
                ("転入届の記入", T.FILL, M.PAPER, 10, W.RESIDENT, "記載台"),
                ("届出書の受付", T.RECEIVE, M.IN_PERSON, 3, W.STAFF, "住民記録係"),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, "住民記録係"),
                ("転出証明書の確認", T.EXAMINE, M.PAPER, 3, W.STAFF, "住民記録係"),
                ("届出書の内容を住基システムに入力", T.INPUT, M.DIGITAL, 8, W.STAFF, "住民記録係"),
                (
                    "国保・年金・児童手当の連絡票への転記",
                    T.TRANSCRIBE,
                    M.PAPER,
                    6,
                    W.STAFF,
                    "住民記録係",
                ),
                ("入力内容の読み合わせ", T.EXAMINE, M.PAPER, 3, W.STAFF, "2人で確認"),
                ("係長の決裁", T.APPROVE, M.PAPER, 1, W.STAFF, "住民記録係長"),
                ("届出書の保管", T.STORE, M.PAPER, 1, W.STAFF, ""),
            ],
        ),
        (
            JUMINHYO,
            JUMINHYO,
            "住民課",
            32000,
            "窓口での住民票の写しの交付。コンビニ交付の利用は1割に満たない。",
            [
                ("交付申請書の記入", T.FILL, M.PAPER, 5, W.RESIDENT, "記載台"),
                ("申請書の受付", T.RECEIVE, M.IN_PERSON, 2, W.STAFF, "証明係"),
                ("本人確認書類確認", T.IDENTIFY, M.IN_PERSON, 1.5, W.STAFF, "証明係"),
                ("住基システムで検索・印刷", T.INPUT, M.DIGITAL, 2, W.STAFF, "証明係"),
                ("手数料の収納", T.COLLECT, M.IN_PERSON, 1, W.STAFF, "証明係"),
                ("住民票の写しの交付", T.ISSUE, M.IN_PERSON, 1, W.STAFF, "証明係"),
                ("申請書の保管", T.STORE, M.PAPER, 0.5, W.STAFF, ""),
            ],
        ),
        (
            JIDO,
            JIDO,
            "子育て支援課",
            1200,
            "出生・転入のときの児童手当の認定請求。電子申請(ぴったりサービス)は約2割。",
            [
                ("認定請求書の記入", T.FILL, M.PAPER, 15, W.RESIDENT, ""),
                ("窓口での受付", T.RECEIVE, M.IN_PERSON, 5, W.STAFF, "児童手当係"),
                ("電子申請の受付", T.RECEIVE, M.DIGITAL, 3, W.STAFF, "児童手当係"),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, "児童手当係"),
                ("所得・課税状況の照会", T.INQUIRE, M.DIGITAL, 10, W.STAFF, "児童手当係"),
                (
                    "認定請求書の内容を児童手当システムに入力",
                    T.INPUT,
                    M.DIGITAL,
                    12,
                    W.STAFF,
                    "児童手当係",
                ),
                ("支給要件の審査", T.EXAMINE, M.PAPER, 15, W.STAFF, "児童手当係"),
                ("認定の決裁", T.APPROVE, M.PAPER, 5, W.STAFF, "課長"),
                ("認定通知書の発送", T.NOTIFY, M.PAPER, 3, W.STAFF, ""),
                ("請求書の保管", T.STORE, M.PAPER, 1, W.STAFF, ""),
            ],
        ),
        (
            KAIGO,
            KAIGO,
            "福祉課",
            3600,
            "新規・更新・区分変更の要介護認定の申請。認定調査は委託している。",
            [
                ("申請書の記入", T.FILL, M.PAPER, 15, W.RESIDENT, "家族・ケアマネジャー"),
                ("申請書の受付", T.RECEIVE, M.IN_PERSON, 5, W.STAFF, "介護保険係"),
                ("被保険者証の確認", T.EXAMINE, M.PAPER, 2, W.STAFF, "介護保険係"),
                ("申請内容を介護保険システムに入力", T.INPUT, M.DIGITAL, 10, W.STAFF, "介護保険係"),
                ("主治医意見書の依頼", T.INQUIRE, M.PAPER, 8, W.STAFF, "郵送"),
                ("認定調査の日程調整", T.OTHER, M.PHONE, 15, W.STAFF, "介護保険係"),
                ("認定調査", T.EXAMINE, M.IN_PERSON, 60, W.CONTRACTOR, "委託の調査員"),
                ("調査票の転記", T.TRANSCRIBE, M.PAPER, 20, W.STAFF, "介護保険係"),
                ("介護認定審査会の資料作成", T.OTHER, M.PAPER, 20, W.STAFF, "介護保険係"),
                ("認定結果通知の発送", T.NOTIFY, M.PAPER, 3, W.STAFF, ""),
                ("申請書の保管", T.STORE, M.PAPER, 2, W.STAFF, ""),
            ],
        ),
        (
            DORO,
            DORO,
            "建設課",
            450,
            "電柱・看板・工事用足場などの道路占用の許可(道路法第32条)。",
            [
                ("申請書・図面の作成", T.FILL, M.PAPER, 60, W.RESIDENT, "事業者"),
                ("申請書の受付", T.RECEIVE, M.IN_PERSON, 10, W.STAFF, "管理係"),
                ("占用場所の現地確認", T.EXAMINE, M.PAPER, 45, W.STAFF, "管理係"),
                ("申請内容の審査", T.EXAMINE, M.PAPER, 30, W.STAFF, "管理係"),
                ("占用料の算定", T.EXAMINE, M.DIGITAL, 10, W.STAFF, "管理係"),
                ("許可書の起案・決裁", T.APPROVE, M.PAPER, 15, W.STAFF, "課長"),
                ("道路占用台帳への転記", T.TRANSCRIBE, M.PAPER, 10, W.STAFF, "管理係"),
                ("許可書の交付", T.ISSUE, M.IN_PERSON, 5, W.STAFF, "管理係"),
                ("占用料の収納", T.COLLECT, M.PAPER, 5, W.STAFF, ""),
            ],
        ),
    ],
    "301": [
        (
            TENNYU,
            TENNYU,
            "住民課",
            720,
            "令和6年度から書かない窓口。職員が聞き取ってシステムで届出書を作る。",
            [
                ("届出内容の聞き取り", T.RECEIVE, M.IN_PERSON, 5, W.STAFF, "住民係"),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, "住民係"),
                ("書かない窓口システムで届出書を作成", T.INPUT, M.DIGITAL, 6, W.STAFF, "住民係"),
                ("届出書の確認と署名(タブレット)", T.EXAMINE, M.DIGITAL, 2, W.RESIDENT, ""),
                ("住基システムへの連携", T.INPUT, M.DIGITAL, 0.5, W.SYSTEM, ""),
                ("係長の決裁", T.APPROVE, M.DIGITAL, 1, W.STAFF, "電子決裁"),
                ("関係課への電子連絡", T.NOTIFY, M.DIGITAL, 0, W.SYSTEM, ""),
            ],
        ),
        (
            JUMINHYO,
            JUMINHYO,
            "住民課",
            4500,
            "マイナポータルからのオンライン申請と郵送での交付。",
            [
                ("オンライン申請(マイナポータル)", T.RECEIVE, M.DIGITAL, 3, W.RESIDENT, ""),
                ("申請内容の審査", T.EXAMINE, M.DIGITAL, 2, W.STAFF, "住民係"),
                ("手数料のオンライン決済", T.COLLECT, M.DIGITAL, 0, W.SYSTEM, ""),
                ("住民票の写しの郵送", T.ISSUE, M.PAPER, 3, W.STAFF, "住民係"),
            ],
        ),
        (
            JIDO,
            JIDO,
            "子育て支援課",
            150,
            "電子申請を原則とし、窓口ではタブレットで申請を手伝う。",
            [
                ("電子申請の受付", T.RECEIVE, M.DIGITAL, 3, W.STAFF, "子育て係"),
                ("公的個人認証による本人確認", T.IDENTIFY, M.DIGITAL, 0, W.SYSTEM, ""),
                ("所得の照会", T.INQUIRE, M.DIGITAL, 5, W.STAFF, "子育て係"),
                ("支給要件の審査", T.EXAMINE, M.DIGITAL, 10, W.STAFF, "子育て係"),
                ("認定の決裁", T.APPROVE, M.DIGITAL, 3, W.STAFF, "電子決裁"),
                ("認定通知書の発送", T.NOTIFY, M.PAPER, 3, W.STAFF, ""),
            ],
        ),
    ],
    "202": [
        (
            TENNYU,
            TENNYU,
            "住民課",
            2900,
            "",
            [
                ("転入届の記入", T.FILL, M.PAPER, 12, W.RESIDENT, ""),
                ("届出書の受付", T.RECEIVE, M.IN_PERSON, 3, W.STAFF, "市民係"),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, "市民係"),
                ("転出証明書の確認", T.EXAMINE, M.PAPER, 3, W.STAFF, "市民係"),
                ("住基システムへの入力", T.INPUT, M.DIGITAL, 9, W.STAFF, "市民係"),
                ("入力内容の読み合わせ", T.EXAMINE, M.PAPER, 5, W.STAFF, "2人で確認"),
                ("関係課への連絡票の転記", T.TRANSCRIBE, M.PAPER, 8, W.STAFF, "市民係"),
                ("係長の決裁", T.APPROVE, M.PAPER, 2, W.STAFF, ""),
            ],
        ),
        (
            JIDO,
            JIDO,
            "子育て支援課",
            700,
            "",
            [
                ("認定請求書の記入", T.FILL, M.PAPER, 15, W.RESIDENT, ""),
                ("請求書の受付", T.RECEIVE, M.IN_PERSON, 5, W.STAFF, ""),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, ""),
                ("所得の照会", T.INQUIRE, M.PAPER, 15, W.STAFF, "税務課へ照会"),
                ("児童手当システムへの入力", T.INPUT, M.DIGITAL, 12, W.STAFF, ""),
                ("支給要件の審査", T.EXAMINE, M.PAPER, 15, W.STAFF, ""),
                ("認定の決裁", T.APPROVE, M.PAPER, 5, W.STAFF, ""),
                ("認定通知書の発送", T.NOTIFY, M.PAPER, 3, W.STAFF, ""),
            ],
        ),
    ],
    "203": [
        (
            TENNYU,
            TENNYU,
            "住民課",
            1900,
            "届出書をOCRで読み取り、職員は読み取り結果を確かめる。",
            [
                ("転入届の記入", T.FILL, M.PAPER, 10, W.RESIDENT, ""),
                ("届出書の受付", T.RECEIVE, M.IN_PERSON, 3, W.STAFF, ""),
                ("本人確認書類確認", T.IDENTIFY, M.IN_PERSON, 2, W.STAFF, ""),
                ("OCRで届出書を読み取り", T.INPUT, M.DIGITAL, 1, W.SYSTEM, ""),
                ("読み取り結果の確認", T.EXAMINE, M.DIGITAL, 3, W.STAFF, ""),
                ("係長の決裁", T.APPROVE, M.DIGITAL, 1, W.STAFF, "電子決裁"),
            ],
        ),
        (
            JUMINHYO,
            JUMINHYO,
            "住民課",
            9000,
            "",
            [
                ("交付申請書の記入", T.FILL, M.PAPER, 5, W.RESIDENT, ""),
                ("申請書の受付", T.RECEIVE, M.IN_PERSON, 2, W.STAFF, ""),
                ("本人確認書類の確認", T.IDENTIFY, M.IN_PERSON, 1.5, W.STAFF, ""),
                ("住民票の写しの発行", T.ISSUE, M.IN_PERSON, 2, W.STAFF, ""),
                ("手数料の収納", T.COLLECT, M.IN_PERSON, 1, W.STAFF, ""),
            ],
        ),
    ],
}
# The candidate of あおば市 made into a 課題 (process, step name).
MADE = ("201", TENNYU, "国保・年金・児童手当の連絡票への転記")


def extend(spec, orgs: dict) -> None:
    """Adds the processes to the demo prefecture's municipalities (idempotent)."""
    wanted = {core_demo.code(spec, suffix): suffix for suffix in PROCESSES}
    targets = [orgs[c] for c in wanted if c in orgs]
    existing = set(
        Process.objects.filter(organization__in=targets).values_list("organization_id", "name")
    )
    departments = {
        (d.organization_id, d.name): d for d in Department.objects.filter(organization__in=targets)
    }
    users = _actors(spec)
    for org in targets:
        suffix = wanted[org.code]
        todo = [p for p in PROCESSES[suffix] if (org.pk, p[0]) not in existing]
        if todo:
            with audit.acting_as(users.get(suffix)):
                _create(org, todo, departments)
    _make_challenge(spec, orgs, users)


def _actors(spec) -> dict:
    return core_demo.users_by_key(spec, ACTORS)


def _create(org, todo, departments) -> None:
    processes = Process.objects.bulk_create(
        [
            Process(
                organization=org,
                name=name,
                common_name=common,
                department=departments.get((org.pk, department)),
                annual_volume=volume,
                description=description,
            )
            for name, common, department, volume, description, _steps in todo
        ]
    )
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(
                process=process,
                order=order,
                name=name,
                step_type=step_type,
                medium=medium,
                minutes=Decimal(str(minutes)),
                performer=performer,
                performer_note=note,
            )
            for process, spec in zip(processes, todo, strict=True)
            for order, (name, step_type, medium, minutes, performer, note) in enumerate(
                spec[5], start=1
            )
        ]
    )


def _make_challenge(spec, orgs, users) -> None:
    suffix, process_name, step_name = MADE
    org = orgs.get(core_demo.code(spec, suffix))
    user = users.get(suffix)
    step = (
        ProcessStep.objects.filter(
            process__organization=org, process__name=process_name, name=step_name
        )
        .select_related("process__organization")
        .first()
    )
    if step is None or user is None or Challenge.objects.filter(source_step=step).exists():
        return
    services.make_challenge(acting_user=user, step=step)
