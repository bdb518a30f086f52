"""REST API v1 of the core app: token, me, organizations. Same access module as the pages."""

from collections.abc import Mapping

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import access, queries, services
from .access import LOGIN, PUBLIC
from .api_access import LOCKED_OUT_MESSAGE, RouteRulePermission
from .choices import OrgKind
from .models import Department, Membership, Organization


def bad_request(detail) -> Response:
    """A write the services refused: 400 with their Japanese sentence in `detail`."""
    return Response({"detail": str(detail)}, status=400)


def validated(serializer) -> dict:
    """The serializer's data as a dict; DRF's 400 with every field's error when invalid."""
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


THROTTLED_MESSAGE = _("短時間に試行が多すぎます。1分ほど待ってから再度お試しください。")
TEXT_ERRORS = {
    "invalid": _("文字列で入力してください。"),
    "blank": _("入力してください。"),
    "required": _("入力してください。"),
    "null": _("入力してください。"),
}


class OrganizationSerializer(serializers.ModelSerializer):
    prefecture_code = serializers.CharField(source="prefecture.code", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "kana",
            "name_en",
            "kind",
            "kind_label",
            "prefecture_code",
            "parent_code",
            "lat",
            "lng",
            "url",
            "population",
            "population_date",
            "peer_group",
            "is_demo",
        ]


class OrganizationFilter(filters.FilterSet):
    prefecture = filters.CharFilter(
        method="filter_prefecture", label="都道府県コード(先頭2桁または6桁)"
    )
    kind = filters.ChoiceFilter(choices=OrgKind.choices, label="種別")
    search = filters.CharFilter(method="filter_search", label="団体名・よみがな・団体コード")

    class Meta:
        model = Organization
        fields = ["prefecture", "kind", "search"]

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(prefecture__code__startswith=value[:2])

    def filter_search(self, queryset, name, value):
        return queries.search_organizations(value, queryset=queryset)


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """全国の地方公共団体(団体コード一覧)。公開データのため認証なしで参照できます。"""

    access_rule = PUBLIC
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    lookup_field = "code"
    authentication_classes = []

    def get_queryset(self):
        return Organization.objects.visible_to(self.request.user).select_related(
            "prefecture", "parent"
        )


class DepartmentSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)

    class Meta:
        model = Department
        fields = [
            "id",
            "organization_code",
            "name",
            "kana",
            "sort_order",
            "visibility",
            "is_archived",
        ]


class DepartmentFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")

    class Meta:
        model = Department
        fields = ["organization", "is_archived"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """部署・原課。自分が見られる団体の部署(と共有・公開された部署)だけが返ります。"""

    access_rule = LOGIN
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter

    def get_queryset(self):
        return (
            Department.objects.visible_to(self.request.user)
            .select_related("organization")
            .order_by("organization__code", "sort_order", "name")
        )


class MembershipSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")
    department = serializers.CharField(source="department.name", default=None)

    class Meta:
        model = Membership
        fields = ["organization_code", "organization_name", "role", "department"]


class MeView(APIView):
    """ログイン中の利用者と所属(団体コードと役割)。"""

    access_rule = LOGIN

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "is_superuser": serializers.BooleanField(),
                "memberships": MembershipSerializer(many=True),
            },
        )
    )
    def get(self, request):
        user = request.user
        return Response(
            {
                "username": user.username,
                "name": f"{user.last_name} {user.first_name}".strip(),
                "is_superuser": user.is_superuser,
                "memberships": MembershipSerializer(
                    access.active_memberships(user), many=True
                ).data,
            }
        )


class TokenRequestSerializer(AuthTokenSerializer):
    username = serializers.CharField(
        label=_("ログインID"), write_only=True, error_messages=TEXT_ERRORS
    )
    password = serializers.CharField(
        label=_("パスワード"),
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        error_messages=TEXT_ERRORS,
    )


class TokenView(ObtainAuthToken):
    """ユーザー名とパスワードでAPIトークンを取得します(ログイン失敗が続くとロックされます)。"""

    access_rule = PUBLIC
    authentication_classes = []
    permission_classes = [RouteRulePermission]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        # Same lockout as the login page (the failing attempt itself may have locked it).
        credentials = {"username": _username_of(request.data)}
        if not AxesProxyHandler.is_allowed(request._request, credentials):
            return Response({"detail": LOCKED_OUT_MESSAGE}, status=429)
        if not valid:
            return Response(serializer.errors, status=400)
        axes_reset(username=credentials["username"])  # a success clears earlier failures
        token = services.issue_token(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    def throttled(self, request, wait):
        raise exceptions.Throttled(detail=THROTTLED_MESSAGE)


def _username_of(data) -> str:
    value = data.get("username", "") if isinstance(data, Mapping) else ""
    return str(value).replace("\x00", "")
