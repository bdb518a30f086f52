from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiKind(models.TextChoices):
    NUMERIC = "numeric", _("数値")
    PERCENTAGE = "percentage", _("割合(%)")
    COUNT_PERIOD = "count_period", _("件数(期間ごと)")
    COUNT_CUMULATIVE = "count_cumulative", _("件数(累計)")
    MILESTONE = "milestone", _("達成・未達成(マイルストーン)")


COUNT_KINDS = frozenset({KpiKind.COUNT_PERIOD, KpiKind.COUNT_CUMULATIVE})


class Direction(models.TextChoices):
    HIGHER = "higher", _("大きいほどよい")
    LOWER = "lower", _("小さいほどよい")


class Frequency(models.TextChoices):
    """How often actuals are reported; periods follow the 年度 (April–March)."""

    MONTHLY = "monthly", _("毎月")
    QUARTERLY = "quarterly", _("四半期ごと")
    HALF_YEARLY = "half_yearly", _("半期ごと")
    YEARLY = "yearly", _("年度ごと")


class Status(models.TextChoices):
    """A KPI's status against its target path (see monitoring.status)."""

    ON_TRACK = "on_track", _("順調")
    AT_RISK = "at_risk", _("注意")
    OFF_TRACK = "off_track", _("遅れ")
    STALE = "stale", _("未更新")
    NO_DATA = "no_data", _("実績なし")
    NO_TARGET = "no_target", _("目標なし")


# CSS modifier of the status badge (the label is always written beside the colour).
STATUS_STYLE = {
    Status.ON_TRACK: "ok",
    Status.AT_RISK: "warn",
    Status.OFF_TRACK: "off",
    Status.STALE: "off",
    Status.NO_DATA: "draft",
    Status.NO_TARGET: "neutral",
}
# Statuses that need someone to act (the monitoring page lists them first).
ATTENTION = frozenset({Status.AT_RISK, Status.OFF_TRACK, Status.STALE, Status.NO_DATA})


class Alert(models.TextChoices):
    """Rules besides the status: each flags a KPI on the monitoring page."""

    STALE = "stale", _("入力期限を過ぎた期間がある")
    NOT_GROWING = "not_growing", _("伸びていない")
    OWNER_NEVER_UPDATES = "owner_silent", _("担当者が一度も入力していない")
    NO_OWNER = "no_owner", _("担当者が決まっていない")


class LogicStage(models.TextChoices):
    """The stages of a logic model, in order (a link never goes back to an earlier stage)."""

    INPUT = "input", _("投入")
    ACTIVITY = "activity", _("活動")
    OUTPUT = "output", _("産出")
    SHORT_TERM = "short_term", _("短期成果")
    MID_TERM = "mid_term", _("中期成果")
    IMPACT = "impact", _("インパクト")


STAGE_ORDER = [s.value for s in LogicStage]
# Stages whose nodes are outcomes: a measure should reach them (「どの施策も支えていない成果」).
OUTCOME_STAGES = frozenset({LogicStage.SHORT_TERM, LogicStage.MID_TERM, LogicStage.IMPACT})


class CostKind(models.TextChoices):
    """What a cost-effectiveness case (費用対効果の試算) is about."""

    ONLINE = "online", _("オンライン申請")
    NO_WRITING = "no_writing", _("書かない窓口")
    ONE_STOP = "one_stop", _("ワンストップ窓口")
    OTHER = "other", _("その他")


class Scenario(models.TextChoices):
    """The three adoption assumptions of a cost case."""

    LOW = "low", _("低位")
    BASE = "base", _("基準")
    HIGH = "high", _("高位")
