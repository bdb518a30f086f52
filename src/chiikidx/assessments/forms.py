from django import forms
from django.utils.translation import gettext_lazy as _

from chiikidx.core.forms import WarekiDateField
from chiikidx.core.japanese import fiscal_year
from chiikidx.core.queries import municipalities_of

from .choices import Disclosure
from .models import FrameworkVersion


class AdoptForm(forms.Form):
    code = forms.ChoiceField(label=_("標準フレームワーク"))

    def __init__(self, *args, available: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = available


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("フレームワークのファイル(YAML または Excel)"),
        help_text=_("書き出したファイルを編集して取り込むと、新しい版(下書き)になります。"),
    )


class RoundForm(forms.Form):
    version = forms.ModelChoiceField(label=_("フレームワークの版"), queryset=None)
    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("例: 令和7年度 第1回"))
    opens_on = WarekiDateField(label=_("受付開始日"), help_text=_("例: 2025-06-01、令和7年6月1日"))
    due_on = WarekiDateField(label=_("提出期限"))
    note = forms.CharField(
        label=_("依頼文"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("対象の市町村"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("選ばなければ、管内のすべての市町村に送ります。"),
    )

    def __init__(self, *args, prefecture, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = FrameworkVersion.objects.filter(
            framework__organization=prefecture, status="published"
        ).select_related("framework")
        self.fields["municipalities"].queryset = municipalities_of(prefecture)

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("due_on") and data["due_on"] < data["opens_on"]:
            self.add_error("due_on", _("提出期限は受付開始日以降にしてください。"))
        return data

    def fiscal_year(self) -> int:
        return fiscal_year(self.cleaned_data["opens_on"])


class ReopenForm(forms.Form):
    due_on = WarekiDateField(
        label=_("新しい提出期限"),
        required=False,
        help_text=_("空欄なら今の提出期限のままです。例: 2025-08-31、令和7年8月31日"),
    )


class SettingsForm(forms.Form):
    disclosure = forms.ChoiceField(
        label=_("市町村どうしの結果の公開"),
        choices=Disclosure.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "市町村が互いの結果をどこまで見られるか。すべての調査回に適用されます。"
            "県DX推進課の職員(管理者・職員)は常にすべて見られます。"
        ),
    )
