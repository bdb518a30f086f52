"""Forms of challenges (課題): the challenge itself, its status, escalation, the plan measure
made from it, and the organization's settings (分野 and the priority weights)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core import access
from chiikidx.core.models import Department
from chiikidx.plans.queries import candidate_plans, departments_for

from . import services
from .choices import (
    REASON_REQUIRED,
    SCORE_DESCRIPTORS,
    Axis,
    ChallengeStatus,
    Scope,
    SourceKind,
    Timing,
)

SCORE_HELP = {
    Axis.BENEFIT: _("どれだけ多くの人・業務に、どれだけ効果があるか。"),
    Axis.DIFFICULTY: _("実現にかかる手間・費用・調整。数字が大きいほど難しい。"),
    Axis.URGENCY: _("どれだけ早く取り組む必要があるか。"),
}
MAX_WEIGHT = 10


def score_choices(axis) -> list[tuple[str, str]]:
    """'' (未評価) and 1–5, each labelled with what the point means."""
    return [("", gettext("未評価")), *[(str(p), d) for p, d in SCORE_DESCRIPTORS[axis].items()]]


def departments_allowed(user, organization):
    """Departments the user may file challenges under: all of the organization's for its staff,
    their own for 原課担当."""
    found = departments_for(organization)
    if access.can(user, "change", organization):
        return found
    own = access.grants(user).dept_change.get(organization.pk, frozenset())
    return found.filter(pk__in=own)


class ChallengeForm(forms.Form):
    title = forms.CharField(
        label=_("課題"),
        max_length=200,
        help_text=_("一文で。例: 窓口の待ち時間が長く、繁忙期は1時間を超える"),
    )
    description = forms.CharField(
        label=_("内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("何が起きていて、誰が困っているか。件数や時間など、分かる数字も書きます。"),
    )
    field = forms.ChoiceField(label=_("分野"), required=False)
    department = forms.ModelChoiceField(
        label=_("部署(原課)"), queryset=Department.objects.none(), required=False
    )
    affected = forms.CharField(
        label=_("影響を受ける人"),
        max_length=200,
        required=False,
        help_text=_("例: 子育て世帯、窓口職員、高齢の住民"),
    )
    affected_count = forms.IntegerField(
        label=_("影響を受ける人数(概数)"),
        min_value=0,
        max_value=services.AFFECTED_COUNT_MAX,
        required=False,
    )
    benefit = forms.TypedChoiceField(
        label=_("裨益性"),
        choices=(),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=SCORE_HELP[Axis.BENEFIT],
    )
    difficulty = forms.TypedChoiceField(
        label=_("難易度"),
        choices=(),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=SCORE_HELP[Axis.DIFFICULTY],
    )
    urgency = forms.TypedChoiceField(
        label=_("緊急性"),
        choices=(),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=SCORE_HELP[Axis.URGENCY],
    )
    scope = forms.ChoiceField(
        label=_("対応主体"),
        choices=Scope.choices,
        initial=Scope.SELF,
        widget=forms.RadioSelect,
        help_text=_("この団体だけで解決できるか、県・広域や国の制度で対応するものか。"),
    )
    timing = forms.ChoiceField(
        label=_("着手時期"),
        choices=Timing.choices,
        initial=Timing.MID,
        widget=forms.RadioSelect,
        help_text=_("今すぐ: 今年度中 / 中期: 1〜3年 / 長期: それより先"),
    )
    source_kind = forms.ChoiceField(label=_("出どころ"), required=False)
    source_note = forms.CharField(
        label=_("出どころの補足"),
        max_length=200,
        required=False,
        help_text=_("例: 令和7年度 地域DX推進体制診断の結果、窓口担当者の会議"),
    )

    def __init__(self, *args, user, organization, fields_list, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        for axis in Axis:
            self.fields[axis.value].choices = score_choices(axis)
        fields_list = list(fields_list)
        current = challenge.field if challenge else ""
        if current and current not in fields_list:
            fields_list.append(current)  # a 分野 since removed from the list stays selectable
        self.fields["field"].choices = [("", gettext("選んでください"))] + [
            (f, f) for f in fields_list
        ]
        departments = departments_allowed(user, organization)
        if challenge and challenge.department_id:  # stays a choice, even archived since
            departments = departments | Department.objects.filter(pk=challenge.department_id)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = gettext("選んでください")
        if not access.can(user, "change", organization):
            self.fields["department"].required = True
            self.fields["department"].help_text = gettext(
                "原課担当の方は、自分の部署の課題だけを登録・変更できます。"
            )
        self._source_choices(challenge)

    def _source_choices(self, challenge) -> None:
        kinds = list(services.HAND_SOURCES)
        if challenge and challenge.source_kind not in kinds:
            kinds.insert(0, challenge.source_kind)  # linked by its record: kept as it is
        self.fields["source_kind"].choices = [(k, SourceKind(k).label) for k in kinds]
        self.fields["source_kind"].initial = SourceKind.STAFF

    def score_fields(self):
        return [self[name] for name in services.SCORE_FIELDS]

    def clean_source_kind(self):
        value = self.cleaned_data["source_kind"] or SourceKind.STAFF
        problem = services.source_problem(value, self.challenge)
        if problem:
            raise ValidationError(problem)
        return value

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["title"] = data["title"].strip()
        return data


class StatusForm(forms.Form):
    """Moving a challenge to one of its next statuses (解決・見送り need a reason)."""

    status = forms.ChoiceField(label=_("新しい状態"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "「解決」「見送り」にするときは必須です。"
            "例: 令和8年4月に予約システムを導入し、待ち時間が15分以内になった"
        ),
    )

    def __init__(self, *args, next_statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, ChallengeStatus(s).label) for s in next_statuses]

    def clean(self):
        data = super().clean()
        status, reason = data.get("status"), (data.get("reason") or "").strip()
        if status in REASON_REQUIRED and not reason:
            self.add_error(
                "reason",
                gettext("「%(to)s」にする理由を入力してください。")
                % {"to": ChallengeStatus(status).label},
            )
        return data


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("県・広域に求めること"),
        required=False,
        max_length=services.ESCALATION_NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例: 県内共同で電子申請の様式をそろえたい。他の市町村の状況も知りたい"),
    )


class MeasureForm(forms.Form):
    """「施策にする」: one of the organization's plans being written and the owner department."""

    plan = forms.ModelChoiceField(label=_("計画(下書き・改定中)"), queryset=None)
    owner_department = forms.ModelChoiceField(label=_("担当部署"), queryset=None)

    def __init__(self, *args, organization, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = candidate_plans(organization)
        self.fields["plan"].label_from_instance = _plan_label
        self.fields["owner_department"].queryset = departments_for(organization)
        if challenge is not None and challenge.department_id:
            self.fields["owner_department"].initial = challenge.department_id


def _plan_label(plan) -> str:
    return f"{plan.title}({plan.get_status_display()})"


class SettingsForm(forms.Form):
    fields_text = forms.CharField(
        label=_("分野(1行に1つ)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("課題を分類する分野です。並べた順に選択肢と絞り込みに表示します。"),
    )
    weight_benefit = forms.IntegerField(label=_("裨益性の重み"), min_value=0, max_value=MAX_WEIGHT)
    weight_ease = forms.IntegerField(
        label=_("容易さ(難易度の逆)の重み"), min_value=0, max_value=MAX_WEIGHT
    )
    weight_urgency = forms.IntegerField(label=_("緊急性の重み"), min_value=0, max_value=MAX_WEIGHT)

    def clean_fields_text(self):
        names = [line.strip() for line in self.cleaned_data["fields_text"].splitlines()]
        names = [n for n in names if n]
        too_long = [n for n in names if len(n) > 40]
        if too_long:
            raise ValidationError(
                gettext("分野の名前は40文字以内にしてください(%(name)s)。") % {"name": too_long[0]}
            )
        if not names:
            raise ValidationError(gettext("分野を一つ以上入力してください。"))
        return names

    def clean(self):
        data = super().clean()
        weights = [data.get(n) for n in ("weight_benefit", "weight_ease", "weight_urgency")]
        if None not in weights and sum(weights) <= 0:
            raise ValidationError(gettext("重みのどれか一つは1以上にしてください。"))
        return data

    def weights(self) -> tuple[int, int, int] | None:
        """The weights as typed, when they are valid numbers (for the formula shown)."""
        data = getattr(self, "cleaned_data", {})
        found = tuple(data.get(n) for n in ("weight_benefit", "weight_ease", "weight_urgency"))
        return found if None not in found and sum(found) > 0 else None
