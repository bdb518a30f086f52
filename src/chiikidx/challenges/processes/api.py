"""REST API of the process inventory: `/api/v1/processes/` (a process with its figures and, one
by one, its steps with their improvement candidates) and `/api/v1/processes/analysis/` (an
organization's shared steps, candidates and staff time per step type and medium, as on the
analysis page). Read by whoever sees the organization; created and changed by its staff and by
the 原課担当 of the process's department, through the same services (and so the same checks
and messages) as the pages. Steps are written as a whole list: `steps` replaces them (an item
with the `id` of an existing step changes it; a step not listed is deleted)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.models import Department, Organization
from chiikidx.core.services import ServiceError

from ..choices import Medium, Performer, StepType
from ..models import Process
from . import analysis, queries, services

ERROR = inline_serializer("ProcessError", {"detail": serializers.CharField()})


def _decimal(value) -> str:
    return str(analysis.one_place(value) + 0)  # + 0: no "-0.0"


# --- what the API returns -------------------------------------------------------------------


class ProcessCandidateSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="paper_transcription(紙からの転記)・rekeying(紙の内容の再入力)・"
        "handwriting(住民の手書き)・in_person_only(窓口に来るしかない手順)"
    )
    label = serializers.CharField()
    remedy = serializers.CharField(help_text="改善の方向")
    reason = serializers.CharField()
    staff_minutes_year = serializers.CharField(help_text="減らせる職員の年間時間(分、最大)")
    resident_minutes_year = serializers.CharField(help_text="住民・事業者の年間時間(分)")


class ProcessStepOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    step_type = serializers.ChoiceField(StepType.choices)
    step_type_label = serializers.CharField()
    medium = serializers.ChoiceField(Medium.choices)
    medium_label = serializers.CharField()
    minutes = serializers.CharField(help_text="1件あたりの時間(分)")
    performer = serializers.ChoiceField(Performer.choices)
    performer_label = serializers.CharField()
    performer_note = serializers.CharField()
    staff_minutes_year = serializers.CharField(help_text="職員の年間時間(分): 職員の手順だけ")
    candidate = ProcessCandidateSerializer(allow_null=True)
    challenge = serializers.IntegerField(
        allow_null=True, help_text="この手順から作った課題のID(見られるもの)"
    )


class ProcessFiguresSerializer(serializers.Serializer):
    steps = serializers.IntegerField()
    staff_minutes = serializers.CharField(help_text="職員の時間(分/件)")
    staff_minutes_year = serializers.CharField(help_text="職員の年間時間(分)")
    staff_hours_year = serializers.CharField(help_text="職員の年間時間(時間、小数1桁)")
    resident_minutes = serializers.CharField(help_text="住民・事業者の時間(分/件)")
    paper_steps = serializers.IntegerField()
    in_person_steps = serializers.IntegerField()
    digital_steps = serializers.IntegerField()


class ProcessOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_code = serializers.CharField()
    name = serializers.CharField()
    common_name = serializers.CharField(help_text="比較用の標準名")
    department = serializers.IntegerField(allow_null=True, help_text="部署のID")
    department_name = serializers.CharField(allow_null=True)
    annual_volume = serializers.IntegerField(help_text="年間件数")
    description = serializers.CharField()
    figures = ProcessFiguresSerializer()
    candidate_count = serializers.IntegerField()


class ProcessDetailSerializer(ProcessOutSerializer):
    steps = ProcessStepOutSerializer(many=True)


class ProcessTotalSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    steps = serializers.IntegerField(help_text="職員が行う手順の数")
    staff_minutes_year = serializers.CharField(help_text="職員の年間時間(分)")
    share = serializers.CharField(help_text="割合(%)")


class ProcessAnalysisCandidateSerializer(serializers.Serializer):
    process = serializers.IntegerField()
    process_name = serializers.CharField()
    step = serializers.IntegerField()
    step_name = serializers.CharField()
    candidate = ProcessCandidateSerializer()


class ProcessSharedStepSerializer(serializers.Serializer):
    step_type = serializers.ChoiceField(StepType.choices)
    name = serializers.CharField(help_text="いちばん多い書き方")
    names = serializers.ListField(child=serializers.CharField(), help_text="書き方の違い")
    processes = serializers.ListField(child=serializers.IntegerField(), help_text="業務のID")
    staff_minutes_year = serializers.CharField()


class ProcessAnalysisSerializer(serializers.Serializer):
    organization_code = serializers.CharField()
    figures = ProcessFiguresSerializer()
    candidates = ProcessAnalysisCandidateSerializer(many=True)
    shared_steps = ProcessSharedStepSerializer(many=True)
    by_step_type = ProcessTotalSerializer(many=True)
    by_medium = ProcessTotalSerializer(many=True)


def figures_data(f: analysis.Figures) -> dict:
    return {
        "steps": f.steps,
        "staff_minutes": _decimal(f.staff_minutes),
        "staff_minutes_year": _decimal(f.staff_minutes_year),
        "staff_hours_year": _decimal(f.staff_hours_year),
        "resident_minutes": _decimal(f.resident_minutes),
        "paper_steps": f.paper_steps,
        "in_person_steps": f.in_person_steps,
        "digital_steps": f.digital_steps,
    }


def candidate_data(c: analysis.Candidate | None) -> dict | None:
    if c is None:
        return None
    return {
        "kind": c.kind,
        "label": c.label,
        "remedy": c.remedy,
        "reason": c.reason,
        "staff_minutes_year": _decimal(c.staff_minutes_year),
        "resident_minutes_year": _decimal(c.resident_minutes_year),
    }


def summary_data(process: Process, data: analysis.ProcessData) -> dict:
    return {
        "id": process.pk,
        "organization_code": process.organization.code,
        "name": process.name,
        "common_name": process.common_name,
        "department": process.department_id,
        "department_name": process.department.name if process.department_id else None,
        "annual_volume": process.annual_volume,
        "description": process.description,
        "figures": figures_data(analysis.figures(data)),
        "candidate_count": len(analysis.candidates(data)),
    }


def step_data(step: analysis.StepData, volume: int, candidate, challenge) -> dict:
    return {
        "id": step.id,
        "order": step.order,
        "name": step.name,
        "step_type": step.step_type,
        "step_type_label": step.type_label,
        "medium": step.medium,
        "medium_label": step.medium_label,
        "minutes": _decimal(step.minutes),
        "performer": step.performer,
        "performer_label": step.performer_label,
        "performer_note": step.performer_note,
        "staff_minutes_year": _decimal(analysis.staff_minutes_year(step, volume)),
        "candidate": candidate_data(candidate),
        "challenge": challenge.pk if challenge else None,
    }


# --- what a client sends --------------------------------------------------------------------


class ProcessStepInSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True, help_text="今の手順のID")
    name = serializers.CharField(max_length=200)
    step_type = serializers.ChoiceField(StepType.choices)
    medium = serializers.ChoiceField(Medium.choices)
    minutes = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, help_text="分/件"
    )
    performer = serializers.ChoiceField(Performer.choices, required=False)
    performer_note = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ProcessInSerializer(serializers.Serializer):
    organization_code = serializers.CharField(required=False, help_text="団体コード(登録時)")
    name = serializers.CharField(max_length=200)
    common_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department = serializers.IntegerField(
        required=False, allow_null=True, help_text="部署のID(原課担当は自分の部署)"
    )
    annual_volume = serializers.IntegerField(min_value=0, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    steps = ProcessStepInSerializer(
        many=True, required=False, help_text="手順の全体(送ると、この並びで置き換え)"
    )


def _step_inputs(rows: list[dict]) -> list[services.StepInput]:
    return [
        services.StepInput(
            id=row.get("id"),
            name=row["name"],
            step_type=row["step_type"],
            medium=row["medium"],
            minutes=row.get("minutes", 0),
            performer=row.get("performer") or Performer.STAFF,
            performer_note=row.get("performer_note", ""),
        )
        for row in rows
    ]


def _values(organization, given: dict) -> dict:
    values = {k: v for k, v in given.items() if k in services.PROCESS_FIELDS}
    if "department" in values:
        pk = values["department"]
        found = None
        if pk is not None:
            found = Department.objects.filter(pk=pk, organization=organization).first()
            if found is None:
                raise ServiceError(_("department には、この団体の部署のIDを指定してください。"))
        values["department"] = found
    return values


class ProcessFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    common_name = filters.CharFilter(label="比較用の標準名")

    class Meta:
        model = Process
        fields = ["organization", "department", "common_name"]


# --- the viewset ----------------------------------------------------------------------------


class ProcessViewSet(viewsets.ModelViewSet):
    """見られる団体の業務プロセス。一覧では業務ごとの数字(手順の数、職員の時間、改善の候補の数)、
    1件の取得では手順(種類・媒体・時間・行う人、改善の候補、作った課題)も返します。登録と変更は
    団体の管理者・職員と、業務の部署の原課担当で、画面と同じ検証です。`steps` を送ると手順を
    その並びで置き換えます(今の手順は id で指定、送らなかった手順は削除)。"""

    access_rule = LOGIN
    serializer_class = ProcessOutSerializer
    filterset_class = ProcessFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            queries.visible_processes(self.request.user)
            .select_related("organization", "department")
            .order_by("organization__code", "name", "pk")
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        pairs = queries.with_data(page if page is not None else queryset)
        data = ProcessOutSerializer([summary_data(p, d) for p, d in pairs], many=True).data
        return self.get_paginated_response(data) if page is not None else APIResponse(data)

    @extend_schema(responses=ProcessDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, process, code=status.HTTP_200_OK):
        process = self.get_queryset().get(pk=process.pk)
        _steps, data = queries.one_with_data(process)
        found = {c.step.id: c for c in analysis.candidates(data)}
        made = queries.challenges_by_step(self.request.user, [s.id for s in data.steps])
        body = summary_data(process, data) | {
            "steps": [
                step_data(s, data.annual_volume, found.get(s.id), made.get(s.id))
                for s in data.steps
            ]
        }
        return APIResponse(ProcessDetailSerializer(body).data, status=code)

    @extend_schema(
        request=ProcessInSerializer,
        responses={201: ProcessDetailSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        organization = Organization.objects.filter(
            code=str(data.get("organization_code") or "")
        ).first()
        if organization is None or not access.can(request.user, "view", organization):
            return bad_request(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        if not services.can_create(request.user, organization):
            raise exceptions.PermissionDenied(
                _("この団体の業務プロセスを登録する権限がありません。")
            )
        given = validated(ProcessInSerializer(data=request.data))
        try:
            values = _values(organization, given)
            steps = _step_inputs(given["steps"]) if "steps" in given else None
            process = services.create_process(
                acting_user=request.user, organization=organization, steps=steps, **values
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._detail(process, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProcessInSerializer,
        responses={200: ProcessDetailSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request, *args, **kwargs):
        process = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(ProcessInSerializer(data=request.data, partial=partial))
        try:
            with transaction.atomic():  # the fields and the steps are saved together or not at all
                values = _values(process.organization, given)
                if values:
                    services.update_process(acting_user=request.user, process=process, **values)
                if "steps" in given:
                    steps = _step_inputs(given["steps"])
                    services.save_steps(acting_user=request.user, process=process, steps=steps)
        except ServiceError as refused:
            process.refresh_from_db()
            return bad_request(refused)
        return self._detail(process)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organization", str, description="団体コード(6桁)。省略すると見られる団体すべて"
            )
        ],
        responses={200: ProcessAnalysisSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def analysis(self, request):
        """業務プロセスのある団体ごとの分析(団体コード順): 職員の年間時間、改善の候補(減らせる
        職員の時間の多い順)、複数の業務にある手順、手順の種類別・媒体別の職員の年間時間。"""
        found = self.get_queryset()
        code = request.query_params.get("organization", "")
        if code:
            found = found.filter(organization__code=code)
        by_organization: dict = {}
        for process, data in queries.with_data(found):
            by_organization.setdefault(process.organization, []).append(data)
        body = [analysis_data(org, data) for org, data in by_organization.items()]
        return APIResponse(ProcessAnalysisSerializer(body, many=True).data)


def analysis_data(organization, data: list[analysis.ProcessData]) -> dict:
    def totals(attribute):
        return [
            {
                "key": t.key,
                "label": t.label,
                "steps": t.steps,
                "staff_minutes_year": _decimal(t.staff_minutes_year),
                "share": _decimal(t.share),
            }
            for t in analysis.totals_by(data, attribute)
        ]

    return {
        "organization_code": organization.code,
        "figures": figures_data(analysis.total_figures(data)),
        "candidates": [
            {
                "process": c.process.id,
                "process_name": c.process.name,
                "step": c.step.id,
                "step_name": c.step.name,
                "candidate": candidate_data(c),
            }
            for c in analysis.all_candidates(data)
        ],
        "shared_steps": [
            {
                "step_type": s.step_type,
                "name": s.name,
                "names": s.names,
                "processes": [p.id for p in s.processes],
                "staff_minutes_year": _decimal(s.staff_minutes_year),
            }
            for s in analysis.shared_steps(data)
        ],
        "by_step_type": totals("step_type"),
        "by_medium": totals("medium"),
    }


def register(router) -> None:
    """Adds this part's viewsets to the project's router."""
    router.register("processes", ProcessViewSet, basename="process")
