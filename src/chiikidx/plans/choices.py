from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    GENKA = "genka", _("原課合意")
    HONBU = "honbu", _("推進本部決定")
    GIKAI = "gikai", _("議会報告・承認")
    REVISING = "revising", _("改定中")


# The approval order: a revision goes back through the same steps (原課合意 → 本部 → 議会).
NEXT_STATUSES = {
    PlanStatus.DRAFT: (PlanStatus.GENKA,),
    PlanStatus.GENKA: (PlanStatus.HONBU,),
    PlanStatus.HONBU: (PlanStatus.GIKAI, PlanStatus.REVISING),
    PlanStatus.GIKAI: (PlanStatus.REVISING,),
    PlanStatus.REVISING: (PlanStatus.GENKA,),
}


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    ON_TRACK = "on_track", _("順調")
    CAUTION = "caution", _("注意")
    DELAYED = "delayed", _("遅延")
    DONE = "done", _("完了")
    CANCELLED = "cancelled", _("中止")


# CSS modifier of the status badge; the text label is always shown beside the colour.
STATUS_STYLE = {
    MeasureStatus.NOT_STARTED: "draft",
    MeasureStatus.ON_TRACK: "ok",
    MeasureStatus.CAUTION: "warn",
    MeasureStatus.DELAYED: "off",
    MeasureStatus.DONE: "update",
    MeasureStatus.CANCELLED: "neutral",
}
OPEN_STATUSES = frozenset(
    {
        MeasureStatus.NOT_STARTED,
        MeasureStatus.ON_TRACK,
        MeasureStatus.CAUTION,
        MeasureStatus.DELAYED,
    }
)


class DependencyKind(models.TextChoices):
    """How a measure waits for another (rules: plans.schedule)."""

    FS = "fs", _("終了→開始")
    SS = "ss", _("開始→開始")
    BLOCKS = "blocks", _("完了待ち(ゲート)")


class Priority(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class MeasureKind(models.TextChoices):
    NORMAL = "normal", _("通常")
    POC = "poc", _("実証(PoC)")


class SourceKind(models.TextChoices):
    """Where a measure came from, when another part of the system proposed it."""

    ASSESSMENT = "assessment", _("アセスメント")
    CHALLENGE = "challenge", _("課題")
    COMMON_ISSUE = "common", _("県内の共通課題")


# Candidates from the assessment go only into plans still being written: an approved plan
# changes through a revision (改定中), which goes back through the approval steps.
CANDIDATE_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.REVISING)


class PocDecision(models.TextChoices):
    ADOPT = "adopt", _("本格導入")
    IMPROVE = "improve", _("改善して継続")
    STOP = "stop", _("中止")


DEFAULT_LEVEL_NAMES = {"policy": "基本方針", "measure": "施策", "action": "取組"}


def default_level_names() -> dict:
    return dict(DEFAULT_LEVEL_NAMES)
