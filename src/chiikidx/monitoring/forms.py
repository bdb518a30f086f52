import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.forms import WarekiDateField
from chiikidx.core.japanese import nendo_label, parse_date, parse_decimal, parse_nendo
from chiikidx.plans.queries import current_measures, departments_for

from . import periods
from .models import Kpi
from .services import KPI_FIELDS, TargetInput

TARGET_ROWS_MIN = 4
TARGET_ROWS_SPARE = 2


class NumberField(forms.CharField):
    """Numbers as offices type them: 全角, 1,234, ▲5, 30% (the % is dropped)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "input-short"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(str(value).strip().rstrip("%％").strip())
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class WhenField(forms.CharField):
    """A target's time: a 年度 (its last day, 3月31日) or a date, 和暦 or 西暦."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "class": "input-short"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return when(value)


def when(value) -> tuple[datetime.date, int | None]:
    """(date, 年度 or None) of a target typed as 令和9年度 / 2027年度 / R9 / 2027-03-31."""
    text = str(value).strip()
    try:
        fy = parse_nendo(text)
    except ValueError:
        pass
    else:
        return datetime.date(fy + 1, 3, 31), fy
    try:
        return parse_date(text), None
    except ValueError:
        raise ValidationError(
            gettext(
                "「%(v)s」は年度か日付として読めません。"
                "「令和9年度」(年度末の目標)か「2027/3/31」のように入力してください。"
            )
            % {"v": text},
            code="invalid",
        ) from None


def member_users(org):
    return (
        get_user_model()
        .objects.filter(memberships__organization=org, memberships__is_active=True)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def user_label(user) -> str:
    name = f"{user.last_name} {user.first_name}".strip()
    return f"{name}({user.username})" if name else user.username


class KpiForm(forms.ModelForm):
    baseline_value = NumberField(label=_("基準値"), required=False)
    baseline_date = WarekiDateField(
        label=_("基準日"), required=False, help_text=_("例: 令和7年3月31日")
    )
    measures = forms.ModelMultipleChoiceField(
        label=_("施策"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("このKPIで成果を測る施策(DX推進計画)"),
    )

    class Meta:
        model = Kpi
        fields = list(KPI_FIELDS)
        widgets = {"definition": forms.Textarea(attrs={"rows": 2})}
        labels = {"owner_user": _("担当者(入力する人)")}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner_user"].queryset = member_users(organization)
        self.fields["owner_user"].label_from_instance = user_label
        self.fields["owner_department"].queryset = departments_for(organization)
        self.fields["measures"].queryset = (
            current_measures()
            .filter(plan__organization=organization)
            .select_related("plan")
            .order_by("plan__title", "policy__order", "order", "pk")
        )
        self.fields["measures"].label_from_instance = lambda m: (
            f"{m.code} {m.title}".strip() + f"({m.plan.title})"
        )
        stored = list(self.instance.targets.all()) if self.instance.pk else []
        if self.instance.pk:
            self.fields["measures"].initial = list(
                self.instance.kpimeasure_set.values_list("measure_id", flat=True)
            )
        self.target_count = max(TARGET_ROWS_MIN, len(stored) + TARGET_ROWS_SPARE)
        for i in range(self.target_count):
            target = stored[i] if i < len(stored) else None
            shown = ""
            if target is not None:
                shown = (
                    nendo_label(target.fiscal_year)
                    if target.fiscal_year
                    else target.target_date.isoformat()
                )
            self.fields[f"target_when_{i}"] = WhenField(
                label=gettext("目標%(n)s の時点") % {"n": i + 1}, required=False, initial=shown
            )
            self.fields[f"target_value_{i}"] = NumberField(
                label=gettext("目標%(n)s の値") % {"n": i + 1},
                required=False,
                initial=_plain(target.value) if target else None,
            )

    def main_fields(self):
        return [self[name] for name in self.Meta.fields]

    def target_rows(self):
        return [
            (self[f"target_when_{i}"], self[f"target_value_{i}"]) for i in range(self.target_count)
        ]

    def clean(self):
        data = super().clean()
        milestone = data.get("kind") == "milestone"
        for i in range(self.target_count):
            at, value = data.get(f"target_when_{i}"), data.get(f"target_value_{i}")
            if at is not None and value is None and not milestone:
                self.add_error(f"target_value_{i}", gettext("目標の値を入力してください。"))
            if value is not None and at is None:
                self.add_error(f"target_when_{i}", gettext("目標の時点を入力してください。"))
        return data

    def targets(self) -> list[TargetInput]:
        found = []
        for i in range(self.target_count):
            at = self.cleaned_data.get(f"target_when_{i}")
            if at is not None:
                value = self.cleaned_data.get(f"target_value_{i}")
                found.append(TargetInput(at[0], value if value is not None else Decimal(1), at[1]))
        return found

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


MILESTONE_CHOICES = [("", _("選んでください")), ("1", _("はい(達成)")), ("0", _("いいえ(未達成)"))]


class ActualForm(forms.Form):
    """One period's actual (inline on 「自分のKPI」 and on the KPI's page)."""

    period = forms.ChoiceField(label=_("期間"))
    value = NumberField(label=_("実績値"))
    comment = forms.CharField(
        label=_("コメント"), required=False, max_length=1000, widget=forms.TextInput()
    )
    file = forms.FileField(label=_("根拠資料(任意)"), required=False)

    def __init__(self, *args, kpi, periods_offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.auto_id = f"id_k{kpi.pk}_%s"
        self.fields["period"].choices = [(p.start.isoformat(), p.label) for p in periods_offered]
        if kpi.is_milestone:
            self.fields["value"] = forms.TypedChoiceField(
                label=_("達成したか"), choices=MILESTONE_CHOICES, coerce=Decimal, empty_value=None
            )
        self.fields["file"].widget.attrs["accept"] = uploads.accept()

    def chosen_period(self) -> periods.Period:
        day = datetime.date.fromisoformat(self.cleaned_data["period"])
        return self.kpi.period_of(day)


class LockForm(forms.Form):
    period = forms.CharField(
        label=_("締める期間"),
        max_length=40,
        help_text=_("例: 令和7年度 Q1、令和7年度 上期、令和7年度、令和7年4月"),
    )
    note = forms.CharField(label=_("備考"), max_length=200, required=False)

    def clean_period(self):
        try:
            found = periods.named_period(self.cleaned_data["period"])
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if found is None:
            raise ValidationError(
                gettext(
                    "期間として読めません。「令和7年度 Q1」「令和7年度 上期」「令和7年度」"
                    "「令和7年4月」のように入力してください。"
                ),
                code="invalid",
            )
        return found


class UploadForm(forms.Form):
    file = forms.FileField(label=_("実績のファイル(Excel または CSV)"))
