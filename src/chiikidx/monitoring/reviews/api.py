"""REST API of PDCA reviews and their follow-ups, through the access module and the same
services (and so the same checks and messages) as the pages."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as APIResponse

from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.japanese import parse_date
from chiikidx.core.models import Department
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Policy
from chiikidx.plans.queries import visible_measures, visible_plans

from .. import periods
from . import queries, services
from .choices import (
    SETTABLE_FOLLOW_UP,
    Assessment,
    Direction,
    FollowUpStatus,
    PeriodKind,
    ReviewStatus,
)
from .models import Review, ReviewFollowUp

ERROR = inline_serializer("PdcaReviewError", {"detail": serializers.CharField()})
SIGN_OFF_ERROR = inline_serializer(
    "PdcaReviewSignOffError",
    {
        "detail": serializers.CharField(),
        "problems": serializers.ListField(child=serializers.CharField()),
    },
)


def _name(user) -> str | None:
    if user is None:
        return None
    return f"{user.last_name} {user.first_name}".strip() or user.username


# --- serializers ------------------------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="review.organization.code", read_only=True)
    review_period_label = serializers.CharField(source="review.period_label", read_only=True)
    scope_title = serializers.CharField(source="review.scope_title", read_only=True)
    owner_username = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    owner_department_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(FollowUpStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    carried_to = serializers.SerializerMethodField(help_text="繰り越した先のフォローアップのID")
    overdue = serializers.SerializerMethodField(help_text="終わっておらず、期限を過ぎている")

    class Meta:
        model = ReviewFollowUp
        fields = [
            "id",
            "review",
            "organization_code",
            "review_period_label",
            "scope_title",
            "title",
            "detail",
            "owner_username",
            "owner_name",
            "owner_department",
            "owner_department_name",
            "due_on",
            "status",
            "status_label",
            "closed_on",
            "note",
            "carried_from",
            "carried_to",
            "overdue",
        ]
        read_only_fields = fields

    def get_owner_username(self, obj) -> str | None:
        return obj.owner_user.username if obj.owner_user_id else None

    def get_owner_name(self, obj) -> str | None:
        return _name(obj.owner_user) if obj.owner_user_id else None

    def get_owner_department_name(self, obj) -> str | None:
        return obj.owner_department.name if obj.owner_department_id else None

    def get_carried_to(self, obj) -> int | None:
        found = getattr(obj, "carried_to", None)
        return found.pk if found is not None else None

    def get_overdue(self, obj) -> bool:
        return obj.overdue


class PdcaReviewSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    scope_kind = serializers.CharField(help_text="plan・policy・measure")
    scope_title = serializers.CharField()
    scope_plan = serializers.SerializerMethodField(help_text="対象が属する計画のID")
    period_kind = serializers.ChoiceField(PeriodKind.choices)
    period_label = serializers.CharField(help_text="例: 令和8年度 第2四半期")
    status = serializers.ChoiceField(ReviewStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    assessment = serializers.ChoiceField(Assessment.choices, allow_blank=True)
    assessment_label = serializers.CharField(source="get_assessment_display")
    direction = serializers.ChoiceField(Direction.choices, allow_blank=True)
    direction_label = serializers.CharField(source="get_direction_display")
    kpi_remarks = serializers.DictField(child=serializers.CharField(), help_text="KPIのID → 所見")
    signed_off_by = serializers.SerializerMethodField()
    reopened_by = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "organization_code",
            "scope_kind",
            "plan",
            "policy",
            "measure",
            "scope_plan",
            "scope_title",
            "period_kind",
            "period_start",
            "period_end",
            "period_label",
            "held_on",
            "participants",
            "status",
            "status_label",
            "signed_off_by",
            "signed_off_at",
            "reopened_by",
            "reopened_at",
            "reopen_reason",
            "assessment",
            "assessment_label",
            "assessment_text",
            "kpi_remarks",
            "decisions",
            "direction",
            "direction_label",
            "follow_ups",
        ]
        read_only_fields = fields

    def get_scope_plan(self, obj) -> int:
        return obj.scope_plan.pk

    def get_signed_off_by(self, obj) -> str | None:
        return obj.signed_off_by.username if obj.signed_off_by_id else None

    def get_reopened_by(self, obj) -> str | None:
        return obj.reopened_by.username if obj.reopened_by_id else None


class PdcaReviewDetailSerializer(PdcaReviewSerializer):
    plan_section = serializers.SerializerMethodField(
        help_text="計画(Plan): 目指す地域像、基本方針・施策、KPIの目標(承認済みは承認時の内容)"
    )
    do_section = serializers.SerializerMethodField(
        help_text="実行(Do): 施策の状況・進捗の積み上げ、KPIの実績と判定、期間中の更新の記録"
    )
    frozen = serializers.SerializerMethodField(
        help_text="true: 承認時に固定した内容。false: 今の記録から計算した内容(下書き)"
    )

    class Meta(PdcaReviewSerializer.Meta):
        fields = [*PdcaReviewSerializer.Meta.fields, "plan_section", "do_section", "frozen"]
        read_only_fields = fields

    def _sections(self, obj):
        cached = getattr(obj, "_api_sections", None)
        if cached is None:
            cached = obj._api_sections = queries.sections_of(obj)
        return cached

    @extend_schema_field(serializers.DictField())
    def get_plan_section(self, obj):
        return self._sections(obj)[0]

    @extend_schema_field(serializers.DictField())
    def get_do_section(self, obj):
        return self._sections(obj)[1]

    def get_frozen(self, obj) -> bool:
        return self._sections(obj)[2]


class PdcaReviewWriteSerializer(serializers.Serializer):
    """Creating a review names its scope (one of plan, policy, measure) and its period; the
    other fields may be given on creation and changed while the review is a draft."""

    plan = serializers.IntegerField(required=False, help_text="計画全体を振り返るときの計画のID")
    policy = serializers.IntegerField(required=False, help_text="基本方針のID")
    measure = serializers.IntegerField(required=False, help_text="施策のID")
    period = serializers.CharField(
        required=False,
        help_text="期間: 「令和8年度 第2四半期」「令和8年度 上期」「令和8年度」、"
        "または period_kind と期間内の日付",
    )
    period_kind = serializers.ChoiceField(PeriodKind.choices, required=False)
    held_on = serializers.DateField(required=False, allow_null=True)
    participants = serializers.CharField(required=False, allow_blank=True)
    assessment = serializers.ChoiceField(Assessment.choices, required=False, allow_blank=True)
    assessment_text = serializers.CharField(required=False, allow_blank=True)
    kpi_remarks = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False
    )
    decisions = serializers.CharField(required=False, allow_blank=True)
    direction = serializers.ChoiceField(Direction.choices, required=False, allow_blank=True)


class FollowUpInputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True)
    owner_username = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="担当者のログインID"
    )
    owner_department = serializers.IntegerField(
        required=False, allow_null=True, help_text="担当部署のID"
    )
    due_on = serializers.CharField(required=False, help_text="期限(2026-12-25、令和8年12月25日)")


class FollowUpNewSerializer(FollowUpInputSerializer):
    review = serializers.IntegerField(help_text="振り返りのID")


class FollowUpChangeSerializer(FollowUpInputSerializer):
    status = serializers.ChoiceField(
        [(v, FollowUpStatus(v).label) for v in SETTABLE_FOLLOW_UP], required=False
    )
    note = serializers.CharField(required=False, allow_blank=True)
    closed_on = serializers.CharField(
        required=False, allow_null=True, help_text="完了・取りやめの日(省略すると今日)"
    )


CONTENT_FIELDS = ("title", "detail", "owner_username", "owner_department", "due_on")


# --- reviews ----------------------------------------------------------------------------------


class ReviewFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    plan = filters.NumberFilter(method="filter_plan", label="計画のID(その基本方針・施策も)")
    fiscal_year = filters.NumberFilter(method="filter_fiscal_year", label="年度(2026 = 令和8年度)")

    class Meta:
        model = Review
        fields = ["organization", "plan", "policy", "measure", "status", "period_kind"]

    def filter_plan(self, queryset, name, value):
        return queryset.filter(queries.in_plan(value))

    def filter_fiscal_year(self, queryset, name, value):
        start = datetime.date(int(value), 4, 1)
        return queryset.filter(
            period_start__gte=start, period_start__lt=start.replace(year=start.year + 1)
        )


class ReviewViewSet(viewsets.ModelViewSet):
    """見られる団体の振り返り(PDCA)。フォローアップを含みます。`{ID}/` は計画(Plan)と実行(Do)の
    欄も返します(承認済みは承認時に固定した内容、下書きは今の記録から計算した内容)。
    作成と、下書きのあいだの変更・削除は団体の管理者・職員、`sign-off`(承認)と `reopen`
    (承認の取消し)は団体の管理者だけで、画面と同じ検証です。"""

    access_rule = LOGIN
    filterset_class = ReviewFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    object_actions = {"sign_off": "manage", "reopen": "manage", "carry": "change"}

    def get_serializer_class(self):
        return PdcaReviewSerializer if self.action == "list" else PdcaReviewDetailSerializer

    def get_queryset(self):
        follow_ups = ReviewFollowUp.objects.select_related(
            "owner_user", "owner_department", "carried_to"
        ).order_by("due_on", "pk")
        found = (
            queries.visible_reviews(self.request.user)
            .select_related(*queries.SCOPE_RELATED, "signed_off_by", "reopened_by")
            .prefetch_related(Prefetch("follow_ups", queryset=follow_ups))
            .order_by("organization__code", "-period_start", "pk")
        )
        return found.defer("plan_snapshot", "do_snapshot") if self.action == "list" else found

    def _fresh(self, review, code=status.HTTP_200_OK):
        review = self.get_queryset().get(pk=review.pk)
        return APIResponse(PdcaReviewDetailSerializer(review).data, status=code)

    @extend_schema(
        request=PdcaReviewWriteSerializer, responses={201: PdcaReviewDetailSerializer, 400: ERROR}
    )
    def create(self, request, *args, **kwargs):
        """振り返りを作ります(下書き)。対象は plan・policy・measure のどれか1つのIDで、期間は
        period で指定します。見られない対象は 404、作れない人は 403 です。"""
        given = validated(PdcaReviewWriteSerializer(data=request.data))
        scope = _visible_scope(request.user, given)
        organization = (
            scope.organization if hasattr(scope, "organization") else scope.plan.organization
        )
        if not services.can_edit(request.user, organization):
            raise exceptions.PermissionDenied(
                _("この団体の振り返りを作成・編集できるのは、団体の管理者・職員だけです。")
            )
        try:
            period = _period(given)
            with transaction.atomic():
                review = services.create_review(
                    acting_user=request.user,
                    organization=organization,
                    scope=scope,
                    period=period,
                )
                fields = _review_fields(given)
                if fields:
                    services.update_review(acting_user=request.user, review=review, **fields)
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(review, status.HTTP_201_CREATED)

    @extend_schema(
        request=PdcaReviewWriteSerializer, responses={200: PdcaReviewDetailSerializer, 400: ERROR}
    )
    def update(self, request, *args, **kwargs):
        """下書きの開催日・参加者・評価(Check)・改善(Act)を変えます。対象と期間は変えられません。
        承認済みは 400 です。"""
        review = self.get_object()
        given = validated(
            PdcaReviewWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        )
        if {"plan", "policy", "measure", "period", "period_kind"} & set(given):
            return bad_request(
                _("振り返りの対象と期間は変えられません。別の対象・期間は新しく作ってください。")
            )
        try:
            services.update_review(acting_user=request.user, review=review, **_review_fields(given))
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(review)

    @extend_schema(
        request=PdcaReviewWriteSerializer, responses={200: PdcaReviewDetailSerializer, 400: ERROR}
    )
    def partial_update(self, request, *args, **kwargs):
        """PUT と同じで、送った項目だけを変えます。"""
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 400: ERROR})
    def destroy(self, request, *args, **kwargs):
        """下書きを削除します(繰り越したフォローアップは元の振り返りで「対応中」に戻ります)。"""
        review = self.get_object()
        try:
            services.delete_review(acting_user=request.user, review=review)
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: PdcaReviewDetailSerializer, 400: SIGN_OFF_ERROR})
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request, pk=None):
        """承認します。計画(Plan)と実行(Do)をその時点の内容で固定し、以後は変更できません。
        足りないもの(開催日・総合評価・評価・決定事項、前回までの片付いていないフォローアップ)が
        あれば 400 で、`problems` にすべての理由が入ります。団体の管理者だけです。"""
        review = self.get_object()
        try:
            services.sign_off(acting_user=request.user, review=review)
        except services.SignOffRefused as refused:
            return APIResponse(
                {"detail": str(refused), "problems": refused.problems},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except ServiceError as refused:
            return APIResponse(
                {"detail": str(refused), "problems": [str(refused)]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return self._fresh(review)

    @extend_schema(
        request=inline_serializer("PdcaReviewReopen", {"reason": serializers.CharField()}),
        responses={200: PdcaReviewDetailSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """承認を取り消して下書きに戻します。理由(reason)は必須で、監査ログに残ります。
        団体の管理者だけです。"""
        review = self.get_object()
        reason = str(_data(request).get("reason", ""))
        try:
            services.reopen(acting_user=request.user, review=review, reason=reason)
        except ServiceError as refused:
            return bad_request(str(refused))
        return self._fresh(review)

    @extend_schema(
        request=inline_serializer(
            "PdcaReviewCarry",
            {
                "follow_up": serializers.IntegerField(
                    help_text="繰り越すフォローアップ(同じ対象の前回までの振り返りの、終わっていないもの)"
                ),
                "due_on": serializers.CharField(required=False, help_text="新しい期限"),
            },
        ),
        responses={201: FollowUpSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["post"])
    def carry(self, request, pk=None):
        """前回までの振り返りの終わっていないフォローアップを、この下書きに繰り越します
        (元のフォローアップは「次回へ繰越」になります)。団体の管理者・職員だけです。"""
        review = self.get_object()
        data = _data(request)
        follow_up = _visible_follow_up(request.user, data.get("follow_up"))
        try:
            due_on = _date(data.get("due_on"), _("新しい期限"))
            carried = services.carry_over(
                acting_user=request.user, follow_up=follow_up, into=review, due_on=due_on
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        found = _follow_up_queryset(request.user).get(pk=carried.pk)
        return APIResponse(FollowUpSerializer(found).data, status=status.HTTP_201_CREATED)


def _data(request) -> dict:
    return request.data if hasattr(request.data, "get") else {}


def _visible_scope(user, given: dict):
    named = [k for k in ("plan", "policy", "measure") if given.get(k) is not None]
    if len(named) != 1:
        raise exceptions.ValidationError(
            {
                "detail": _(
                    "振り返りの対象は、plan・policy・measure のどれか1つのIDで指定してください。"
                )
            }
        )
    kind, pk = named[0], given[named[0]]
    plans = visible_plans(user)
    if kind == "plan":
        found = plans.select_related("organization").filter(pk=pk).first()
    elif kind == "policy":
        found = (
            Policy.objects.filter(plan__in=plans.values("pk"))
            .select_related("plan__organization")
            .filter(pk=pk)
            .first()
        )
    else:
        found = (
            visible_measures(user)
            .select_related("plan__organization", "policy")
            .filter(pk=pk)
            .first()
        )
    if found is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return found


def _period(given: dict) -> periods.Period:
    text = given.get("period", "")
    kind = given.get("period_kind")
    try:
        if kind:
            return periods.parse_period(kind, text)
        found = periods.named_period(text)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc
    if found is None:
        raise ServiceError(
            _(
                "period に期間を「令和8年度 第2四半期」「令和8年度 上期」「令和8年度」の"
                "ように指定するか、period_kind(quarterly・half_yearly・yearly)と期間内の日付を指定してください。"
            )
        )
    return found


def _review_fields(given: dict) -> dict:
    return {name: given[name] for name in services.REVIEW_FIELDS if name in given}


# --- follow-ups -------------------------------------------------------------------------------


class FollowUpFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="review__organization__code", label="団体コード")
    open = filters.BooleanFilter(method="filter_open", label="終わっていないもの(未着手・対応中)")
    mine = filters.BooleanFilter(
        method="filter_mine", label="自分の担当(担当者がいなければ自分の部署の担当)"
    )
    overdue = filters.BooleanFilter(method="filter_overdue", label="期限を過ぎて終わっていないもの")

    class Meta:
        model = ReviewFollowUp
        fields = ["review", "organization", "status", "open", "mine", "overdue"]

    def filter_open(self, queryset, name, value):
        from .choices import OPEN_FOLLOW_UP

        found = {"status__in": OPEN_FOLLOW_UP}
        return queryset.filter(**found) if value else queryset.exclude(**found)

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        from chiikidx.core import access

        memberships = access.active_memberships(self.request.user)
        departments = [(m.organization_id, m.department_id) for m in memberships if m.department_id]
        mine = queries._mine(
            self.request.user, [m.organization_id for m in memberships], departments
        )
        return queryset.filter(mine)

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        from .choices import OPEN_FOLLOW_UP

        late = {"status__in": OPEN_FOLLOW_UP, "due_on__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


def _follow_up_queryset(user):
    return (
        queries.visible_follow_ups(user)
        .select_related(
            "review__organization",
            "review__plan",
            "review__policy",
            "review__measure",
            "owner_user",
            "owner_department",
            "carried_to",
        )
        .order_by("review__organization__code", "due_on", "pk")
    )


def _visible_follow_up(user, value) -> ReviewFollowUp:
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise exceptions.ValidationError(
            {"detail": _("follow_up にフォローアップのIDを指定してください。")}
        ) from None
    found = _follow_up_queryset(user).filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return found


def _date(value, label: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ServiceError(_("%(f)s: %(p)s") % {"f": label, "p": exc}) from exc


def _owner(organization, given: dict) -> dict:
    values = {}
    if "owner_username" in given:
        username = given["owner_username"] or ""
        values["owner_user"] = _member(organization, username) if username else None
    if "owner_department" in given:
        pk = given["owner_department"]
        values["owner_department"] = _department(organization, pk) if pk else None
    return values


def _member(organization, username: str):
    from django.contrib.auth import get_user_model

    # Only the organization's own staff: the answer must not tell whether a login ID exists.
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


class FollowUpViewSet(viewsets.ModelViewSet):
    """見られる振り返りのフォローアップ。`mine=true` で自分(担当者が決まっていなければ自分の
    部署)の担当、`open=true` で終わっていないもの、`overdue=true` で期限を過ぎたものに絞り込めます。
    状況(status・note・closed_on)の更新は、担当者・担当部署の原課担当・団体の管理者・職員が
    できます(承認済みの振り返りのものも)。追加と、内容・担当・期限の変更・削除は、下書きの
    振り返りで団体の管理者・職員だけです。"""

    access_rule = LOGIN
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return _follow_up_queryset(self.request.user)

    @extend_schema(
        request=FollowUpNewSerializer,
        responses={201: FollowUpSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """下書きの振り返りにフォローアップを追加します(title・due_on と、owner_username か
        owner_department のどちらかが必要)。"""
        given = validated(FollowUpNewSerializer(data=_data(request)))
        pk = given["review"]
        review = (
            queries.visible_reviews(request.user)
            .select_related("organization")
            .filter(pk=pk)
            .first()
        )
        if review is None:
            raise Http404(NOT_FOUND_MESSAGE)
        if not services.can_edit(request.user, review.organization):
            raise exceptions.PermissionDenied(
                _("フォローアップを追加できるのは、団体の管理者・職員だけです。")
            )
        try:
            values = _owner(review.organization, given)
            item = services.add_follow_up(
                acting_user=request.user,
                review=review,
                title=given.get("title", ""),
                detail=given.get("detail", ""),
                due_on=_date(given.get("due_on"), _("期限")),
                **values,
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        found = self.get_queryset().get(pk=item.pk)
        return APIResponse(self.get_serializer(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FollowUpChangeSerializer,
        responses={200: FollowUpSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request, *args, **kwargs):
        """状況(status: not_started・in_progress・done・cancelled)、対応の記録(note)、
        完了・取りやめの日(closed_on)を更新します。title・detail・owner_username・
        owner_department・due_on の変更は、下書きの振り返りで団体の管理者・職員だけです。"""
        item = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(FollowUpChangeSerializer(data=_data(request), partial=partial))
        content = {k: given[k] for k in CONTENT_FIELDS if k in given}
        if content and not services.can_edit(request.user, item.review.organization):
            raise exceptions.PermissionDenied(
                _(
                    "内容・担当・期限を変えられるのは、団体の管理者・職員だけです(状況は更新できます)。"
                )
            )
        try:
            with transaction.atomic():
                if content:
                    values = _owner(item.review.organization, content)
                    for name in ("title", "detail"):
                        if name in content:
                            values[name] = content[name]
                    if "due_on" in content:
                        values["due_on"] = _date(content["due_on"], _("期限"))
                    services.change_follow_up(acting_user=request.user, follow_up=item, **values)
                if "status" in given or "note" in given or "closed_on" in given:
                    services.set_follow_up_status(
                        acting_user=request.user,
                        follow_up=item,
                        status=given.get("status", item.status),
                        note=given.get("note"),
                        closed_on=_date(given.get("closed_on"), _("完了・取りやめの日")),
                    )
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(
        request=FollowUpChangeSerializer,
        responses={200: FollowUpSerializer, 400: ERROR, 403: ERROR},
    )
    def partial_update(self, request, *args, **kwargs):
        """PUT と同じで、送った項目だけを変えます(例: {"status": "done"})。"""
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 400: ERROR, 403: ERROR})
    def destroy(self, request, *args, **kwargs):
        """下書きの振り返りのフォローアップを削除します(団体の管理者・職員だけ)。"""
        item = self.get_object()
        if not services.can_edit(request.user, item.review.organization):
            raise exceptions.PermissionDenied(
                _("フォローアップを削除できるのは、団体の管理者・職員だけです。")
            )
        try:
            services.delete_follow_up(acting_user=request.user, follow_up=item)
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(status=status.HTTP_204_NO_CONTENT)
