"""REST API of the plans app: plans with their policies and roll-up progress, measures, and the
progress update (the same service as the page, so the update log and audit are written)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core.access import LOGIN
from chiikidx.core.services import ServiceError

from . import queries, services
from .choices import MeasureStatus
from .models import Measure, MeasureUpdate, Plan, Policy


def _progress(value) -> str | None:
    """Roll-ups as decimal strings with one place (like the page), None when nothing counts."""
    return None if value is None else str(value)


class PolicySerializer(serializers.ModelSerializer):
    measure_count = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="重み付きの進捗(%)。中止は除きます")

    class Meta:
        model = Policy
        fields = ["id", "code", "title", "description", "measure_count", "progress"]

    def _measures(self, obj) -> list:
        plan_measures = self.context.get("measures_by_policy", {}).get(obj.plan_id)
        if plan_measures is None:
            return list(obj.measures.all())
        return plan_measures.get(obj.pk, [])

    def get_measure_count(self, obj) -> int:
        return len(self._measures(obj))

    def get_progress(self, obj) -> str | None:
        return _progress(services.weighted_progress(self._measures(obj)))


class PlanSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    level_names = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(
        help_text="計画全体の重み付きの進捗(%)。中止の施策は除きます"
    )
    measure_count = serializers.SerializerMethodField()
    policies = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id",
            "organization_code",
            "title",
            "vision",
            "start_fy",
            "end_fy",
            "sogo_keikaku",
            "status",
            "status_label",
            "level_names",
            "measure_count",
            "progress",
            "policies",
        ]

    def get_level_names(self, obj) -> dict:
        return {key: obj.level(key) for key in ("policy", "measure", "action")}

    def get_progress(self, obj) -> str | None:
        return _progress(services.weighted_progress(obj.measures.all()))

    def get_measure_count(self, obj) -> int:
        return len(obj.measures.all())

    @extend_schema_field(PolicySerializer(many=True))
    def get_policies(self, obj) -> list:
        by_policy: dict[int, list] = {}
        for m in obj.measures.all():
            by_policy.setdefault(m.policy_id, []).append(m)
        context = self.context | {"measures_by_policy": {obj.pk: by_policy}}
        return PolicySerializer(obj.policies.all(), many=True, context=context).data


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """見られるDX推進計画。基本方針ごと・計画全体の進捗(重み付き平均)を含みます。"""

    access_rule = LOGIN
    serializer_class = PlanSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        light = Measure.objects.only("pk", "plan_id", "policy_id", "status", "weight", "progress")
        return (
            queries.visible_plans(self.request.user)
            .select_related("organization")
            .prefetch_related("policies", Prefetch("measures", queryset=light))
            .order_by("organization__code", "-start_fy", "title")
        )


class MeasureUpdateSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = MeasureUpdate
        fields = ["status", "progress", "comment", "by", "at"]

    def get_by(self, obj) -> str:
        return obj.by.get_full_name() or obj.by.username if obj.by else ""


class MeasureSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="plan.organization.code", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    owner_department_name = serializers.CharField(source="owner_department.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    updates = serializers.SerializerMethodField(help_text="更新記録(新しい順、最大20件)")

    class Meta:
        model = Measure
        fields = [
            "id",
            "organization_code",
            "plan",
            "plan_title",
            "policy",
            "policy_title",
            "code",
            "title",
            "description",
            "owner_department",
            "owner_department_name",
            "responsible",
            "start_date",
            "deadline",
            "deliverable",
            "target_level",
            "weight",
            "priority",
            "status",
            "status_label",
            "progress",
            "kind",
            "source_kind",
            "source_ref",
            "updates",
        ]
        read_only_fields = fields

    @extend_schema_field(MeasureUpdateSerializer(many=True))
    def get_updates(self, obj) -> list:
        return MeasureUpdateSerializer(list(obj.updates.all())[:20], many=True).data


class MeasureFilter(filters.FilterSet):
    department = filters.NumberFilter(field_name="owner_department_id", label="担当部署のID")
    status = filters.ChoiceFilter(choices=MeasureStatus.choices, label="状況")

    class Meta:
        model = Measure
        fields = ["plan", "department", "status"]


PROGRESS_ERRORS = inline_serializer("PlanMeasureError", {"detail": serializers.CharField()})


class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    """見られる計画の施策。`plan`、`department`(担当部署のID)、`status` で絞り込めます。
    `update` で状況・進捗・コメントを記録します(原課担当は自分の部署の施策だけ)。"""

    access_rule = LOGIN
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    object_actions = {"record_update": "change"}

    def get_queryset(self):
        return (
            queries.visible_measures(self.request.user)
            .select_related("plan__organization", "policy", "owner_department")
            .prefetch_related(
                Prefetch("updates", queryset=MeasureUpdate.objects.select_related("by"))
            )
            .order_by("plan_id", "policy__order", "order", "pk")
        )

    @extend_schema(
        request=inline_serializer(
            "PlanMeasureProgress",
            {
                "status": serializers.ChoiceField(MeasureStatus.choices),
                "progress": serializers.IntegerField(min_value=0, max_value=100),
                "comment": serializers.CharField(required=False),
            },
        ),
        responses={200: MeasureSerializer, 400: PROGRESS_ERRORS, 403: PROGRESS_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def record_update(self, request, pk=None):
        """状況(status)・進捗(progress, 0〜100)・コメント(comment)を記録します。画面の更新と
        同じ処理で、更新記録と監査ログが残ります。完了にすると進捗は100%になります。"""
        measure = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        try:
            progress = int(str(data.get("progress", "")).strip())
        except ValueError:
            return _bad(_("進捗は0〜100の整数で入力してください。"))
        try:
            services.update_progress(
                acting_user=request.user,
                measure=measure,
                status=str(data.get("status", "")),
                progress=progress,
                comment=str(data.get("comment", "")),
            )
        except ServiceError as refused:
            return _bad(str(refused))
        return APIResponse(self.get_serializer(self.get_queryset().get(pk=measure.pk)).data)


def _bad(detail):
    return APIResponse({"detail": str(detail)}, status=status.HTTP_400_BAD_REQUEST)
