"""REST API of dialogue records (対話の記録) and their opinions, through the access module and
the same services (and so the same checks and messages) as the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.japanese import fiscal_year_range, parse_date
from chiikidx.core.models import Department, Organization
from chiikidx.core.services import ServiceError

from ..choices import DialogueKind
from ..models import DialogueAttachment, DialogueRecord, Opinion
from . import queries, services

ERROR = inline_serializer("DialogueError", {"detail": serializers.CharField()})


def register(router) -> None:
    """Adds this part's viewsets to the project's router."""
    router.register("dialogue-records", DialogueRecordViewSet, basename="dialogue-record")
    router.register("dialogue-opinions", OpinionViewSet, basename="dialogue-opinion")


# --- serializers ------------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download_url = serializers.SerializerMethodField(
        help_text="ダウンロード(画面の機能。ブラウザーでログインして使います)"
    )

    class Meta:
        model = DialogueAttachment
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        record = obj.record
        return reverse(
            "challenges:dialogue_attachment",
            args=[record.organization.code, record.pk, obj.pk],
        )


class DialogueRecordSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    kind = serializers.ChoiceField(DialogueKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    department_name = serializers.SerializerMethodField()
    opinion_count = serializers.IntegerField(help_text="意見(住民目線の気づき)の件数")
    challenge_count = serializers.IntegerField(
        help_text="この記録とその意見から作った課題のうち、見られるものの件数"
    )
    attachments = AttachmentSerializer(many=True)

    class Meta:
        model = DialogueRecord
        fields = [
            "id",
            "organization_code",
            "kind",
            "kind_label",
            "title",
            "held_on",
            "held_until",
            "department",
            "department_name",
            "participants",
            "notes",
            "opinion_count",
            "challenge_count",
            "attachments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_department_name(self, obj) -> str | None:
        return obj.department.name if obj.department_id else None


class DialogueRecordWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a record (the organization only on create). The
    values are checked by the same service as the page, with the same messages."""

    organization_code = serializers.CharField(required=False, help_text="団体コード(登録時)")
    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="hearing・workshop・survey・comment・liaison・roleplay",
    )
    title = serializers.CharField(required=False, allow_blank=True)
    held_on = serializers.CharField(
        required=False, allow_null=True, help_text="実施日(2025-06-10、令和7年6月10日)"
    )
    held_until = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="終了日(期間のあるとき)"
    )
    department = serializers.IntegerField(required=False, allow_null=True, help_text="部署のID")
    participants = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class OpinionSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="record.organization.code", read_only=True)
    challenge = serializers.SerializerMethodField(
        help_text="この意見から作った課題のID(見られるもの。なければ null)"
    )

    class Meta:
        model = Opinion
        fields = [
            "id",
            "record",
            "organization_code",
            "number",
            "text",
            "age_band",
            "area",
            "attributes",
            "challenge",
        ]
        read_only_fields = fields

    def get_challenge(self, obj) -> int | None:
        made = obj.challenges.all()
        return made[0].pk if made else None


class OpinionWriteSerializer(serializers.Serializer):
    record = serializers.IntegerField(help_text="対話の記録のID")
    text = serializers.CharField(required=False, allow_blank=True)
    age_band = serializers.CharField(required=False, allow_blank=True)
    area = serializers.CharField(required=False, allow_blank=True)
    attributes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='その他の属性(例: {"回答方法": "Web"})。氏名や連絡先は入れません',
    )
    number = serializers.IntegerField(
        required=False, allow_null=True, help_text="番号(省略すると最後の番号の次)"
    )


# --- records ----------------------------------------------------------------------------------


class RecordFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    department = filters.NumberFilter(field_name="department_id", label="部署のID")
    fiscal_year = filters.NumberFilter(method="filter_fiscal_year", label="年度(2025 = 令和7年度)")
    q = filters.CharFilter(method="filter_text", label="件名・記録・参加者に含む言葉")

    class Meta:
        model = DialogueRecord
        fields = ["organization", "kind", "department", "fiscal_year", "q"]

    def filter_fiscal_year(self, queryset, name, value):
        start, end = fiscal_year_range(int(value))
        return queryset.filter(held_on__gte=start, held_on__lte=end)

    def filter_text(self, queryset, name, value):
        return queries.filtered(queryset, queries.RecordFilter(text=value))


class DialogueRecordViewSet(viewsets.ModelViewSet):
    """見られる団体の対話の記録(原課ヒアリング・住民ワークショップ・住民アンケート・
    パブリックコメント・リエゾン訪問メモ・窓口ロールプレイ)。意見と課題の件数、添付ファイルを
    含みます。登録・変更は団体の管理者・職員と、記録の部署の原課担当で、画面と同じ検証です。"""

    access_rule = LOGIN
    serializer_class = DialogueRecordSerializer
    filterset_class = RecordFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        found = queries.visible_records(user).select_related("organization", "department")
        attachments = DialogueAttachment.objects.select_related("record__organization")
        found = found.prefetch_related(Prefetch("attachments", queryset=attachments))
        return queries.with_counts(found, user).order_by("organization__code", "-held_on", "-pk")

    def _fresh(self, record, code=status.HTTP_200_OK):
        found = self.get_queryset().get(pk=record.pk)
        return APIResponse(self.get_serializer(found).data, status=code)

    @extend_schema(
        request=DialogueRecordWriteSerializer,
        responses={201: DialogueRecordSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """記録を登録します。organization_code に団体コードを指定します。原課担当は
        department に自分の部署を指定します。"""
        given = validated(DialogueRecordWriteSerializer(data=request.data))
        organization = Organization.objects.filter(code=given.pop("organization_code", "")).first()
        if organization is None or not access.can(request.user, "view", organization):
            return bad_request(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        if not services.can_create_any(request.user, organization):
            raise exceptions.PermissionDenied(_("この団体の対話の記録を登録する権限がありません。"))
        try:
            values = _record_values(organization, given)
            if not services.can_create(request.user, organization, values.get("department")):
                raise exceptions.PermissionDenied(
                    _("原課担当の方は、department に自分の部署のIDを指定してください。")
                )
            record = services.create_record(
                acting_user=request.user, organization=organization, **values
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(record, status.HTTP_201_CREATED)

    @extend_schema(
        request=DialogueRecordWriteSerializer,
        responses={200: DialogueRecordSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request, *args, **kwargs):
        """記録を変更します。送った項目だけを変え、団体は変えられません。"""
        record = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(DialogueRecordWriteSerializer(data=request.data, partial=partial))
        given.pop("organization_code", None)
        try:
            values = _record_values(record.organization, given)
            services.update_record(acting_user=request.user, record=record, **values)
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(record)

    @extend_schema(
        request=DialogueRecordWriteSerializer,
        responses={200: DialogueRecordSerializer, 400: ERROR, 403: ERROR},
    )
    def partial_update(self, request, *args, **kwargs):
        """PUT と同じで、送った項目だけを変えます。"""
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


def _record_values(organization, given: dict) -> dict:
    values = dict(given)
    for name, label in (("held_on", _("実施日")), ("held_until", _("終了日"))):
        if name in values:
            values[name] = _date(values[name], label)
    if "department" in values:
        pk = values.pop("department")
        values["department"] = _department(organization, pk) if pk else None
    return values


def _date(value, label: str):
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ServiceError(_("%(f)s: %(p)s") % {"f": label, "p": exc}) from exc


def _department(organization, pk: int):
    found = Department.objects.filter(pk=pk, organization=organization).first()
    if found is None:
        raise ServiceError(_("部署はこの団体の部署から選んでください。"))
    return found


# --- opinions ---------------------------------------------------------------------------------


class OpinionFilter(filters.FilterSet):
    record = filters.NumberFilter(field_name="record_id", label="対話の記録のID")
    organization = filters.CharFilter(
        field_name="record__organization__code", label="団体コード(6桁)"
    )
    q = filters.CharFilter(field_name="text", lookup_expr="icontains", label="意見に含む言葉")

    class Meta:
        model = Opinion
        fields = ["record", "organization", "age_band", "area", "q"]


class OpinionViewSet(viewsets.ModelViewSet):
    """見られる対話の記録の意見(窓口ロールプレイでは住民目線の気づき)。record で記録ごとに、
    age_band(年代)・area(地区)・q(言葉)で絞り込めます。氏名は持ちません。追加は記録を
    変更できる人(団体の管理者・職員、記録の部署の原課担当)で、画面と同じ検証です。"""

    access_rule = LOGIN
    serializer_class = OpinionSerializer
    filterset_class = OpinionFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        made = queries.visible_challenges(user).only("pk", "source_opinion_id").order_by("pk")
        return (
            queries.visible_opinions(user)
            .select_related("record__organization")
            .prefetch_related(Prefetch("challenges", queryset=made))
            .order_by("record__organization__code", "record_id", "number")
        )

    @extend_schema(
        request=OpinionWriteSerializer,
        responses={201: OpinionSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """記録に意見を1件追加します(番号は省略すると最後の番号の次)。"""
        given = validated(OpinionWriteSerializer(data=request.data))
        record = (
            queries.visible_records(request.user)
            .select_related("organization", "department")
            .filter(pk=given.pop("record"))
            .first()
        )
        if record is None:
            raise Http404(NOT_FOUND_MESSAGE)
        if not services.can_change(request.user, record):
            raise exceptions.PermissionDenied(
                _(
                    "この記録に意見を追加できるのは、団体の管理者・職員と、記録の部署の"
                    "原課担当です。"
                )
            )
        try:
            opinion = services.add_opinion(acting_user=request.user, record=record, **given)
        except ServiceError as refused:
            return bad_request(refused)
        found = self.get_queryset().get(pk=opinion.pk)
        return APIResponse(self.get_serializer(found).data, status=status.HTTP_201_CREATED)
