"""Forms of the logic-model editor. Choices are the organization's own (its plans, measures,
KPIs; the model's nodes); the services check the same again, for the API and for forged posts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chiikidx.plans.models import Plan, Policy

from . import logic_queries
from .choices import LogicStage

OTHER_ORGANIZATION = _(
    "選んだ%(what)s(ID %%(value)s)はこの団体のものではありません。一覧から選び直してください。"
)


def _invalid(what: str) -> dict:
    return {
        "invalid_choice": OTHER_ORGANIZATION % {"what": what},
        "invalid_pk_value": _("「%(pk)s」はIDとして読めません。一覧から選んでください。"),
    }


class LogicModelForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(
        label=_("説明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("何を説明するロジックモデルか、誰がいつ見直すか"),
    )
    plan = forms.ModelChoiceField(
        label=_("計画"),
        queryset=Plan.objects.none(),
        required=False,
        help_text=_(
            "このロジックモデルが説明する計画。その施策が「つながっていない施策」の対象です"
        ),
    )
    policy = forms.ModelChoiceField(
        label=_("基本方針"),
        queryset=Policy.objects.none(),
        required=False,
        help_text=_("計画の一部を説明するとき。選ぶと、その基本方針の施策だけが対象になります"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(organization=organization).order_by(
            "-start_fy", "title", "-version"
        )
        self.fields["plan"].error_messages |= _invalid(_("計画"))
        self.fields["plan"].label_from_instance = _plan_label
        self.fields["policy"].queryset = (
            Policy.objects.filter(plan__organization=organization)
            .select_related("plan")
            .order_by("-plan__start_fy", "plan__title", "plan_id", "order", "pk")
        )
        self.fields["policy"].error_messages |= _invalid(_("基本方針"))
        self.fields["policy"].label_from_instance = lambda p: f"{p}({_plan_label(p.plan)})"


def _plan_label(plan: Plan) -> str:
    return f"{plan.title}(第{plan.version}版)" if plan.version > 1 else plan.title


class NodeForm(forms.Form):
    stage = forms.ChoiceField(label=_("段階"), choices=LogicStage.choices)
    title = forms.CharField(
        label=_("内容"),
        max_length=200,
        help_text=_("例: 主要手続のオンライン化(活動)、来庁しなくても手続が済む(短期成果)"),
    )
    description = forms.CharField(
        label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    order = forms.IntegerField(
        label=_("表示順"),
        min_value=0,
        max_value=9999,
        initial=0,
        required=False,
        help_text=_("同じ段階の中で、小さいものほど上に描きます"),
        widget=forms.NumberInput(attrs={"class": "input-short"}),
    )
    measures = forms.ModelMultipleChoiceField(
        label=_("施策"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("このノードを担う施策(DX推進計画)。施策から成果への見通しに使います"),
    )
    kpis = forms.ModelMultipleChoiceField(
        label=_("KPI"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("このノードが実現したかを示すKPI。ノードの状況はKPIの状況から決まります"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = logic_queries.measure_choices(organization)
        self.fields["measures"].error_messages |= _invalid(_("施策"))
        self.fields["measures"].label_from_instance = lambda m: f"{m}({_plan_label(m.plan)})"
        self.fields["kpis"].queryset = logic_queries.kpi_choices(organization)
        self.fields["kpis"].error_messages |= _invalid(_("KPI"))
        self.fields["kpis"].label_from_instance = lambda k: (
            str(k) if k.is_active else f"{k}({_('使用していない')})"
        )

    def clean_order(self):
        return self.cleaned_data.get("order") or 0


class LinkForm(forms.Form):
    source = forms.ModelChoiceField(label=_("上流のノード(原因)"), queryset=None)
    target = forms.ModelChoiceField(label=_("下流のノード(結果)"), queryset=None)
    assumption = forms.CharField(
        label=_("前提条件"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "上流が実現すれば下流が実現する、と言えるために成り立っている必要があること。"
            "例: オンラインで申請した人は、確認のために来庁しない"
        ),
    )
    rationale = forms.CharField(
        label=_("根拠"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("そう考える理由。例: 先行自治体では、申請のオンライン化で来庁者が2割減った"),
    )

    def __init__(self, *args, logic_model, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            field = self.fields[name]
            field.queryset = logic_queries.nodes_by_stage(logic_model)
            field.error_messages |= {
                "invalid_choice": _(
                    "選んだノードはこのロジックモデルのノードではありません。一覧から選んでください。"
                )
            }
            field.label_from_instance = lambda n: f"{n.get_stage_display()}: {n.title}"
