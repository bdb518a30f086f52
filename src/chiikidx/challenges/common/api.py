"""REST API of the prefecture's common issues (県内の共通課題): the prefecture's groups and the
similarity grouping of its municipalities' shared challenges, through the access module and the
same services (and so the same checks and messages) as the pages."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.choices import OrgKind
from chiikidx.core.japanese import parse_date
from chiikidx.core.models import Department, Organization
from chiikidx.core.services import ServiceError

from ..choices import InitiativeKind
from ..models import CommonIssueGroup, CommonIssueMember
from . import queries, services
from .forms import threshold_from

ERROR = inline_serializer("CommonIssueError", {"detail": serializers.CharField()})


def register(router) -> None:
    """Adds this part's viewsets to the project's router."""
    router.register("common-issue-groups", CommonIssueGroupViewSet, basename="common-issue-group")


# --- serializers --------------------------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="challenge.pk")
    organization_code = serializers.CharField(source="challenge.organization.code")
    organization_name = serializers.CharField(source="challenge.organization.name")
    title = serializers.CharField(source="challenge.title")
    field = serializers.CharField(source="challenge.field")
    escalated = serializers.BooleanField(source="challenge.is_escalated")


class CommonIssueGroupSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code")
    initiative = serializers.ChoiceField(InitiativeKind.choices)
    initiative_label = serializers.CharField(source="get_initiative_display")
    measure_title = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField(help_text="施策が入った県の計画のID")
    municipalities = serializers.SerializerMethodField(
        help_text="参加する市町村の団体コード(見られるものだけ。リエゾンには担当の市町村のもの)"
    )
    challenges = serializers.SerializerMethodField(
        help_text="グループの課題(見られるものだけ。リエゾンには担当の市町村のもの)"
    )
    hidden_challenges = serializers.SerializerMethodField(
        help_text="見られないためchallengesに含めなかった、共有された課題の数"
    )

    class Meta:
        model = CommonIssueGroup
        fields = [
            "id",
            "organization_code",
            "title",
            "field",
            "note",
            "initiative",
            "initiative_label",
            "measure",
            "measure_title",
            "plan",
            "study_group_name",
            "study_group_starts_on",
            "municipalities",
            "challenges",
            "hidden_challenges",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _shared(self, obj) -> list:
        return [m for m in obj.members.all() if m.challenge.shared_at is not None]

    def _visible(self, obj) -> list:
        user = self.context["request"].user
        return [m for m in self._shared(obj) if access.can(user, "view", m.challenge)]

    def get_measure_title(self, obj) -> str | None:
        return obj.measure.title if obj.measure_id else None

    def get_plan(self, obj) -> int | None:
        return obj.measure.plan_id if obj.measure_id else None

    def get_municipalities(self, obj) -> list[str]:
        user = self.context["request"].user
        return sorted(o.code for o in obj.municipalities.all() if access.can(user, "view", o))

    @extend_schema_field(MemberSerializer(many=True))
    def get_challenges(self, obj):
        return MemberSerializer(self._visible(obj), many=True).data

    def get_hidden_challenges(self, obj) -> int:
        return len(self._shared(obj)) - len(self._visible(obj))


class GroupWriteSerializer(serializers.Serializer):
    organization_code = serializers.CharField(
        required=False, help_text="県の団体コード(6桁、作成時のみ)"
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="共通課題の名前(作成時に省略すると、共通する言葉と分野から付けます)",
    )
    field = serializers.CharField(required=False, allow_blank=True, max_length=40)
    note = serializers.CharField(required=False, allow_blank=True)
    challenges = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="課題のID(作成時: グループの課題。変更時: この一覧に置き換え)",
    )


class StudyGroupSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="勉強会の名称")
    starts_on = serializers.CharField(help_text="初回の日付(2026-06-10、令和8年6月10日)")
    municipalities = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="参加する市町村の団体コード(省略するとグループの課題を出した市町村)",
    )


class MeasureRequestSerializer(serializers.Serializer):
    plan = serializers.IntegerField(help_text="県の計画のID(下書き・改定中)")
    owner_department = serializers.IntegerField(help_text="担当部署(県の部署)のID")
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="省略するとグループの名前"
    )


SIMILAR_CHALLENGE = inline_serializer(
    "CommonSimilarChallenge",
    {
        "id": serializers.IntegerField(),
        "organization_code": serializers.CharField(),
        "organization_name": serializers.CharField(),
        "title": serializers.CharField(),
        "field": serializers.CharField(),
        "escalated": serializers.BooleanField(),
    },
)
SIMILAR = inline_serializer(
    "CommonSimilarity",
    {
        "prefecture": serializers.CharField(allow_null=True),
        "threshold": serializers.FloatField(),
        "groups": inline_serializer(
            "CommonSimilarGroup",
            {
                "cohesion": serializers.FloatField(help_text="メンバーどうしの類似度の平均"),
                "terms": serializers.ListField(child=serializers.CharField()),
                "challenges": SIMILAR_CHALLENGE,
            },
            many=True,
        ),
        "singletons": serializers.ListField(
            child=serializers.IntegerField(), help_text="どれとも似ていない課題のID"
        ),
    },
)


# --- the viewset ----------------------------------------------------------------------------------


class GroupFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="県の団体コード(6桁)")

    class Meta:
        model = CommonIssueGroup
        fields = ["organization", "initiative"]


class CommonIssueGroupViewSet(viewsets.ModelViewSet):
    """県内の共通課題のグループ(県の団体のもの)。見られるのは県のDX推進課とリエゾンで、課題は
    見られるものだけを返します(市町村が共有していない課題は含まれません)。作成・変更・削除と、
    `study-group`(勉強会にする)・`measure`(県の計画の施策の候補にする)は県のDX推進課の
    管理者・職員だけで、画面と同じ検証です。`similar/` は県の市町村が共有した課題を文章の類似度で
    まとめます。"""

    access_rule = LOGIN
    serializer_class = CommonIssueGroupSerializer
    filterset_class = GroupFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    object_actions = {"study_group": "change", "measure": "change"}

    def get_queryset(self):
        members = CommonIssueMember.objects.select_related("challenge__organization").order_by(
            "challenge__organization__code", "challenge_id"
        )
        return (
            CommonIssueGroup.objects.visible_to(self.request.user)
            .select_related("organization", "measure")
            .prefetch_related(Prefetch("members", queryset=members), "municipalities")
            .order_by("organization__code", "-pk")
        )

    def _fresh(self, group, code=status.HTTP_200_OK):
        found = self.get_queryset().get(pk=group.pk)
        return APIResponse(self.get_serializer(found).data, status=code)

    @extend_schema(
        request=GroupWriteSerializer,
        responses={201: CommonIssueGroupSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """グループを作ります。organization_code(県)と challenges(課題のID、1件以上)が必要です。
        field を省略すると多い分野になります。title を省略すると、複数の市町村の課題に共通する
        言葉と分野から「配送・買い物(福祉)の共通課題」のような名前を付けます(名前は課題を出した
        市町村にも表示されるため、特定の市町村の課題名は使いません)。"""
        given = validated(GroupWriteSerializer(data=request.data))
        prefecture = _visible_prefecture(request.user, given.get("organization_code", ""))
        if not services.can_edit(request.user, prefecture):
            return _refused(
                _("共通課題のグループを作成・変更できるのは、県のDX推進課の管理者・職員だけです。")
            )
        try:
            group = services.create_group(
                acting_user=request.user,
                prefecture=prefecture,
                challenges=given.get("challenges", []),
                title=given.get("title", ""),
                field=given.get("field"),
                note=given.get("note", ""),
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(group, status.HTTP_201_CREATED)

    @extend_schema(
        request=GroupWriteSerializer,
        responses={200: CommonIssueGroupSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request, *args, **kwargs):
        """名前・分野・メモを変えます。challenges を送ると、グループの課題をその一覧に
        置き換えます。"""
        group = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(GroupWriteSerializer(data=request.data, partial=partial))
        fields = {k: given[k] for k in services.GROUP_FIELDS if k in given}
        try:
            with transaction.atomic():
                if fields:
                    services.update_group(acting_user=request.user, group=group, **fields)
                if "challenges" in given:
                    _replace_members(request.user, group, given["challenges"])
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(group)

    @extend_schema(
        request=GroupWriteSerializer,
        responses={200: CommonIssueGroupSerializer, 400: ERROR, 403: ERROR},
    )
    def partial_update(self, request, *args, **kwargs):
        """PUT と同じで、送った項目だけを変えます。"""
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 400: ERROR, 403: ERROR})
    def destroy(self, request, *args, **kwargs):
        """グループを削除します(課題は市町村にそのまま残ります)。県の施策になったものは削除できません。"""
        group = self.get_object()
        try:
            services.delete_group(acting_user=request.user, group=group)
        except ServiceError as refused:
            return bad_request(refused)
        return APIResponse(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=StudyGroupSerializer, responses={200: CommonIssueGroupSerializer, 400: ERROR}
    )
    @action(detail=True, methods=["post"], url_path="study-group", url_name="study-group")
    def study_group(self, request, pk=None):
        """勉強会にします(すでに勉強会なら内容を変えます)。"""
        group = self.get_object()
        given = validated(StudyGroupSerializer(data=request.data))
        try:
            starts_on = _date(given["starts_on"])
            codes = given.get("municipalities")
            municipalities = None if codes is None else _municipalities(group, codes)
            services.make_study_group(
                acting_user=request.user,
                group=group,
                name=given["name"],
                starts_on=starts_on,
                municipalities=municipalities,
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(group)

    @extend_schema(
        request=MeasureRequestSerializer, responses={200: CommonIssueGroupSerializer, 400: ERROR}
    )
    @action(detail=True, methods=["post"])
    def measure(self, request, pk=None):
        """県の計画(下書き・改定中)に施策の候補を作り、グループとつなぎます。"""
        group = self.get_object()
        given = validated(MeasureRequestSerializer(data=request.data))
        prefecture = group.organization
        plan = queries.candidate_plans(prefecture).filter(pk=given["plan"]).first()
        department = Department.objects.filter(
            pk=given["owner_department"], organization=prefecture
        ).first()
        if plan is None:
            return bad_request(
                _("plan には、県の「下書き」か「改定中」の計画のIDを指定してください。")
            )
        if department is None:
            return bad_request(_("owner_department には、県の部署のIDを指定してください。"))
        try:
            services.make_measure(
                acting_user=request.user,
                group=group,
                plan=plan,
                owner_department=department,
                title=given.get("title", ""),
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(group)

    @extend_schema(
        parameters=[
            OpenApiParameter("prefecture", str, description="県の団体コード(省略すると所属の県)"),
            OpenApiParameter("threshold", float, description="類似度のしきい値 0〜1(既定 0.35)"),
            OpenApiParameter("field", str, description="分野で絞り込み"),
            OpenApiParameter("region", str, description="地域区分で絞り込み"),
        ],
        responses={200: SIMILAR, 404: ERROR},
    )
    @action(detail=False, methods=["get"])
    def similar(self, request):
        """県の市町村が共有した課題(見られるものだけ)を、文章の類似度でまとめます。メンバーどうしの
        類似度の平均がしきい値以上になるようにまとめ、同じ課題からはいつも同じ結果になります。"""
        prefecture = _similar_prefecture(request.user, request.query_params.get("prefecture"))
        threshold = threshold_from(request.query_params.get("threshold"))
        if prefecture is None:
            return APIResponse(
                {"prefecture": None, "threshold": threshold, "groups": [], "singletons": []}
            )
        found = queries.filtered(
            queries.queue(prefecture, request.user),
            field=request.query_params.get("field", ""),
            region=request.query_params.get("region", ""),
        )
        grouping = queries.group_similar(found, threshold)
        rows = found.in_bulk() if grouping.groups else {}
        return APIResponse(
            {
                "prefecture": prefecture.code,
                "threshold": threshold,
                "groups": [
                    {
                        "cohesion": round(g.cohesion, 3),
                        "terms": g.terms,
                        "challenges": [_challenge(rows[k]) for k in g.keys],
                    }
                    for g in grouping.groups
                ],
                "singletons": grouping.singletons,
            }
        )


# --- helpers --------------------------------------------------------------------------------------


def _refused(detail):
    return APIResponse({"detail": str(detail)}, status=status.HTTP_403_FORBIDDEN)


def _challenge(challenge) -> dict:
    return {
        "id": challenge.pk,
        "organization_code": challenge.organization.code,
        "organization_name": challenge.organization.name,
        "title": challenge.title,
        "field": challenge.field,
        "escalated": challenge.is_escalated,
    }


def _visible_prefecture(user, code: str) -> Organization:
    found = Organization.objects.filter(code=str(code).strip(), kind=OrgKind.PREFECTURE).first()
    if found is None or not access.can(user, "view", found):
        raise exceptions.ValidationError(
            {"detail": _("organization_code に、見られる県の団体コード(6桁)を指定してください。")}
        )
    return found


def _similar_prefecture(user, code: str | None) -> Organization | None:
    """The prefecture asked for (404 when the user may not see it), else the user's own."""
    if code:
        found = Organization.objects.filter(code=code.strip(), kind=OrgKind.PREFECTURE).first()
        if found is None or not access.can(user, "view", found):
            raise Http404(NOT_FOUND_MESSAGE)
        return found
    for membership in access.active_memberships(user):
        if membership.organization.kind == OrgKind.PREFECTURE:
            return membership.organization
    return None


def _replace_members(user, group, challenge_ids: list[int]) -> None:
    present = set(group.members.values_list("challenge_id", flat=True))
    wanted = set(challenge_ids)
    if not wanted:
        raise ServiceError(_("グループには課題を1件以上入れてください。"))
    services.add_members(acting_user=user, group=group, challenges=sorted(wanted - present))
    for challenge_id in sorted(present - wanted):
        services.remove_member(acting_user=user, group=group, challenge_id=challenge_id)


def _municipalities(group, codes: list[str]) -> list[Organization]:
    found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ServiceError(
            _("団体コード %(c)s の市町村が見つかりません。") % {"c": "、".join(unknown)}
        )
    return [found[c] for c in codes]


def _date(value):
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ServiceError(_("初回の日付: %(p)s") % {"p": exc}) from exc
