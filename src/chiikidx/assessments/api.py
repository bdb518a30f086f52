"""REST API of the assessments app: frameworks, responses with answers and scores, and the
response workflow (answer, submit, review) with the same validation as the browser."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core.access import LOGIN
from chiikidx.core.services import ServiceError

from . import frameworks, overview, queries, services
from .definition import to_data
from .models import EvidenceFile, Framework, FrameworkVersion, Response, Round


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameworkVersion
        fields = ["id", "number", "status", "published_at", "change_note"]


class FrameworkSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = [
            "id",
            "organization_code",
            "code",
            "title",
            "description",
            "source",
            "based_on",
            "versions",
        ]


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """評価フレームワークと版。`definition` で版の設問・採点方法をすべて取得できます。"""

    access_rule = LOGIN
    serializer_class = FrameworkSerializer

    def get_queryset(self):
        return (
            Framework.objects.visible_to(self.request.user)
            .select_related("organization")
            .prefetch_related("versions")
            .order_by("organization__code", "code")
        )

    @extend_schema(
        responses=inline_serializer("FrameworkDefinition", {"definition": serializers.DictField()})
    )
    @action(detail=True, url_path=r"versions/(?P<number>\d+)/definition")
    def definition(self, request, pk=None, number=None):
        version = self.get_object().versions.filter(number=number).first()
        if version is None:
            return APIResponse(
                {"detail": _("その版はありません。")}, status=status.HTTP_404_NOT_FOUND
            )
        return APIResponse({"definition": to_data(frameworks.definition_of(version))})


class RoundSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    framework_code = serializers.CharField(source="version.framework.code", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    total = serializers.IntegerField(read_only=True)
    done = serializers.IntegerField(read_only=True, help_text="提出済み・受理の回答数")

    class Meta:
        model = Round
        fields = [
            "id",
            "organization_code",
            "title",
            "fiscal_year",
            "opens_on",
            "due_on",
            "status",
            "status_reason",
            "framework_code",
            "version_number",
            "total",
            "done",
        ]


class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """県が送った調査回。`overview` で市町村 × 観点のスコアと平均を取得できます。"""

    access_rule = LOGIN
    serializer_class = RoundSerializer

    def get_queryset(self):
        return queries.with_counts(
            Round.objects.visible_to(self.request.user).select_related(
                "organization", "version__framework"
            )
        ).order_by("organization__code", "-opens_on")

    @extend_schema(
        responses=inline_serializer(
            "RoundOverview",
            {
                "dimensions": serializers.ListField(child=serializers.DictField()),
                "rows": serializers.ListField(child=serializers.DictField()),
                "averages": serializers.DictField(),
            },
        )
    )
    @action(detail=True)
    def overview(self, request, pk=None):
        """提出済み・受理の回答の、市町村ごとの総合・観点別スコアと観点別の平均(画面の一覧と同じ)。"""
        survey = self.get_object()
        definition = frameworks.cached_definition(survey.version)
        built = overview.build(definition, survey, request.user)
        axes = built["axes"]
        means = overview.averages(len(axes), built["rows"])
        return APIResponse(
            {
                "dimensions": [{"code": a.code, "title": a.title} for a in axes],
                "rows": [
                    {
                        "response": r.id,
                        "organization_code": r.code,
                        "name": r.name,
                        "peer_group": r.peer_group,
                        "region": r.region,
                        "overall_score": _decimal(r.overall),
                        "change": _decimal(r.change),
                        "scores": {
                            a.code: _decimal(v) for a, v in zip(axes, r.scores, strict=True)
                        },
                    }
                    for r in built["rows"]
                ],
                "averages": {a.code: _decimal(v) for a, v in zip(axes, means, strict=True)},
            }
        )


def _decimal(value: float | None) -> str | None:
    """Scores as decimal strings with two places, like `overall_score` of responses."""
    return None if value is None else f"{value:.2f}"


class EvidenceFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "question_code",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        """The file through the response page's download (a logged-in browser session)."""
        url = reverse(
            "assessments:evidence_download",
            kwargs={
                "lgcode": obj.response.organization.code,
                "response_id": obj.response_id,
                "file_id": obj.pk,
            },
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ResponseSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    round_title = serializers.CharField(source="round.title", read_only=True)
    framework_code = serializers.CharField(source="round.version.framework.code", read_only=True)
    version_number = serializers.IntegerField(source="round.version.number", read_only=True)
    due_on = serializers.DateField(source="round.due_on", read_only=True)
    answers = serializers.SerializerMethodField()
    evidence_files = EvidenceFileSerializer(many=True, read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id",
            "organization_code",
            "round",
            "round_title",
            "framework_code",
            "version_number",
            "due_on",
            "status",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "overall_score",
            "answers",
            "evidence_files",
            "scores",
        ]

    def get_answers(self, obj) -> dict:
        return {a.question_code: a.value for a in obj.answers.all()}

    def get_scores(self, obj) -> dict:
        # Decimal strings, like overall_score: exact, and the same in every client
        return {
            s.dimension_code: None if s.score is None else str(s.score) for s in obj.scores.all()
        }


class ResponseFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")

    class Meta:
        model = Response
        fields = ["round", "status", "organization"]


ERRORS = inline_serializer(
    "AnswerErrors", {"detail": serializers.CharField(), "errors": serializers.DictField()}
)


class ResponseViewSet(viewsets.ReadOnlyModelViewSet):
    """調査への回答。回答の保存・提出は回答する団体が、受理・差し戻しは県が行います。"""

    access_rule = LOGIN
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilter
    object_actions = {"answers": "change", "submit": "change", "review": "review"}

    def get_queryset(self):
        return (
            Response.objects.visible_to(self.request.user)
            .select_related("organization", "round__version__framework")
            .prefetch_related("answers", "scores", "evidence_files")
            .order_by("round_id", "organization__code")
        )

    @extend_schema(
        request=inline_serializer("Answers", {"answers": serializers.DictField()}),
        responses={200: ResponseSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """回答を保存します(ブラウザと同じ検証。誤りがあれば何も保存しません)。"""
        response = self.get_object()
        raw = request.data.get("answers") if isinstance(request.data, dict) else None
        if not isinstance(raw, dict):
            return _bad(_("answers に {設問コード: 回答} の形で回答を入れてください。"), {})
        return self._run(
            lambda: services.save_answers(acting_user=request.user, response=response, raw=raw),
            response,
        )

    @extend_schema(request=None, responses={200: ResponseSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """回答を提出します(必須の設問と設問間のチェックを確認します)。"""
        response = self.get_object()
        return self._run(
            lambda: services.submit(acting_user=request.user, response=response), response
        )

    @extend_schema(
        request=inline_serializer(
            "Review",
            {
                "decision": serializers.ChoiceField(["accept", "return"]),
                "comment": serializers.CharField(required=False),
            },
        ),
        responses={200: ResponseSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """県が受理(accept)または差し戻し(return、コメント必須)します。"""
        response = self.get_object()
        decision = request.data.get("decision") if isinstance(request.data, dict) else None
        if decision not in ("accept", "return"):
            return _bad(_("decision は accept か return にしてください。"), {})
        comment = str(request.data.get("comment", ""))
        return self._run(
            lambda: services.review(
                acting_user=request.user,
                response=response,
                accept=decision == "accept",
                comment=comment,
            ),
            response,
        )

    def _run(self, operation, response):
        try:
            operation()
        except services.AnswerErrors as failed:
            return _bad(str(failed), {e.question: e.message for e in failed.errors})
        except ServiceError as refused:
            return _bad(str(refused), {})
        return APIResponse(self.get_serializer(self.get_queryset().get(pk=response.pk)).data)


def _bad(detail, errors):
    return APIResponse(
        {"detail": str(detail), "errors": errors}, status=status.HTTP_400_BAD_REQUEST
    )
