import datetime

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import MUNICIPALITY_ROLES, PREFECTURE_ROLES, OrgKind, Role
from .japanese import normalize, parse_date
from .models import Department, LiaisonAssignment, Membership


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

    def clean_name(self):
        # 全角/半角 variants of one name are one department (ＤＸ推進室 = DX推進室).
        name = normalize(self.cleaned_data["name"])
        others = Department.objects.filter(organization=self.instance.organization, name=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                gettext("「%(name)s」はすでに登録されています。別の名前にしてください。")
                % {"name": name}
            )
        return name


EARLIEST_DATE, LATEST_DATE = datetime.date(1868, 10, 23), datetime.date(2100, 12, 31)


class WarekiDateField(forms.DateField):
    """Accepts 2025-04-01, 2025/4/1, 令和7年4月1日, R7.4.1 and 全角 digits."""

    widget = forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise ValidationError(
                gettext("明治元年(1868年)から2100年までの日付を入力してください。"), code="range"
            )
        return parsed


class MemberFieldsForm(forms.Form):
    """Who a member is in an organization: name, e-mail, role and department."""

    last_name = forms.CharField(label=_("姓"), max_length=150)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    email = forms.EmailField(label=_("メールアドレス"), required=False)
    role = forms.ChoiceField(label=_("役割"))
    department = forms.ModelChoiceField(
        label=_("部署"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        roles = PREFECTURE_ROLES if organization.kind == OrgKind.PREFECTURE else MUNICIPALITY_ROLES
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in roles]
        self.fields["department"].queryset = Department.objects.filter(
            organization=organization, is_archived=False
        )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.DEPT_STAFF and not data.get("department"):
            self.add_error("department", gettext("原課担当には部署を選んでください。"))
        return data


class MemberForm(MemberFieldsForm):
    """Create a staff account and its membership in one step (by the organization's admin)."""

    username = forms.RegexField(
        label=_("ログインID"),
        regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
        max_length=150,
        error_messages={
            "invalid": _("ログインIDは半角英数字と _ . @ + - の3文字以上で入力してください。")
        },
    )
    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput, strip=False)
    field_order = ["username", "last_name", "first_name", "email", "role", "department", "password"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(
                gettext("このログインIDはすでに使われています。別のIDにしてください。")
            )
        return username

    def clean(self):
        data = super().clean()
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


class MemberEditForm(MemberFieldsForm):
    """Change a member's name, e-mail, role and department (by the organization's admin)."""

    last_name = forms.CharField(label=_("姓"), max_length=150, required=False)

    def __init__(self, *args, membership: Membership, **kwargs):
        user = membership.user
        initial = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "email": user.email,
            "role": membership.role,
            "department": membership.department_id,
        }
        super().__init__(*args, initial=initial, organization=membership.organization, **kwargs)


class LiaisonAssignmentForm(forms.Form):
    """Assign a DX推進リエゾン of the prefecture to one of its municipalities."""

    user = forms.ModelChoiceField(label=_("リエゾン"), queryset=None)
    municipality = forms.ModelChoiceField(label=_("担当する市町村"), queryset=None)
    start_date = WarekiDateField(
        label=_("開始日"), help_text=_("例: 2025-04-01、令和7年4月1日、R7.4.1")
    )
    end_date = WarekiDateField(label=_("終了日"), required=False, help_text=_("未定なら空欄"))
    note = forms.CharField(label=_("備考"), max_length=200, required=False)

    def __init__(self, *args, prefecture, liaisons, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefecture = prefecture
        self.fields["user"].queryset = liaisons
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.last_name} {u.first_name}({u.username})"
        )
        self.fields["municipality"].queryset = municipalities

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", gettext("終了日は開始日以降の日付にしてください。"))
        if data.get("user") and data.get("municipality") and start and self._overlaps(data):
            raise ValidationError(
                gettext(
                    "このリエゾンは同じ期間にすでにこの市町村を担当しています。期間を確認してください。"
                )
            )
        return data

    def _overlaps(self, data) -> bool:
        existing = LiaisonAssignment.objects.filter(
            user=data["user"], municipality=data["municipality"]
        )
        end = data.get("end_date")
        return any(
            (a.end_date is None or a.end_date >= data["start_date"])
            and (end is None or a.start_date <= end)
            for a in existing
        )
