from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionType(models.TextChoices):
    LEVEL = "level", _("成熟度(0〜4)")
    YESNO = "yesno", _("はい/いいえ")
    SINGLE = "single", _("単一選択")
    MULTIPLE = "multiple", _("複数選択")
    NUMBER = "number", _("数値")
    PERCENT = "percent", _("割合(%)")
    DATE = "date", _("日付")
    TEXT = "text", _("自由記述")
    EVIDENCE = "evidence", _("根拠資料(ファイルまたはURL)")


SCORED_TYPES = frozenset(
    {
        QuestionType.LEVEL,
        QuestionType.YESNO,
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.NUMBER,
        QuestionType.PERCENT,
    }
)


class Direction(models.TextChoices):
    HIGHER = "higher", _("大きいほどよい")
    LOWER = "lower", _("小さいほどよい")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開済み(変更不可)")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("回答受付中")
    CLOSED = "closed", _("締切済み")
    CANCELLED = "cancelled", _("中止")


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("回答中")
    SUBMITTED = "submitted", _("提出済み")
    RETURNED = "returned", _("差し戻し")
    ACCEPTED = "accepted", _("受理")


EDITABLE_STATUSES = frozenset({ResponseStatus.DRAFT, ResponseStatus.RETURNED})
SCORED_STATUSES = frozenset({ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED})


class Disclosure(models.TextChoices):
    """What municipalities may see of each other's results in a round."""

    NAMES = "names", _("団体名とスコアを表示")
    ANONYMOUS = "anonymous", _("スコアのみ(団体名は伏せる)")
    NONE = "none", _("他団体の結果は表示しない(平均のみ)")
