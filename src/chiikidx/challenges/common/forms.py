"""Forms of the prefecture's common issues (県内の共通課題)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core.forms import WarekiDateField
from chiikidx.core.japanese import normalize
from chiikidx.core.models import Department
from chiikidx.core.queries import municipalities_of

from . import similarity

TABS = ("similar", "escalated", "shared")


def threshold_from(value) -> float:
    """The similarity threshold of a query string: 0–1 (全角 digits and 35% accepted), the
    default when absent or unreadable."""
    text = normalize(value)
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        return similarity.DEFAULT_THRESHOLD
    if not number.is_finite():
        return similarity.DEFAULT_THRESHOLD
    if percent or number > 1:
        number /= 100
    return float(min(max(number, Decimal(0)), Decimal(1)))


class GroupForm(forms.Form):
    """A group's name, 分野 and the prefecture's own note."""

    title = forms.CharField(label=_("共通課題の名前"), max_length=200)
    field = forms.CharField(
        label=_("分野"), max_length=40, required=False, help_text=_("例: 交通、防災、窓口")
    )
    note = forms.CharField(
        label=_("メモ(県内部のもの)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("市町村には表示しません。進め方の検討や関係課との調整の記録に使います。"),
    )


class StudyGroupForm(forms.Form):
    """A study group (勉強会) on the group's issue."""

    name = forms.CharField(
        label=_("勉強会の名称"),
        max_length=200,
        help_text=_("例: 物流・人流サービスに関する勉強会"),
    )
    starts_on = WarekiDateField(
        label=_("初回の日付"), help_text=_("例: 令和8年6月10日、2026-06-10、R8.6.10")
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("参加する市町村"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("最初は、グループの課題を出した市町村に印が付いています。"),
        error_messages={"required": _("参加する市町村を1つ以上選んでください。")},
    )

    def __init__(self, *args, prefecture, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = municipalities_of(prefecture)


class MeasureForm(forms.Form):
    """A candidate measure in one of the prefecture's plans being written."""

    plan = forms.ModelChoiceField(
        label=_("計画"),
        queryset=None,
        empty_label=None,
        help_text=_("「下書き」か「改定中」の県の計画に、施策の候補として入ります。"),
    )
    owner_department = forms.ModelChoiceField(
        label=_("担当部署"), queryset=None, empty_label=gettext("選んでください")
    )
    title = forms.CharField(label=_("施策の名前"), max_length=200)

    def __init__(self, *args, prefecture, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["owner_department"].queryset = Department.objects.filter(
            organization=prefecture, is_archived=False
        )
        self.fields["owner_department"].error_messages["required"] = gettext(
            "担当部署を選んでください。"
        )


class NewGroupForm(forms.Form):
    """Challenges chosen on the queue or a similarity group, posted as `challenge` values, and
    the group's name: the prefecture's own (the page suggests a neutral one), shown to every
    member municipality."""

    title = forms.CharField(
        label=_("共通課題の名前"),
        max_length=200,
        error_messages={
            "required": _(
                "グループの名前を入力してください(例: 配送・買い物(福祉)の共通課題)。"
                "市町村にも表示されるので、特定の市町村の課題名は避けてください。"
            )
        },
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.challenge_ids = data.getlist("challenge") if data is not None else []

    def clean(self):
        cleaned = super().clean()
        ids = []
        for value in self.challenge_ids:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                raise ValidationError(
                    gettext("課題の指定が読めません。一覧から選び直してください。")
                ) from None
        if not ids:
            raise ValidationError(
                gettext("グループにする課題に印を付けてから「グループを作る」を押してください。")
            )
        cleaned["challenges"] = ids
        return cleaned
