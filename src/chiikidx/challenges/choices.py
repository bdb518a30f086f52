"""Choices and fixed texts of the challenges app (課題)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# 分野: the default list; each organization may edit its own (ChallengeSettings.fields).
DEFAULT_FIELDS = [
    "防災",
    "交通",
    "福祉",
    "子育て",
    "教育",
    "健康・医療",
    "産業",
    "観光",
    "農林水産",
    "環境",
    "窓口",
    "内部事務",
]


class DialogueKind(models.TextChoices):
    """The kinds of dialogue records (対話の記録), seed §1(1) and 七ヶ条(4)."""

    HEARING = "hearing", _("原課ヒアリング")
    WORKSHOP = "workshop", _("住民ワークショップ")
    SURVEY = "survey", _("住民アンケート")
    PUBLIC_COMMENT = "comment", _("パブリックコメント")
    LIAISON = "liaison", _("リエゾン訪問メモ")
    ROLEPLAY = "roleplay", _("窓口ロールプレイ・ウォークスルー")


class Scope(models.TextChoices):
    """Who can solve it (七ヶ条(2)): this municipality, the prefecture / wide area, or the state."""

    SELF = "self", _("自団体で対応可")
    WIDE = "wide", _("県・広域で対応")
    NATIONAL = "national", _("国・制度")


class Timing(models.TextChoices):
    NOW = "now", _("今すぐ")
    MID = "mid", _("中期")
    LONG = "long", _("長期")


class ChallengeStatus(models.TextChoices):
    CANDIDATE = "candidate", _("候補")
    ADOPTED = "adopted", _("採択")
    MEASURED = "measured", _("施策化")
    RESOLVED = "resolved", _("解決")
    DEFERRED = "deferred", _("見送り")


# Allowed moves; 解決 and 見送り need a reason. 施策化 is reached first by making a plan measure
# (採択 → 施策化); a challenge linked to its measure moves only among 施策化, 解決 and 見送り
# (back to 施策化 from 解決・見送り), one without a measure never to 施策化 by hand
# (services.next_statuses applies both rules).
STATUS_FLOW = {
    ChallengeStatus.CANDIDATE: (ChallengeStatus.ADOPTED, ChallengeStatus.DEFERRED),
    ChallengeStatus.ADOPTED: (
        ChallengeStatus.MEASURED,
        ChallengeStatus.RESOLVED,
        ChallengeStatus.DEFERRED,
        ChallengeStatus.CANDIDATE,
    ),
    ChallengeStatus.MEASURED: (ChallengeStatus.RESOLVED, ChallengeStatus.DEFERRED),
    ChallengeStatus.RESOLVED: (ChallengeStatus.MEASURED, ChallengeStatus.ADOPTED),
    ChallengeStatus.DEFERRED: (
        ChallengeStatus.MEASURED,
        ChallengeStatus.CANDIDATE,
        ChallengeStatus.ADOPTED,
    ),
}
REASON_REQUIRED = (ChallengeStatus.RESOLVED, ChallengeStatus.DEFERRED)


class SourceKind(models.TextChoices):
    """Where a challenge came from."""

    DIALOGUE = "dialogue", _("対話の記録")
    OPINION = "opinion", _("住民の意見")
    PROCESS = "process", _("業務プロセス")
    ASSESSMENT = "assessment", _("アセスメント")
    STAFF = "staff", _("職員の気づき")
    OTHER = "other", _("その他")


class Axis(models.TextChoices):
    BENEFIT = "benefit", _("裨益性")
    DIFFICULTY = "difficulty", _("難易度")
    URGENCY = "urgency", _("緊急性")


# What each point means, so that different people score alike (1 = low, 5 = high).
SCORE_DESCRIPTORS = {
    Axis.BENEFIT: {
        1: _("ごく一部の人・業務に小さな効果"),
        2: _("特定の利用者や一つの係に効果"),
        3: _("一つの分野の住民か、複数の係に効果"),
        4: _("多くの住民か、庁内の複数部署に大きな効果"),
        5: _("ほぼ全住民か全庁に大きな効果(時間・費用の大幅削減)"),
    },
    Axis.DIFFICULTY: {
        1: _("既存の仕組みや設定変更で、1か月以内にできる"),
        2: _("担当課だけで、予算なしか少額で半年以内にできる"),
        3: _("複数課の調整か、新たな予算が必要"),
        4: _("システム調達・条例や規則の改正・大きな予算が必要"),
        5: _("制度改正や他団体・国との調整が前提で、数年かかる"),
    },
    Axis.URGENCY: {
        1: _("いつ取り組んでもよい"),
        2: _("数年のうちに取り組めばよい"),
        3: _("来年度中には取り組みたい"),
        4: _("今年度中に対応が必要(苦情・負担が増えている)"),
        5: _("すぐに対応が必要(法令の期限・安全・重大な不利益)"),
    },
}


class StepType(models.TextChoices):
    """Step types of an administrative process (業務プロセスの手順)."""

    RECEIVE = "receive", _("受付")
    IDENTIFY = "identify", _("本人確認")
    FILL = "fill", _("記入")
    TRANSCRIBE = "transcribe", _("転記")
    INPUT = "input", _("システム入力")
    EXAMINE = "examine", _("審査")
    INQUIRE = "inquire", _("照会")
    APPROVE = "approve", _("決裁")
    NOTIFY = "notify", _("通知")
    ISSUE = "issue", _("交付")
    COLLECT = "collect", _("収納")
    STORE = "store", _("保管")
    OTHER = "other", _("その他")


class Medium(models.TextChoices):
    PAPER = "paper", _("紙")
    DIGITAL = "digital", _("電子")
    IN_PERSON = "in_person", _("対面")
    PHONE = "phone", _("電話")


class Performer(models.TextChoices):
    STAFF = "staff", _("職員")
    RESIDENT = "resident", _("住民・事業者")
    CONTRACTOR = "contractor", _("委託事業者")
    SYSTEM = "system", _("システム")


class InitiativeKind(models.TextChoices):
    """What a prefecture makes of a group of common issues (§2(3) 配送DX)."""

    NONE = "", _("未定")
    MEASURE = "measure", _("県の施策")
    STUDY_GROUP = "study_group", _("勉強会")
