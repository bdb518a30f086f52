"""REST API of cost-effectiveness cases (費用対効果の試算): the inputs, the adoption rows and the
computed results (each scenario's 年度 and totals, and the realised counts), read by whoever
may see the organization; created, changed and deleted by its staff through the same service
and checks as the page. Amounts are yen rounded half up to whole yen, hours and shares to
two decimals (the page rounds further for display)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import validated
from chiikidx.core.models import Organization
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Measure

from . import cost_queries, cost_services
from .choices import CostKind
from .cost_services import AdoptionInput
from .costs import FISCAL_MONTHS, SCENARIOS
from .models import CostCase, Kpi

ERROR = inline_serializer(
    "CostCaseError",
    {
        "detail": serializers.CharField(),
        "field": serializers.CharField(allow_null=True, help_text="誤りのある項目(あれば)"),
    },
)
INPUT_FIELDS = list(cost_services.NUMBER_FIELDS)


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP) + 0)


def _fine(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) + 0)


class AdoptionSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(help_text="年度(2025 = 令和7年度)")
    low = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="低位(%)")
    base = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="基準(%)")
    high = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="高位(%)")


class YearOutSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    adoption = serializers.CharField(allow_null=True, help_text="普及率(%)")
    months = serializers.ListField(
        child=serializers.IntegerField(), help_text="計算に入れた月(実績の途中の年度は一部)"
    )
    moved = serializers.CharField(help_text="移る件数")
    resident_hours = serializers.CharField()
    resident_yen = serializers.CharField()
    staff_hours = serializers.CharField()
    staff_yen = serializers.CharField()
    cost = serializers.CharField()
    net = serializers.CharField(help_text="純便益(円)")
    cumulative_net = serializers.CharField()
    internal = serializers.CharField(help_text="行政内部だけの効果(職員の便益 − 費用)")
    present_value = serializers.CharField(help_text="純便益 ÷ (1 + 割引率)^t")


class SeriesOutSerializer(serializers.Serializer):
    years = YearOutSerializer(many=True)
    moved = serializers.CharField()
    resident_hours = serializers.CharField()
    resident_yen = serializers.CharField()
    staff_hours = serializers.CharField()
    staff_yen = serializers.CharField()
    cost = serializers.CharField()
    net = serializers.CharField()
    internal = serializers.CharField()
    npv = serializers.CharField(help_text="正味現在価値(円)")
    internal_npv = serializers.CharField()
    payback_fy = serializers.IntegerField(
        allow_null=True, help_text="回収年度(null: 期間内に回収できない)"
    )
    internal_payback_fy = serializers.IntegerField(allow_null=True)


class ProjectionOutSerializer(serializers.Serializer):
    low = SeriesOutSerializer()
    base = SeriesOutSerializer()
    high = SeriesOutSerializer()


def _series(found, result, realised: bool) -> dict:
    years = []
    for year, cumulative in zip(result.years, result.cumulative, strict=True):
        if realised:
            counted = found.counted[year.fiscal_year]
            adoption = counted.adoption(found.inputs.annual_procedures)
            months = list(counted.months)
        else:
            adoption = None
            months = list(FISCAL_MONTHS)
        years.append(
            {
                "fiscal_year": year.fiscal_year,
                "adoption": _fine(adoption),
                "months": months,
                "moved": _fine(year.moved),
                "resident_hours": _fine(year.resident_hours),
                "resident_yen": _money(year.resident_yen),
                "staff_hours": _fine(year.staff_hours),
                "staff_yen": _money(year.staff_yen),
                "cost": _money(year.cost),
                "net": _money(year.net),
                "cumulative_net": _money(cumulative),
                "internal": _money(year.internal),
                "present_value": _money(year.present_value),
            }
        )
    return {
        "years": years,
        "moved": _fine(result.moved),
        "resident_hours": _fine(result.resident_hours),
        "resident_yen": _money(result.resident_yen),
        "staff_hours": _fine(result.staff_hours),
        "staff_yen": _money(result.staff_yen),
        "cost": _money(result.cost),
        "net": _money(result.net),
        "internal": _money(result.internal),
        "npv": _money(result.npv),
        "internal_npv": _money(result.internal_npv),
        "payback_fy": result.payback_fy,
        "internal_payback_fy": result.internal_payback_fy,
    }


class CostCaseSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    measure_title = serializers.CharField(source="measure.title", read_only=True)
    plan = serializers.IntegerField(source="measure.plan_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    years = serializers.SerializerMethodField(help_text="試算の年度(最初から最後まで)")
    adoption = serializers.SerializerMethodField()
    projection = serializers.SerializerMethodField(help_text="低位・基準・高位の見込み")
    realised = serializers.SerializerMethodField(
        help_text="KPIの実績の件数で計算した結果(KPIがなければ null)"
    )

    class Meta:
        model = CostCase
        fields = [
            "id",
            "organization_code",
            "measure",
            "measure_title",
            "plan",
            "kind",
            "kind_label",
            "procedure",
            "note",
            *INPUT_FIELDS,
            "first_fy",
            "last_fy",
            "years",
            "kpi",
            "adoption",
            "projection",
            "realised",
        ]
        read_only_fields = fields

    def _found(self, obj):
        return self.context["results"][obj.pk]

    def get_years(self, obj) -> list[int]:
        return list(self._found(obj).inputs.years)

    @extend_schema_field(AdoptionSerializer(many=True))
    def get_adoption(self, obj) -> list:
        return [
            {
                "fiscal_year": a.fiscal_year,
                "low": str(a.low),
                "base": str(a.base),
                "high": str(a.high),
            }
            for a in obj.adoption.all()
        ]

    @extend_schema_field(ProjectionOutSerializer)
    def get_projection(self, obj) -> dict:
        found = self._found(obj)
        return {name: _series(found, found.scenarios[name], False) for name in SCENARIOS}

    @extend_schema_field(SeriesOutSerializer(allow_null=True))
    def get_realised(self, obj):
        found = self._found(obj)
        return None if found.realised is None else _series(found, found.realised, True)


class CostCaseWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a case (the organization only on create)."""

    organization_code = serializers.CharField(required=False, help_text="団体コード(登録時)")
    measure = serializers.IntegerField(required=False, help_text="施策のID")
    kind = serializers.ChoiceField(CostKind.choices, required=False)
    procedure = serializers.CharField(required=False, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True)
    annual_procedures = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    travel_minutes = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    waiting_minutes = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    filling_minutes = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    travel_cost = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    postage = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    time_value = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    staff_minutes = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    staff_hourly_cost = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    initial_cost = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    running_cost = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    discount_rate = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True
    )
    first_fy = serializers.IntegerField(required=False, allow_null=True)
    last_fy = serializers.IntegerField(required=False, allow_null=True)
    kpi = serializers.IntegerField(required=False, allow_null=True, help_text="実績に使うKPIのID")
    adoption = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="年度ごとの普及率(送ると置き換え)"
    )


class CostCaseFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    plan = filters.NumberFilter(field_name="measure__plan_id", label="計画のID")

    class Meta:
        model = CostCase
        fields = ["organization", "measure", "plan", "kind", "kpi"]


class CostCaseViewSet(viewsets.ModelViewSet):
    """見られる団体の費用対効果の試算。入力値と普及率に加えて、低位・基準・高位の見込み
    (年度別と合計、NPV、回収年度)と、実績に使うKPIの実績の件数で計算した結果を返します。
    登録・変更・削除は団体の管理者・職員だけで、画面と同じ検証です。"""

    access_rule = LOGIN
    serializer_class = CostCaseSerializer
    filterset_class = CostCaseFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            cost_queries.visible_cases(self.request.user)
            .select_related("organization", "measure__plan", "kpi")
            .prefetch_related("adoption")
            .order_by("organization__code", "measure__plan_id", "procedure", "pk")
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"results": getattr(self, "_results", {})}

    def _computed(self, cases):
        self._results = {r.case.pk: r for r in cost_queries.results(cases)}
        return cases

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        cases = self._computed(list(page if page is not None else queryset))
        data = self.get_serializer(cases, many=True).data
        return self.get_paginated_response(data) if page is not None else APIResponse(data)

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        self._computed([case])
        return APIResponse(self.get_serializer(case).data)

    def _fresh(self, case, code=status.HTTP_200_OK):
        case = self.get_queryset().get(pk=case.pk)
        self._computed([case])
        return APIResponse(self.get_serializer(case).data, status=code)

    @extend_schema(request=CostCaseWriteSerializer, responses={201: CostCaseSerializer, 400: ERROR})
    def create(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        code = str(data.get("organization_code") or "")
        organization = Organization.objects.filter(code=code).first()
        if organization is None or not access.can(request.user, "view", organization):
            return _bad(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        if not access.can(request.user, "change", organization):
            raise exceptions.PermissionDenied(
                _("この団体の費用対効果の試算を登録する権限がありません。")
            )
        given = validated(CostCaseWriteSerializer(data=request.data))
        given.pop("organization_code", None)
        try:
            values = _values(organization, given)
            case = cost_services.save_cost_case(
                acting_user=request.user, organization=organization, **values
            )
        except ServiceError as refused:
            return _bad(refused)
        return self._fresh(case, status.HTTP_201_CREATED)

    @extend_schema(request=CostCaseWriteSerializer, responses={200: CostCaseSerializer, 400: ERROR})
    def update(self, request, *args, **kwargs):
        case = self.get_object()
        given = validated(
            CostCaseWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        )
        given.pop("organization_code", None)
        try:
            values = _values(case.organization, given)
            cost_services.save_cost_case(
                acting_user=request.user, organization=case.organization, case=case, **values
            )
        except ServiceError as refused:
            return _bad(refused)
        return self._fresh(case)

    @extend_schema(responses={204: None, 400: ERROR})
    def destroy(self, request, *args, **kwargs):
        case = self.get_object()
        try:
            cost_services.delete_cost_case(acting_user=request.user, case=case)
        except ServiceError as refused:
            return _bad(refused)
        return APIResponse(status=status.HTTP_204_NO_CONTENT)


def _values(organization, given: dict) -> dict:
    values = dict(given)
    if "measure" in values:
        found = (
            Measure.objects.filter(pk=values["measure"], plan__organization=organization)
            .select_related("plan")
            .first()
        )
        if found is None:
            raise cost_services.CaseError(
                _("measure には、この団体の計画の施策のIDを指定してください。"), "measure"
            )
        values["measure"] = found
    if values.get("kpi") is not None:
        found = Kpi.objects.filter(pk=values["kpi"], organization=organization).first()
        if found is None:
            raise cost_services.CaseError(
                _("kpi には、この団体のKPIのIDを指定してください。"), "kpi"
            )
        values["kpi"] = found
    if "adoption" in values:
        values["adoption"] = [_adoption(row) for row in values.pop("adoption")]
    return values


def _adoption(row: dict) -> AdoptionInput:
    try:
        fy = int(row.get("fiscal_year"))
        shares = [None if row.get(k) is None else Decimal(str(row[k])) for k in SCENARIOS]
        if any(v is not None and not v.is_finite() for v in shares):
            raise ValueError
    except (TypeError, ValueError, ArithmeticError):
        raise cost_services.CaseError(
            _(
                'adoption の各行は {"fiscal_year": 2025, "low": 10, "base": 20, "high": 30}'
                " のように、年度と低位・基準・高位の普及率(%)を指定してください。"
            ),
            "adoption",
        ) from None
    return AdoptionInput(fy, *shares)


def _bad(refused) -> APIResponse:
    body = {"detail": str(refused), "field": getattr(refused, "field", None)}
    return APIResponse(body, status=status.HTTP_400_BAD_REQUEST)
