from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import MUNICIPALITY_ROLES, PREFECTURE_ROLES, OrgKind, Role
from .models import Department


class RegistrySearchForm(forms.Form):
    q = forms.CharField(label=_("団体名・よみがな・団体コード"), required=False, max_length=50)
    prefecture = forms.ChoiceField(label=_("都道府県"), required=False)
    kind = forms.ChoiceField(
        label=_("種別"), required=False, choices=[("", _("すべて")), *OrgKind.choices]
    )

    def __init__(self, *args, prefectures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].choices = [("", gettext("すべて"))] + [
            (p.code[:2], p.name) for p in prefectures
        ]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "kana", "sort_order"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization


class MemberForm(forms.Form):
    """Create a staff account and its membership in one step (by the organization's admin)."""

    username = forms.RegexField(
        label=_("ログインID"),
        regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
        max_length=150,
        error_messages={
            "invalid": _("ログインIDは半角英数字と _ . @ + - の3文字以上で入力してください。")
        },
    )
    last_name = forms.CharField(label=_("姓"), max_length=150)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    email = forms.EmailField(label=_("メールアドレス"), required=False)
    role = forms.ChoiceField(label=_("役割"))
    department = forms.ModelChoiceField(
        label=_("部署"), queryset=Department.objects.none(), required=False
    )
    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        roles = PREFECTURE_ROLES if organization.kind == OrgKind.PREFECTURE else MUNICIPALITY_ROLES
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in roles]
        self.fields["department"].queryset = Department.objects.filter(
            organization=organization, is_archived=False
        )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(
                gettext("このログインIDはすでに使われています。別のIDにしてください。")
            )
        return username

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.DEPT_STAFF and not data.get("department"):
            self.add_error("department", gettext("原課担当には部署を選んでください。"))
        password = data.get("password")
        if password:
            # Every attribute the similarity validator compares against, not only the name.
            user = get_user_model()(
                username=data.get("username", ""),
                last_name=data.get("last_name", ""),
                first_name=data.get("first_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data
