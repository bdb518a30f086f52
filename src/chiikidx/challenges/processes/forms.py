"""Forms of the process inventory: the process, the step table (a formset: the steps, then a few
empty rows to add several at once), the quick entry and the import."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core import japanese
from chiikidx.core.models import Department
from chiikidx.plans.queries import departments_for

from ..choices import Medium, Performer, StepType
from . import services
from .excel import guess_type

EXTRA_ROWS = 3


class CountField(forms.IntegerField):
    """Whole numbers written as people write them: 全角 digits, 1,234."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return japanese.parse_int(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class MinutesField(forms.DecimalField):
    """Minutes per case: 全角 digits, one decimal place."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return services.minutes_value(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def validate(self, value):
        forms.Field.validate(self, value)


class ProcessForm(forms.Form):
    name = forms.CharField(
        label=_("業務名"),
        max_length=200,
        help_text=_("例: 転入届、住民票の写しの交付"),
    )
    common_name = forms.CharField(
        label=_("比較用の標準名"),
        max_length=100,
        required=False,
        help_text=_(
            "県内で同じ手続を比べるための名前です。候補から選ぶか、県と決めた名前を入力します。"
        ),
        widget=forms.TextInput(attrs={"list": "common-names", "autocomplete": "off"}),
    )
    department = forms.ModelChoiceField(label=_("部署"), queryset=None, required=False)
    annual_volume = CountField(
        label=_("年間件数"),
        min_value=0,
        max_value=services.MAX_VOLUME,
        initial=0,
        help_text=_("1年間の件数(概数で構いません)。職員の年間時間の計算に使います。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    description = forms.CharField(
        label=_("説明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("根拠法令、対象者、繁忙期など、業務を知らない人にも分かるように書きます。"),
    )

    def __init__(self, *args, organization, department_ids=None, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = departments_for(organization)
        if current is not None:  # the process's department stays a choice, even archived
            departments = departments | Department.objects.filter(pk=current.pk)
        if department_ids is not None:  # 原課担当: their own departments only
            departments = departments.filter(pk__in=department_ids)
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
        self.fields["department"].queryset = departments

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "common_name": data["common_name"],
            "department": data["department"],
            "annual_volume": data["annual_volume"] or 0,
            "description": data["description"],
        }


def _choices(choices, blank=True):
    return ([("", "—")] if blank else []) + list(choices.choices)


class StepForm(forms.Form):
    """One row of the step table (the labels are read out per cell)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("手順"), max_length=200)
    step_type = forms.ChoiceField(label=_("種類"), choices=_choices(StepType), required=False)
    medium = forms.ChoiceField(label=_("媒体"), choices=_choices(Medium))
    minutes = MinutesField(
        label=_("時間(分)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
    )
    performer = forms.ChoiceField(
        label=_("行う人"), choices=_choices(Performer, blank=False), initial=Performer.STAFF
    )
    performer_note = forms.CharField(label=_("担当"), max_length=100, required=False)

    def step_input(self) -> services.StepInput:
        data = self.cleaned_data
        return services.StepInput(
            id=data.get("id"),
            name=data["name"],
            step_type=data["step_type"] or guess_type(japanese.normalize(data["name"])),
            medium=data["medium"],
            minutes=data["minutes"] if data["minutes"] is not None else 0,
            performer=data["performer"],
            performer_note=data["performer_note"],
        )


class BaseStepFormSet(forms.BaseFormSet):
    def inputs(self) -> list[services.StepInput]:
        """The filled rows in table order (untouched empty rows left out)."""
        return [f.step_input() for f in self.forms if f.has_changed() or f.initial]


StepFormSet = forms.formset_factory(
    StepForm, formset=BaseStepFormSet, extra=EXTRA_ROWS, max_num=services.MAX_STEPS
)


def minutes_text(value) -> str:
    """10.0 → 10, 2.5 → 2.5 (as people write minutes)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def step_formset(data, steps):
    initial = [
        {
            "id": s.pk,
            "name": s.name,
            "step_type": s.step_type,
            "medium": s.medium,
            "minutes": minutes_text(s.minutes),
            "performer": s.performer,
            "performer_note": s.performer_note,
        }
        for s in steps
    ]
    return StepFormSet(data, initial=initial, prefix="steps")


class QuickStepsForm(forms.Form):
    lines = forms.CharField(
        label=_("まとめて追加(1行に1つの手順)"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "「手順, 種類, 媒体, 分, 行う人, 担当」の順にカンマで区切って書きます。"
            "Excelの表をそのまま貼り付けても読めます。種類を省くと手順の名前から決めます。"
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("手順のファイル(Excel または CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    replace = forms.TypedChoiceField(
        label=_("取り込み方"),
        choices=[
            ("0", _("今の手順のあとに追加する")),
            ("1", _("今の手順をすべて置き換える")),
        ],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv", ".txt", ".tsv")):
            raise ValidationError(
                gettext("Excel(.xlsx)か CSV(.csv)のファイルを選んでください。"), code="invalid"
            )
        return upload
