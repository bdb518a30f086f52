from __future__ import annotations

import contextlib

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core import uploads
from chiikidx.core.forms import WarekiDateField
from chiikidx.core.models import Department
from chiikidx.plans.queries import departments_for

from ..choices import DialogueKind
from . import services


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("種類"), choices=DialogueKind.choices)
    title = forms.CharField(
        label=_("件名"),
        help_text=_("例: 福祉課ヒアリング(障がい福祉サービスの申請)、令和7年度 市民アンケート"),
    )
    held_on = WarekiDateField(
        label=_("実施日"), help_text=_("例: 令和7年6月10日、R7.6.10、2025/6/10")
    )
    held_until = WarekiDateField(
        label=_("終了日"),
        required=False,
        help_text=_("アンケートやパブリックコメントのように期間があるときだけ入力します。"),
    )
    department = forms.ModelChoiceField(
        label=_("部署(原課)"),
        queryset=None,
        required=False,
        help_text=_("ヒアリングした原課、またはアンケートを担当した部署です。"),
    )
    participants = forms.CharField(
        label=_("参加者"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "役職・係で書きます(例: 福祉課長、障がい福祉係長、DX推進室 2名)。"
            "住民の参加者の氏名は書きません。"
        ),
    )
    notes = forms.CharField(
        label=_("記録"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "聞き取った困りごと・業務の流れ・住民の声などを書きます。"
            "「この記録から課題を作る」では、この欄が課題の内容になります。"
        ),
    )

    def __init__(self, *args, organization, user, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = departments_for(organization)
        if current is not None:  # the record's department stays a choice, even archived
            departments = departments | Department.objects.filter(pk=current.pk)
        department_ids = services.creatable_department_ids(user, organization)
        if department_ids is not None:
            # A 原課担当 records their own department's dialogues only.
            departments = departments.filter(pk__in=department_ids)
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
        else:
            self.fields["department"].empty_label = gettext("部署を選ばない(団体全体)")
        self.fields["department"].queryset = departments

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.RECORD_FIELDS}


class OpinionForm(forms.Form):
    text = forms.CharField(
        label=_("意見"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    age_band = forms.CharField(
        label=_("年代"),
        required=False,
        help_text=_("例: 30代、70代以上(わからなければ空欄)"),
    )
    area = forms.CharField(
        label=_("地区"),
        required=False,
        help_text=_("例: 北地区(氏名や番地までの住所は書きません)"),
    )

    def __init__(self, *args, finding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if finding:
            self.fields["text"].label = gettext("住民目線の気づき")
            self.fields["text"].help_text = gettext(
                "住民の役になって手続を通したときに気づいたこと(例: 同じ住所を3枚の申請書に"
                "書く必要がある)。"
            )

    def values(self) -> dict:
        from .importer import normalize_age_band

        values = {name: self.cleaned_data[name] for name in ("text", "age_band", "area")}
        with contextlib.suppress(ValueError):  # kept as typed; the service checks its length
            values["age_band"] = normalize_age_band(values["age_band"])
        return values


class ImportForm(forms.Form):
    file = forms.FileField(label=_("アンケートのファイル(Excel または CSV)"))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("添付するファイル"))

    @staticmethod
    def accept() -> str:
        return uploads.accept(services.ATTACHMENT_EXTENSIONS)
