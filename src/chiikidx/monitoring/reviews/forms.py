from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core.forms import WarekiDateField
from chiikidx.plans.queries import departments_for

from ..forms import member_users, user_label
from . import queries
from .choices import SETTABLE_FOLLOW_UP, Assessment, Direction, FollowUpStatus

TEXTAREA = {"rows": 6}


class NewReviewForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("振り返る対象"),
        help_text=_("計画全体、基本方針、施策のどれか1つを選びます。"),
    )
    period = forms.ChoiceField(
        label=_("期間"),
        help_text=_("四半期(第1四半期 = 4〜6月)、半期(上期 = 4〜9月)、年度から選びます。"),
    )
    held_on = WarekiDateField(
        label=_("開催日"), required=False, help_text=_("例: 令和8年10月20日(あとで入力できます)")
    )
    participants = forms.CharField(
        label=_("参加者"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例: 企画課長、DX推進室 青葉、福祉課 福祉"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["scope"].choices = [
            ("", gettext("選んでください")),
            *queries.scope_choices(organization),
        ]
        self.fields["period"].choices = queries.period_choices()

    def clean_scope(self):
        found = queries.resolve_scope(self.organization, self.cleaned_data["scope"])
        if found is None:
            raise ValidationError(gettext("振り返る対象を選んでください。"), code="invalid")
        return found

    def clean_period(self):
        found = queries.period_from_key(self.cleaned_data["period"])
        if found is None:
            raise ValidationError(gettext("期間を選んでください。"), code="invalid")
        return found


class ReviewForm(forms.Form):
    """開催日・参加者 and the Check and Act of a draft; one remark field per KPI in scope."""

    held_on = WarekiDateField(label=_("開催日"), required=False, help_text=_("例: 令和8年10月20日"))
    participants = forms.CharField(
        label=_("参加者"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    assessment = forms.ChoiceField(
        label=_("総合評価"),
        required=False,
        choices=Assessment.choices,
        widget=forms.RadioSelect,
    )
    assessment_text = forms.CharField(
        label=_("評価(何ができ、何ができなかったか。その理由)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "「何のためにやっているのか」「どんな成果を目指すのか」に立ち返って書きます。"
            "KPIが伸びていないときは、画面・手続の使い勝手(UI/UX)や周知の方法も見直します。"
        ),
    )
    direction = forms.ChoiceField(
        label=_("今後の方向"),
        required=False,
        choices=Direction.choices,
        widget=forms.RadioSelect,
    )
    decisions = forms.CharField(
        label=_("決定事項"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "続けること・改めること・やめることを書きます。担当と期限のある作業は、フォローアップとして登録します。"
        ),
    )

    def __init__(self, *args, kpis=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi_ids = []
        for kpi in kpis:
            name = f"kpi_{kpi['id']}"
            self.fields[name] = forms.CharField(
                label=gettext("所見: %(name)s") % {"name": kpi["name"]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.kpi_ids.append(kpi["id"])

    def main_fields(self):
        return [self[n] for n in ("held_on", "participants")]

    def check_fields(self):
        return [self[n] for n in ("assessment", "assessment_text")]

    def act_fields(self):
        return [self[n] for n in ("direction", "decisions")]

    def remark_fields(self):
        return [self[f"kpi_{pk}"] for pk in self.kpi_ids]

    def values(self) -> dict:
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "held_on",
                "participants",
                "assessment",
                "assessment_text",
                "decisions",
                "direction",
            )
        }
        values["kpi_remarks"] = {str(pk): data[f"kpi_{pk}"] for pk in self.kpi_ids}
        return values


class FollowUpForm(forms.Form):
    title = forms.CharField(
        label=_("内容"), max_length=200, help_text=_("例: 電子申請の案内を広報紙に載せる")
    )
    detail = forms.CharField(
        label=_("詳細"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_user = forms.ModelChoiceField(label=_("担当者"), queryset=None, required=False)
    owner_department = forms.ModelChoiceField(
        label=_("担当部署"),
        queryset=None,
        required=False,
        help_text=_(
            "担当者か担当部署の少なくとも一方を選びます。担当者がいなければ部署の全員の作業になります。"
        ),
    )
    due_on = WarekiDateField(label=_("期限"), help_text=_("例: 令和8年12月25日"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = member_users(organization)
        self.fields["owner_user"].label_from_instance = user_label
        self.fields["owner_department"].queryset = departments_for(organization)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状況"),
        choices=[(v, FollowUpStatus(v).label) for v in SETTABLE_FOLLOW_UP],
    )
    note = forms.CharField(label=_("対応の記録"), required=False, max_length=2000)
    closed_on = WarekiDateField(
        label=_("完了・取りやめの日"), required=False, help_text=_("空欄なら今日の日付")
    )

    def __init__(self, *args, follow_up=None, **kwargs):
        super().__init__(*args, **kwargs)
        if follow_up is not None:
            self.auto_id = f"id_f{follow_up.pk}_%s"
            self.initial.setdefault("status", follow_up.status)
            self.initial.setdefault("note", follow_up.note)


class CarryForm(forms.Form):
    due_on = WarekiDateField(label=_("新しい期限"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("承認を取り消す理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("監査ログに残ります。例: KPIの実績の誤りが見つかったため、評価を書き直す"),
    )
