from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Frequency


class PeriodKind(models.TextChoices):
    """The length of a reviewed period; the values are those of the KPIs' frequencies, so a
    review's period is a monitoring.periods.Period."""

    QUARTERLY = Frequency.QUARTERLY.value, _("四半期")
    HALF_YEARLY = Frequency.HALF_YEARLY.value, _("半期")
    YEARLY = Frequency.YEARLY.value, _("年度")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SIGNED_OFF = "signed_off", _("承認済み")


class Assessment(models.TextChoices):
    """Check: the overall assessment of the period."""

    GOOD = "good", _("順調")
    SOME_ISSUES = "some_issues", _("一部課題あり")
    ISSUES = "issues", _("課題あり")


class Direction(models.TextChoices):
    """Act: what is done with the plan, policy or measure next."""

    CONTINUE = "continue", _("継続")
    IMPROVE = "improve", _("改善して継続")
    RETHINK = "rethink", _("手段を見直す")
    STOP = "stop", _("終了・中止")


class FollowUpStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    IN_PROGRESS = "in_progress", _("対応中")
    DONE = "done", _("完了")
    CANCELLED = "cancelled", _("取りやめ")
    CARRIED = "carried", _("次回へ繰越")


OPEN_FOLLOW_UP = frozenset({FollowUpStatus.NOT_STARTED, FollowUpStatus.IN_PROGRESS})
# What an owner may set; CARRIED is set only by carrying the follow-up into the next review.
SETTABLE_FOLLOW_UP = (
    FollowUpStatus.NOT_STARTED,
    FollowUpStatus.IN_PROGRESS,
    FollowUpStatus.DONE,
    FollowUpStatus.CANCELLED,
)

# CSS modifiers of the badges; the label is always written beside the colour.
STATUS_STYLE = {ReviewStatus.DRAFT: "draft", ReviewStatus.SIGNED_OFF: "ok"}
ASSESSMENT_STYLE = {Assessment.GOOD: "ok", Assessment.SOME_ISSUES: "warn", Assessment.ISSUES: "off"}
FOLLOW_UP_STYLE = {
    FollowUpStatus.NOT_STARTED: "draft",
    FollowUpStatus.IN_PROGRESS: "warn",
    FollowUpStatus.DONE: "ok",
    FollowUpStatus.CANCELLED: "neutral",
    FollowUpStatus.CARRIED: "update",
}


class ScopeKind(models.TextChoices):
    PLAN = "plan", _("計画全体")
    POLICY = "policy", _("基本方針")
    MEASURE = "measure", _("施策")
