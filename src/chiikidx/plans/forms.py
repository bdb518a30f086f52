from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.forms import WarekiDateField
from chiikidx.core.japanese import nendo_label, parse_nendo

from .choices import DEFAULT_LEVEL_NAMES, DependencyKind, MeasureStatus
from .models import Measure, Plan, Policy
from .queries import departments_for


class NendoField(forms.IntegerField):
    """Accepts 2025, 2025年度, 令和7年度 and R7 (全角 too)."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "class": "input-short"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_nendo(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


LEVEL_FIELDS = {"policy": "level_policy", "measure": "level_measure", "action": "level_action"}


class PlanForm(forms.ModelForm):
    start_fy = NendoField(label=_("開始年度"), help_text=_("例: 令和7年度、2025"))
    end_fy = NendoField(label=_("終了年度"), help_text=_("例: 令和10年度、2028"))
    level_policy = forms.CharField(label=_("第1階層の名称"), max_length=20, required=False)
    level_measure = forms.CharField(label=_("第2階層の名称"), max_length=20, required=False)
    level_action = forms.CharField(label=_("第3階層の名称"), max_length=20, required=False)

    class Meta:
        model = Plan
        fields = ["title", "vision", "start_fy", "end_fy", "sogo_keikaku"]
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "sogo_keikaku": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.instance.level_names or {}
        for key, name in LEVEL_FIELDS.items():
            self.fields[name].initial = names.get(key) or DEFAULT_LEVEL_NAMES[key]
            self.fields[name].help_text = gettext("空欄なら「%(name)s」") % {
                "name": DEFAULT_LEVEL_NAMES[key]
            }

    def values(self) -> dict:
        data = self.cleaned_data
        levels = {
            key: data.get(name) or DEFAULT_LEVEL_NAMES[key] for key, name in LEVEL_FIELDS.items()
        }
        plain = {k: data[k] for k in ["title", "vision", "start_fy", "end_fy", "sogo_keikaku"]}
        return plain | {"level_names": levels}


class DecisionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("次の段階"))
    decided_on = WarekiDateField(label=_("決定日"), help_text=_("例: 令和7年5月20日、2025-05-20"))
    decided_by = forms.CharField(
        label=_("決定した会議体・決裁者"), max_length=200, help_text=_("例: DX推進本部会議")
    )
    meeting = forms.CharField(label=_("会議名"), max_length=200, required=False)
    minutes_url = forms.URLField(
        assume_scheme="https",
        label=_("議事録のURL"),
        max_length=500,
        required=False,
        help_text=_("庁内の文書管理システムや公開ページのURL"),
    )
    minutes_file = forms.FileField(
        label=_("議事録のファイル"),
        required=False,
        widget=forms.FileInput(),
    )
    note = forms.CharField(
        label=_("備考"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    with_baseline = forms.BooleanField(
        label=_("この時点の計画をベースラインとして保存する"),
        required=False,
        initial=True,
        help_text=_(
            "「議会報告・承認」に進めるときに、段階名と決定日を名称にしたベースラインを取ります。"
            "後で現在の計画と比べられます。"
        ),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = choices
        minutes_field(self.fields["minutes_file"])

    def clean_minutes_file(self):
        from .services import MINUTES_EXTENSIONS

        upload = self.cleaned_data.get("minutes_file")
        if upload:
            try:
                uploads.check_upload(upload, MINUTES_EXTENSIONS)
            except uploads.UploadRefused as refused:
                raise ValidationError(str(refused), code="invalid") from refused
        return upload


def minutes_field(field: forms.FileField) -> forms.FileField:
    """The kinds and the size limit of a minutes file, told beside the input and to the browser."""
    from .services import MINUTES_EXTENSIONS

    field.help_text = minutes_help()
    field.widget.attrs["accept"] = uploads.accept(MINUTES_EXTENSIONS)
    return field


def minutes_help() -> str:
    return gettext(
        "PDF・Word・Excel・画像(PNG・JPEG)、1ファイル %(limit)s まで。"
        "URLとファイルのどちらか、または両方を記録できます。"
    ) % {"limit": uploads.size_text(uploads.max_bytes())}


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["code", "order", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


MEASURE_DATES = ["start_date", "deadline", "poc_start", "poc_end"]
POC_FIELDS = ["hypothesis", "success_criteria", "poc_start", "poc_end", "result", "decision"]


class MeasureForm(forms.ModelForm):
    start_date = WarekiDateField(label=_("開始日"), required=False)
    deadline = WarekiDateField(label=_("期限(いつまでに)"), required=False)
    poc_start = WarekiDateField(label=_("実証の開始日"), required=False)
    poc_end = WarekiDateField(label=_("実証の終了日"), required=False)

    class Meta:
        model = Measure
        fields = [
            "policy",
            "code",
            "order",
            "title",
            "description",
            "owner_department",
            "responsible",
            "contributors",
            "start_date",
            "deadline",
            "deliverable",
            "target_level",
            "weight",
            "priority",
            "status",
            "progress",
            "kind",
            *POC_FIELDS,
        ]
        labels = {"owner_department": _("担当部署(誰が)")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "deliverable": forms.Textarea(attrs={"rows": 2}),
            "target_level": forms.Textarea(attrs={"rows": 2}),
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
            "success_criteria": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "contributors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["policy"].queryset = Policy.objects.filter(plan=plan)
        departments = departments_for(plan.organization)
        self.fields["owner_department"].queryset = departments
        self.fields["contributors"].queryset = departments
        self.years = list(range(plan.start_fy, plan.end_fy + 1))
        stored = {}
        if self.instance.pk:
            stored = {b.fiscal_year: b for b in self.instance.budgets.all()}
        for year in self.years:
            label = nendo_label(year)
            budget = stored.get(year)
            self.fields[f"planned_{year}"] = forms.IntegerField(
                label=gettext("%(year)s 予算額(円)") % {"year": label},
                min_value=0,
                required=False,
                initial=budget.planned_yen if budget else None,
            )
            self.fields[f"actual_{year}"] = forms.IntegerField(
                label=gettext("%(year)s 決算額(円)") % {"year": label},
                min_value=0,
                required=False,
                initial=budget.actual_yen if budget else None,
            )

    def main_fields(self):
        return [f for f in self if f.name in self.Meta.fields and f.name not in POC_FIELDS]

    def poc_fields(self):
        return [self[name] for name in POC_FIELDS]

    def budget_rows(self):
        return [(nendo_label(y), self[f"planned_{y}"], self[f"actual_{y}"]) for y in self.years]

    def budgets(self) -> dict[int, tuple[int, int | None]]:
        data, found = self.cleaned_data, {}
        for year in self.years:
            planned, actual = data.get(f"planned_{year}"), data.get(f"actual_{year}")
            if planned is not None or actual is not None:
                found[year] = (planned or 0, actual)
        return found

    def values(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in self.Meta.fields if k != "contributors"}


class ProgressForm(forms.Form):
    """The owner's quick update (also inline on 「自分の施策」)."""

    status = forms.ChoiceField(label=_("状況"), choices=MeasureStatus.choices)
    progress = forms.IntegerField(label=_("進捗(%)"), min_value=0, max_value=100)
    comment = forms.CharField(
        label=_("コメント"), required=False, max_length=1000, widget=forms.TextInput()
    )

    def __init__(self, *args, measure=None, **kwargs):
        if measure is not None and not args:
            kwargs.setdefault("initial", {"status": measure.status, "progress": measure.progress})
        super().__init__(*args, **kwargs)
        if measure is not None:
            self.auto_id = f"id_m{measure.pk}_%s"


class ActionForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    due_on = WarekiDateField(label=_("期日"), required=False)


class BaselineForm(forms.Form):
    label = forms.CharField(
        label=_("名称"), max_length=100, help_text=_("例: 議会承認時、令和7年度末")
    )
    note = forms.CharField(
        label=_("備考"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReviseForm(forms.Form):
    note = forms.CharField(
        label=_("改定の理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("例: 中間見直しによる施策の追加"),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("工程表(Excel または CSV)"))


class DependencyForm(forms.Form):
    """On a measure's page: a measure this one waits for (its predecessor)."""

    predecessor = forms.ModelChoiceField(label=_("先行施策(この施策が待つ施策)"), queryset=None)
    kind = forms.ChoiceField(label=_("種類"), choices=DependencyKind.choices)
    lag_days = forms.IntegerField(
        label=_("ずれ(日)"),
        initial=0,
        min_value=-3650,
        max_value=3650,
        help_text=_("終了→開始・開始→開始のとき、後続が始められるまでの日数(マイナスは重なり)"),
    )
    note = forms.CharField(label=_("メモ"), max_length=200, required=False)

    def __init__(self, *args, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].queryset = (
            Measure.objects.filter(plan__organization_id=measure.plan.organization_id)
            .exclude(pk=measure.pk)
            .select_related("plan")
            .order_by("plan__title", "policy__order", "order", "pk")
        )
        self.fields["predecessor"].label_from_instance = self._label
        self.plan_id = measure.plan_id

    def _label(self, m: Measure) -> str:
        name = f"{m.code} {m.title}".strip()
        return name if m.plan_id == self.plan_id else f"{name}({m.plan.title})"


class WhatIfForm(forms.Form):
    measure = forms.TypedChoiceField(label=_("遅れる施策"), coerce=int)
    days = forms.IntegerField(label=_("遅れる日数"), min_value=1, max_value=3650)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = choices


class SlipForm(WhatIfForm):
    """Applies the what-if shown above it: the measure and days are carried, not re-chosen."""

    reason = forms.CharField(
        label=_("反映する理由"),
        max_length=500,
        help_text=_("各施策の更新の記録に残ります。例: 入札不調のため再公告"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].widget = forms.HiddenInput()
        self.fields["days"].widget = forms.HiddenInput()
