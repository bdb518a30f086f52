"""REST API of the monitoring app: KPIs (read by whoever may see them; created, changed and
deleted by the organization's staff) and their actuals (recorded and corrected with the same
service and checks as the pages). Statuses are computed, as on the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.models import Department, Organization
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Measure

from . import excel, periods, queries, services
from .choices import Direction, Frequency, KpiKind
from .models import Kpi, KpiActual, KpiMeasure

ERROR = inline_serializer("KpiError", {"detail": serializers.CharField()})


class TargetSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="目標の日。年度末の目標は fiscal_year で指定できます")
    fiscal_year = serializers.IntegerField(
        required=False, allow_null=True, help_text="年度(2027 = 令和9年度)。日付はその年度末"
    )
    value = serializers.DecimalField(max_digits=18, decimal_places=4)


class KpiSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    owner_username = serializers.SerializerMethodField()
    owner_department_name = serializers.SerializerMethodField()
    measures = serializers.SerializerMethodField(help_text="施策のID")
    targets = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text="on_track・at_risk・off_track・stale・no_data・no_target"
    )
    status_label = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField(
        help_text="stale(入力期限切れ)・not_growing(伸びていない)・owner_silent・no_owner"
    )
    latest = serializers.SerializerMethodField(help_text="最新の実績(期間・値)")
    latest_status = serializers.SerializerMethodField(
        help_text="最新の実績だけで判定した状況(未更新のKPIでも、最新の実績の判定を示します)"
    )
    target_now = serializers.SerializerMethodField(help_text="最新の実績の期間末の目標(経路)")
    shortfall = serializers.SerializerMethodField(help_text="目標への不足率(%)。負は上回り")
    due_periods = serializers.SerializerMethodField(help_text="終わって未入力の期間")

    class Meta:
        model = Kpi
        fields = [
            "id",
            "organization_code",
            "code",
            "name",
            "definition",
            "unit",
            "kind",
            "direction",
            "data_source",
            "owner_username",
            "owner_department",
            "owner_department_name",
            "frequency",
            "baseline_value",
            "baseline_date",
            "at_risk_threshold",
            "off_track_threshold",
            "grace_days",
            "stall_periods",
            "is_active",
            "measures",
            "targets",
            "status",
            "status_label",
            "alerts",
            "latest",
            "latest_status",
            "target_now",
            "shortfall",
            "due_periods",
        ]
        read_only_fields = fields

    def _state(self, obj):
        return self.context["states"][obj.pk]

    def get_owner_username(self, obj) -> str | None:
        return obj.owner_user.username if obj.owner_user_id else None

    def get_owner_department_name(self, obj) -> str | None:
        return obj.owner_department.name if obj.owner_department_id else None

    def get_measures(self, obj) -> list[int]:
        return [link.measure_id for link in obj.kpimeasure_set.all()]

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, obj) -> list:
        return [
            {"date": t.target_date, "fiscal_year": t.fiscal_year, "value": str(t.value)}
            for t in obj.targets.all()
        ]

    def get_status(self, obj) -> str:
        return self._state(obj).status

    def get_status_label(self, obj) -> str:
        return self._state(obj).status_label

    def get_alerts(self, obj) -> list[str]:
        return list(self._state(obj).evaluation.alerts)

    @extend_schema_field(
        inline_serializer(
            "KpiLatest",
            {
                "period_start": serializers.DateField(),
                "period_end": serializers.DateField(),
                "period_label": serializers.CharField(),
                "value": serializers.CharField(),
            },
            allow_null=True,
        )
    )
    def get_latest(self, obj):
        latest = self._state(obj).evaluation.latest
        if latest is None:
            return None
        return {
            "period_start": latest.period.start,
            "period_end": latest.period.end,
            "period_label": latest.period.label,
            "value": str(latest.value),
        }

    def get_latest_status(self, obj) -> str | None:
        return self._state(obj).evaluation.gap_status

    def get_target_now(self, obj) -> str | None:
        target = self._state(obj).evaluation.target
        return None if target is None else str(round(target, 4))

    def get_shortfall(self, obj) -> str | None:
        gap = self._state(obj).evaluation.shortfall
        return None if gap is None else str(round(gap, 1))

    def get_due_periods(self, obj) -> list[str]:
        return [p.label for p in self._state(obj).evaluation.due]


class KpiWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a KPI (the organization only on create)."""

    organization_code = serializers.CharField(required=False, help_text="団体コード(登録時)")
    code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    name = serializers.CharField(max_length=200)
    definition = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=20)
    kind = serializers.ChoiceField(KpiKind.choices, required=False)
    direction = serializers.ChoiceField(Direction.choices, required=False)
    data_source = serializers.CharField(required=False, allow_blank=True, max_length=300)
    owner_username = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    owner_department = serializers.IntegerField(required=False, allow_null=True)
    frequency = serializers.ChoiceField(Frequency.choices, required=False)
    baseline_value = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )
    baseline_date = serializers.DateField(required=False, allow_null=True)
    at_risk_threshold = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    off_track_threshold = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    grace_days = serializers.IntegerField(required=False, min_value=0, max_value=366)
    stall_periods = serializers.IntegerField(required=False, min_value=0, max_value=60)
    is_active = serializers.BooleanField(required=False)
    measures = serializers.ListField(child=serializers.IntegerField(), required=False)
    targets = TargetSerializer(many=True, required=False)


class KpiFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    department = filters.NumberFilter(field_name="owner_department_id", label="担当部署のID")
    measure = filters.NumberFilter(field_name="kpimeasure__measure_id", label="施策のID")

    class Meta:
        model = Kpi
        fields = ["organization", "department", "measure", "is_active", "kind", "frequency"]


class KpiViewSet(viewsets.ModelViewSet):
    """見られる団体のKPI。状況(status)は目標の経路と最新の実績から計算した値です。
    登録・変更・削除は団体の管理者・職員だけで、画面と同じ検証です(実績のあるKPIは削除できず、
    is_active を false にします)。"""

    access_rule = LOGIN
    serializer_class = KpiSerializer
    filterset_class = KpiFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            queries.visible_kpis(self.request.user)
            .select_related("organization", "owner_user", "owner_department")
            .prefetch_related("targets", Prefetch("kpimeasure_set", KpiMeasure.objects.all()))
            .order_by("organization__code", "code", "name", "pk")
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"states": getattr(self, "_states", {})}

    def _with_states(self, kpis):
        self._states = {s.kpi.pk: s for s in queries.states(kpis)}
        return kpis

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        kpis = self._with_states(list(page if page is not None else queryset))
        data = self.get_serializer(kpis, many=True).data
        return self.get_paginated_response(data) if page is not None else APIResponse(data)

    def retrieve(self, request, *args, **kwargs):
        kpi = self.get_object()
        self._with_states([kpi])
        return APIResponse(self.get_serializer(kpi).data)

    def _fresh(self, kpi, code=status.HTTP_200_OK):
        kpi = self.get_queryset().get(pk=kpi.pk)
        self._with_states([kpi])
        return APIResponse(self.get_serializer(kpi).data, status=code)

    @extend_schema(request=KpiWriteSerializer, responses={201: KpiSerializer, 400: ERROR})
    def create(self, request, *args, **kwargs):
        given = validated(KpiWriteSerializer(data=request.data))
        organization = Organization.objects.filter(code=given.pop("organization_code", "")).first()
        if organization is None or not access.can(request.user, "view", organization):
            return bad_request(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        if not access.can(request.user, "change", organization):
            raise exceptions.PermissionDenied(_("この団体のKPIを登録する権限がありません。"))
        try:
            values = _kpi_values(organization, given)
            kpi = services.save_kpi(acting_user=request.user, organization=organization, **values)
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(kpi, status.HTTP_201_CREATED)

    @extend_schema(request=KpiWriteSerializer, responses={200: KpiSerializer, 400: ERROR})
    def update(self, request, *args, **kwargs):
        kpi = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(KpiWriteSerializer(data=request.data, partial=partial))
        given.pop("organization_code", None)
        _require_definition_right(request.user, kpi)
        try:
            values = _kpi_values(kpi.organization, given)
            services.save_kpi(
                acting_user=request.user, organization=kpi.organization, kpi=kpi, **values
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(kpi)

    @extend_schema(responses={204: None, 400: ERROR})
    def destroy(self, request, *args, **kwargs):
        kpi = self.get_object()
        _require_definition_right(request.user, kpi)
        try:
            services.delete_kpi(acting_user=request.user, kpi=kpi)
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(status=status.HTTP_204_NO_CONTENT)


def _require_definition_right(user, kpi) -> None:
    if not access.can(user, "change", kpi.organization):
        raise exceptions.PermissionDenied(
            _(
                "KPIの定義を変えられるのは、団体の管理者・職員だけです"
                "(実績は kpi-actuals で入力します)。"
            )
        )


def _kpi_values(organization, given: dict) -> dict:
    values = dict(given)
    if "owner_username" in values:
        username = values.pop("owner_username") or ""
        values["owner_user"] = _member(organization, username) if username else None
    if "owner_department" in values:
        pk = values.pop("owner_department")
        values["owner_department"] = _department(organization, pk) if pk else None
    if "measures" in values:
        ids = values.pop("measures")
        found = list(
            Measure.objects.filter(pk__in=ids, plan__organization=organization).select_related(
                "plan"
            )
        )
        if len(found) != len(set(ids)):
            raise ServiceError(_("measures には、この団体の計画の施策のIDを指定してください。"))
        values["measures"] = found
    if "targets" in values:
        values["targets"] = [
            services.TargetInput(t["date"], t["value"], t.get("fiscal_year"))
            for t in values.pop("targets")
        ]
    return values


def _member(organization, username: str):
    from django.contrib.auth import get_user_model

    # Only the organization's own staff: the answer must not tell whether a login ID exists
    # elsewhere.
    user = (
        get_user_model()
        .objects.filter(
            username=username,
            memberships__organization=organization,
            memberships__is_active=True,
        )
        .first()
    )
    if user is None:
        raise ServiceError(_("担当者のログインID「%(u)s」が見つかりません。") % {"u": username})
    return user


def _department(organization, pk: int):
    found = Department.objects.filter(pk=pk, organization=organization).first()
    if found is None:
        raise ServiceError(_("担当部署はこの団体の部署のIDを指定してください。"))
    return found


# --- actuals ----------------------------------------------------------------------------------


class ActualSerializer(serializers.ModelSerializer):
    kpi_name = serializers.CharField(source="kpi.name", read_only=True)
    organization_code = serializers.CharField(source="kpi.organization.code", read_only=True)
    period_label = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField()
    file_name = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="根拠資料のダウンロード(画面の機能。ブラウザーでログインして使います)"
    )

    class Meta:
        model = KpiActual
        fields = [
            "id",
            "kpi",
            "kpi_name",
            "organization_code",
            "period_start",
            "period_end",
            "period_label",
            "value",
            "comment",
            "version",
            "is_current",
            "source",
            "recorded_by",
            "recorded_at",
            "file_name",
            "download_url",
        ]
        read_only_fields = fields

    def get_period_label(self, obj) -> str:
        return obj.period.label

    def get_recorded_by(self, obj) -> str | None:
        return obj.recorded_by.username if obj.recorded_by_id else None

    def get_download_url(self, obj) -> str | None:
        if not obj.file:
            return None
        from django.urls import reverse

        return reverse(
            "monitoring:actual_file", args=[obj.kpi.organization.code, obj.kpi_id, obj.pk]
        )


class ActualFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="kpi__organization__code", label="団体コード")
    since = filters.DateFilter(field_name="period_start", lookup_expr="gte", label="期間の初日以降")
    until = filters.DateFilter(field_name="period_end", lookup_expr="lte", label="期間の末日以前")
    all_versions = filters.BooleanFilter(
        method="filter_versions", label="修正前の版も返す(既定は最新の版だけ)"
    )

    class Meta:
        model = KpiActual
        fields = ["kpi", "organization", "since", "until", "all_versions"]

    def filter_versions(self, queryset, name, value):
        return queryset  # applied in `qs`, so leaving it out also means "current only"

    @property
    def qs(self):
        found = super().qs
        if not self.form.cleaned_data.get("all_versions"):
            found = found.filter(is_current=True)
        return found


ACTUAL_INPUT = inline_serializer(
    "KpiActualInput",
    {
        "kpi": serializers.IntegerField(),
        "period": serializers.CharField(
            help_text="期間: 「令和7年4月」「2025-04」「令和7年度 Q1」「令和7年度 上期」"
            "「令和7年度」、または期間内の日付"
        ),
        "value": serializers.CharField(help_text="実績値(達成・未達成は はい/いいえ、1/0)"),
        "comment": serializers.CharField(required=False),
    },
)


class ActualViewSet(viewsets.ReadOnlyModelViewSet):
    """見られるKPIの実績(既定は最新の版だけ)。POST で1期間の実績を記録・修正します
    (画面と同じ検証。修正は新しい版になり、前の版は all_versions=true で読めます)。"""

    access_rule = LOGIN
    serializer_class = ActualSerializer
    filterset_class = ActualFilter

    def get_queryset(self):
        return (
            queries.visible_actuals(self.request.user)
            .select_related("kpi__organization", "recorded_by")
            .order_by("kpi_id", "period_start", "-version")
        )

    @extend_schema(
        request=ACTUAL_INPUT,
        responses={200: ActualSerializer, 201: ActualSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        kpi = _visible_kpi(request.user, data.get("kpi"))
        if not services.can_record(request.user, kpi):
            raise exceptions.PermissionDenied(
                _(
                    "このKPIの実績を入力できるのは、担当者、担当部署の職員と団体の管理者・職員だけです。"
                )
            )
        try:
            period = periods.parse_period(kpi.frequency, data.get("period", ""))
            value = excel.parse_value(kpi, data.get("value", ""))
        except ValueError as exc:
            return bad_request(str(exc))
        try:
            done = services.record_actual(
                acting_user=request.user,
                kpi=kpi,
                period=period,
                value=value,
                comment=str(data.get("comment", "")),
                source="api",
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        code = status.HTTP_200_OK if done.change == "unchanged" else status.HTTP_201_CREATED
        actual = self.get_queryset().get(pk=done.actual.pk)
        return APIResponse(self.get_serializer(actual).data, status=code)


def _visible_kpi(user, value) -> Kpi:
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise exceptions.ValidationError(
            {"detail": _("kpi にKPIのIDを指定してください。")}
        ) from None
    kpi = queries.visible_kpis(user).select_related("organization").filter(pk=pk).first()
    if kpi is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return kpi
