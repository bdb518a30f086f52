"""REST API of challenges (課題) at /api/v1/challenges/: read through `visible_to` (the
prefecture sees a municipality's challenge only once it is shared), written through the same
services, checks and messages as the pages. The priority and the quadrant are computed with
each organization's weights, as on the pages."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.models import Department, Organization
from chiikidx.core.services import ServiceError

from . import priority, queries, services
from .choices import ChallengeStatus, Scope, SourceKind, Timing
from .models import Challenge

ERROR = inline_serializer("ChallengeError", {"detail": serializers.CharField()})
WRITABLE = (
    "title",
    "description",
    "field",
    "affected",
    "affected_count",
    "benefit",
    "difficulty",
    "urgency",
    "scope",
    "timing",
    "source_kind",
    "source_note",
)


class ChallengeSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    department_name = serializers.SerializerMethodField()
    scope_label = serializers.CharField(source="get_scope_display", read_only=True)
    timing_label = serializers.CharField(source="get_timing_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_kind_label = serializers.CharField(source="get_source_kind_display", read_only=True)
    priority = serializers.SerializerMethodField(
        help_text="優先度(0〜100、小数1桁)。3つの評価がそろっていなければ null。団体の重みで計算"
    )
    quadrant = serializers.SerializerMethodField(help_text="優先度マップの象限(難易度×裨益性)")
    quadrant_key = serializers.SerializerMethodField(
        help_text="quick・strategic・filler・reconsider(未評価は空)"
    )
    next_statuses = serializers.SerializerMethodField(help_text="status で移れる状態")

    class Meta:
        model = Challenge
        fields = [
            "id",
            "organization_code",
            "organization_name",
            "department",
            "department_name",
            "field",
            "title",
            "description",
            "affected",
            "affected_count",
            "benefit",
            "difficulty",
            "urgency",
            "priority",
            "quadrant",
            "quadrant_key",
            "scope",
            "scope_label",
            "timing",
            "timing_label",
            "status",
            "status_label",
            "status_reason",
            "next_statuses",
            "source_kind",
            "source_kind_label",
            "source_record",
            "source_opinion",
            "source_step",
            "source_note",
            "measure",
            "shared_at",
            "escalated_at",
            "escalation_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _weights(self, obj):
        return self.context.get("weights", {}).get(obj.organization_id, queries.DEFAULT_WEIGHTS)

    def get_department_name(self, obj) -> str | None:
        return obj.department.name if obj.department_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_priority(self, obj):
        found = priority.score(obj.benefit, obj.difficulty, obj.urgency, self._weights(obj))
        return None if found is None else str(found)

    def get_quadrant(self, obj) -> str:
        return priority.quadrant(obj.benefit, obj.difficulty)

    def get_quadrant_key(self, obj) -> str:
        return priority.quadrant_slug(obj.benefit, obj.difficulty)

    def get_next_statuses(self, obj) -> list[str]:
        return [str(s) for s in services.next_statuses(obj)]


def _score():
    return serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)


class ChallengeWriteSerializer(serializers.Serializer):
    """What a client sends to create a challenge (organization_code only then) or change it."""

    organization_code = serializers.CharField(required=False, help_text="団体コード(登録時)")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    field = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="分野。団体の「課題の設定」の一覧から(変更時は今の分野もそのまま送れます)",
    )
    department = serializers.IntegerField(
        required=False, allow_null=True, help_text="部署のID(原課担当は自分の部署)"
    )
    affected = serializers.CharField(required=False, allow_blank=True, max_length=200)
    affected_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=services.AFFECTED_COUNT_MAX
    )
    benefit = _score()
    difficulty = _score()
    urgency = _score()
    scope = serializers.ChoiceField(Scope.choices, required=False)
    timing = serializers.ChoiceField(Timing.choices, required=False)
    source_kind = serializers.ChoiceField(
        SourceKind.choices,
        required=False,
        help_text=(
            "staff・assessment・other。dialogue・opinion・process は、記録・意見・手順から"
            "作った課題で今の値をそのまま送るときだけ使えます"
        ),
    )
    source_note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ChallengeFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    status = filters.ChoiceFilter(choices=ChallengeStatus.choices, label="状態")
    field = filters.CharFilter(field_name="field", label="分野")
    scope = filters.ChoiceFilter(choices=Scope.choices, label="対応主体")
    timing = filters.ChoiceFilter(choices=Timing.choices, label="着手時期")
    department = filters.NumberFilter(field_name="department_id", label="部署のID")
    shared = filters.BooleanFilter(
        field_name="shared_at", lookup_expr="isnull", exclude=True, label="県と共有している"
    )
    escalated = filters.BooleanFilter(
        field_name="escalated_at", lookup_expr="isnull", exclude=True, label="県・広域に上げた"
    )

    class Meta:
        model = Challenge
        fields = [
            "organization",
            "status",
            "field",
            "scope",
            "timing",
            "department",
            "shared",
            "escalated",
        ]


class ChallengeViewSet(viewsets.ModelViewSet):
    """見られる団体の課題。県・リエゾン・ほかの団体からは、団体が県と共有した課題だけが見えます。
    優先度(priority)は団体の重みで計算した値です。登録・変更は団体の管理者・職員と、自分の部署の
    課題について原課担当ができ、画面と同じ検証です。削除はできません(状態を「見送り」にします)。
    `status` で状態を変え(解決・見送りは理由が必須)、`share`・`unshare` で県との共有を、
    `escalate`・`withdraw` で県・広域に上げることを切り替えます。"""

    access_rule = LOGIN
    serializer_class = ChallengeSerializer
    filterset_class = ChallengeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            queries.visible(self.request.user)
            .select_related("organization", "department")
            .order_by("organization__code", "-pk")
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"weights": getattr(self, "_weights", {})}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._weights = queries.weights_for({c.organization_id for c in rows})
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else APIResponse(data)

    def retrieve(self, request, *args, **kwargs):
        return self._fresh(self.get_object())

    def _fresh(self, challenge, code=http_status.HTTP_200_OK):
        challenge = self.get_queryset().get(pk=challenge.pk)
        self._weights = queries.weights_for({challenge.organization_id})
        return APIResponse(self.get_serializer(challenge).data, status=code)

    @extend_schema(
        request=ChallengeWriteSerializer,
        responses={201: ChallengeSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """課題を登録します(状態は「候補」)。organization_code と title が必要です。"""
        given = validated(ChallengeWriteSerializer(data=request.data))
        organization = Organization.objects.filter(code=given.pop("organization_code", "")).first()
        if organization is None or not access.can(request.user, "view", organization):
            return bad_request(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        try:
            values = _values(organization, given)
        except ServiceError as refused:
            return bad_request(str(refused))
        if not access.can_create_in(request.user, organization, values.get("department")):
            raise exceptions.PermissionDenied(
                _(
                    "この団体の課題を登録できるのは、団体の管理者・職員と、"
                    "自分の部署の課題について原課担当だけです。"
                )
            )
        try:
            challenge = services.create_challenge(
                acting_user=request.user, organization=organization, **values
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(challenge, http_status.HTTP_201_CREATED)

    @extend_schema(
        request=ChallengeWriteSerializer, responses={200: ChallengeSerializer, 400: ERROR}
    )
    def partial_update(self, request, *args, **kwargs):
        """送った項目だけを変えます(団体は変えられません)。"""
        challenge = self.get_object()
        given = validated(ChallengeWriteSerializer(data=request.data, partial=True))
        if "organization_code" in given:
            return bad_request(_("課題の団体は変えられません。"))
        try:
            services.update_challenge(
                acting_user=request.user,
                challenge=challenge,
                **_values(challenge.organization, given),
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(challenge)

    @extend_schema(
        request=inline_serializer(
            "ChallengeStatusChange",
            {
                "status": serializers.ChoiceField(ChallengeStatus.choices),
                "reason": serializers.CharField(
                    required=False, help_text="理由(resolved・deferred では必須)"
                ),
            },
        ),
        responses={200: ChallengeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """状態を変えます。移れる状態は next_statuses です(施策化は施策を作るときだけ)。"""
        challenge = self.get_object()
        data = _data(request)
        return self._run(
            challenge,
            lambda: services.set_status(
                acting_user=request.user,
                challenge=challenge,
                status=str(data.get("status", "")),
                reason=str(data.get("reason", "")),
            ),
        )

    @extend_schema(request=None, responses={200: ChallengeSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """県(DX推進課・担当のDX推進リエゾン)と共有します。"""
        challenge = self.get_object()
        return self._run(
            challenge, lambda: services.share(acting_user=request.user, challenge=challenge)
        )

    @extend_schema(request=None, responses={200: ChallengeSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def unshare(self, request, pk=None):
        """県との共有をやめます(県・広域に上げている課題はできません)。"""
        challenge = self.get_object()
        return self._run(
            challenge, lambda: services.unshare(acting_user=request.user, challenge=challenge)
        )

    @extend_schema(
        request=inline_serializer(
            "ChallengeEscalation",
            {
                "note": serializers.CharField(
                    required=False,
                    allow_blank=True,
                    help_text="県・広域に求めること(送ると置き換え、空で消します。送らなければそのまま)",
                )
            },
        ),
        responses={200: ChallengeSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """県・広域で対応する課題として県に上げます(県と共有され、対応主体は県・広域)。"""
        challenge = self.get_object()
        data = _data(request)
        note = str(data["note"]) if "note" in data else None
        return self._run(
            challenge,
            lambda: services.escalate(acting_user=request.user, challenge=challenge, note=note),
        )

    @extend_schema(request=None, responses={200: ChallengeSerializer, 400: ERROR})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """県・広域に上げるのをやめます。県との共有は続き、対応主体は「県・広域で対応」のまま
        です。県・広域に求めることは消えます(変更の履歴に残ります)。"""
        challenge = self.get_object()
        return self._run(
            challenge,
            lambda: services.withdraw_escalation(acting_user=request.user, challenge=challenge),
        )

    def _run(self, challenge, act):
        try:
            act()
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(challenge)


def _values(organization, given: dict) -> dict:
    values = {name: given[name] for name in WRITABLE if name in given}
    if "department" in given:
        values["department"] = _department(organization, given["department"])
    return values


def _department(organization, pk):
    if pk is None:
        return None
    found = Department.objects.filter(pk=pk, organization=organization).first()
    if found is None:
        raise ServiceError(_("department にはこの団体の部署のIDを指定してください。"))
    return found


def _data(request) -> dict:
    return request.data if hasattr(request.data, "get") else {}
