"""The form of a cost-effectiveness case: reads what people type (全角, 1,234, 令和7年度); the
checks themselves are the service's (cost_services), shared with the API."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core.japanese import nendo_label, parse_nendo
from chiikidx.plans.queries import current_measures

from . import cost_queries
from .choices import CostKind
from .cost_services import CASE_FIELDS, NUMBER_FIELDS, AdoptionInput, number_problem
from .forms import NumberField, _plain
from .models import CostCase

SPARE_ROWS = 2
MIN_ROWS = 4
REQUIRED_NUMBERS = ("annual_procedures", "staff_hourly_cost")
# The sections of the form, in order (the adoption table comes after "residents").
GROUPS = (
    (_("何を試算するか"), ("measure", "kind", "procedure", "first_fy", "last_fy", "kpi", "note")),
    (
        _("住民の効果(1件あたり)"),
        (
            "annual_procedures",
            "travel_minutes",
            "waiting_minutes",
            "filling_minutes",
            "travel_cost",
            "postage",
            "time_value",
        ),
    ),
    (_("職員の効果(1件あたり)"), ("staff_minutes", "staff_hourly_cost")),
    (_("費用と割引率"), ("initial_cost", "running_cost", "discount_rate")),
)


class NendoField(forms.CharField):
    """A 年度: 令和7年度, R7, 2025年度, 2025 (全角 too)."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "class": "input-short"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_nendo(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


def _model_field(name: str):
    return CostCase._meta.get_field(name)


class CostCaseForm(forms.Form):
    measure = forms.ModelChoiceField(label=_("施策"), queryset=None)
    kind = forms.ChoiceField(label=_("種類"), choices=CostKind.choices)
    procedure = forms.CharField(
        label=_("手続の名称"), max_length=200, help_text=_("例: 住民票の写し等の交付申請")
    )
    note = forms.CharField(
        label=_("前提と数字の出どころ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_model_field("note").help_text,
    )
    first_fy = NendoField(
        label=_("最初の年度"), required=False, help_text=_("空欄なら施策の計画の開始年度")
    )
    last_fy = NendoField(
        label=_("最後の年度"), required=False, help_text=_("空欄なら施策の計画の終了年度")
    )
    kpi = forms.ModelChoiceField(
        label=_("実績に使うKPI"),
        queryset=None,
        required=False,
        empty_label=_("使わない(見込みだけ)"),
        help_text=_model_field("kpi").help_text,
    )

    def __init__(self, *args, organization, case: CostCase | None = None, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization, self.case = organization, case
        self.fields["measure"].queryset = (
            current_measures()
            .filter(plan__organization=organization)
            .select_related("plan")
            .order_by("plan__title", "policy__order", "order", "pk")
        )
        self.fields["measure"].label_from_instance = lambda m: (
            f"{m.code} {m.title}".strip() + f"({m.plan.title})"
        )
        self.fields["kpi"].queryset = cost_queries.count_kpis(organization)
        for name in NUMBER_FIELDS:
            model_field = _model_field(name)
            self.fields[name] = NumberField(
                label=model_field.verbose_name,
                help_text=model_field.help_text,
                required=name in REQUIRED_NUMBERS,
            )
        for name in REQUIRED_NUMBERS:
            self.fields[name].error_messages["required"] = number_problem(name, None)
        self._initial_values(case)
        self._adoption_fields(case, years)

    def _initial_values(self, case) -> None:
        if case is None:
            self.fields["time_value"].initial = _plain(_model_field("time_value").default)
            self.fields["discount_rate"].initial = _plain(_model_field("discount_rate").default)
            return
        for name in CASE_FIELDS:
            value = getattr(case, name)
            if name in NUMBER_FIELDS and value is not None:
                value = _plain(value)
            elif name in ("first_fy", "last_fy") and value is not None:
                value = nendo_label(value)
            self.fields[name].initial = value
        self.fields["measure"].initial = case.measure_id
        self.fields["kpi"].initial = case.kpi_id

    def _adoption_fields(self, case, years) -> None:
        stored = list(case.adoption.all()) if case is not None else []
        shown = [(a.fiscal_year, a) for a in stored] or [(fy, None) for fy in years]
        self.row_count = max(MIN_ROWS, len(shown) + SPARE_ROWS)
        for i in range(self.row_count):
            fy, row = shown[i] if i < len(shown) else (None, None)
            self.fields[f"adoption_fy_{i}"] = NendoField(
                label=gettext("%(n)s行目の年度") % {"n": i + 1},
                required=False,
                initial=nendo_label(fy) if fy else "",
            )
            for part, word in (
                ("low", gettext("低位")),
                ("base", gettext("基準")),
                ("high", gettext("高位")),
            ):
                self.fields[f"adoption_{part}_{i}"] = NumberField(
                    label=gettext("%(n)s行目の%(w)s(%%)") % {"n": i + 1, "w": word},
                    required=False,
                    initial=_plain(getattr(row, part)) if row else None,
                )

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in GROUPS]

    def adoption_rows(self):
        return [
            [self[f"adoption_{part}_{i}"] for part in ("fy", "low", "base", "high")]
            for i in range(self.row_count)
        ]

    def clean(self):
        data = super().clean()
        for i in range(self.row_count):
            values = [data.get(f"adoption_{part}_{i}") for part in ("low", "base", "high")]
            if data.get(f"adoption_fy_{i}") is None and any(v is not None for v in values):
                self.add_error(
                    f"adoption_fy_{i}", gettext("この行の年度を入力してください(例: 令和7年度)。")
                )
        return data

    def adoption(self) -> list[AdoptionInput]:
        found = []
        for i in range(self.row_count):
            fy = self.cleaned_data.get(f"adoption_fy_{i}")
            if fy is not None:
                low, base, high = (
                    self.cleaned_data.get(f"adoption_{part}_{i}")
                    for part in ("low", "base", "high")
                )
                found.append(AdoptionInput(fy, low, base, high))
        return found

    def values(self) -> dict:
        """The case's fields; a number left empty takes its default (0, or the documented
        value of time and discount rate)."""
        found = {}
        for name in CASE_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None and name in NUMBER_FIELDS and name not in REQUIRED_NUMBERS:
                value = _model_field(name).default
            found[name] = value
        return found

    def show_error(self, refused) -> None:
        """A service's refusal beside the input it is about."""
        name = getattr(refused, "field", None)
        if name in self.fields:
            self.add_error(name, str(refused))
        else:
            self.adoption_error = str(refused) if name == "adoption" else None
            if name != "adoption":
                self.add_error(None, str(refused))

    adoption_error = None
