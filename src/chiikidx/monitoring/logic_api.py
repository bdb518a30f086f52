"""REST API of logic models: `/api/v1/logic-models/` (a model with its nodes, links, node
statuses, links in doubt and line of sight, computed as on the page), `/api/v1/logic-nodes/`
and `/api/v1/logic-links/`. Read by whoever sees the organization; created, changed and
deleted by its staff through the same services (and so the same checks and messages) as the
pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request, validated
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.models import Organization
from chiikidx.core.services import ServiceError
from chiikidx.plans.models import Measure, Plan, Policy

from . import logic, logic_queries, logic_services
from .choices import LogicStage
from .models import Kpi, LogicLink, LogicModel, LogicNode

ERROR = inline_serializer("LogicModelError", {"detail": serializers.CharField()})


def _require_change(user, organization) -> None:
    if not access.can(user, "change", organization):
        raise exceptions.PermissionDenied(
            _("ロジックモデルを作成・変更できるのは、団体の管理者・職員だけです。")
        )


# --- what the API returns -------------------------------------------------------------------


class NodeKpiSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField(
        help_text="on_track・at_risk・off_track・stale・no_data・no_target"
    )
    status_label = serializers.CharField()
    latest_value = serializers.CharField(allow_null=True)
    latest_period = serializers.CharField(allow_null=True)


class AnalysedNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.ChoiceField(LogicStage.choices)
    stage_label = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    order = serializers.IntegerField()
    measures = serializers.ListField(child=serializers.IntegerField(), help_text="施策のID")
    kpis = NodeKpiSerializer(many=True)
    status = serializers.ChoiceField(
        logic.NodeStatus.choices, help_text="KPIの状況のうち判定できるものの最も悪いもの"
    )
    status_label = serializers.CharField()


class AnalysedLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.IntegerField(help_text="上流のノードのID")
    target = serializers.IntegerField(help_text="下流のノードのID")
    assumption = serializers.CharField()
    rationale = serializers.CharField()
    verdict = serializers.ChoiceField(
        logic.Verdict.choices,
        help_text="doubtful(上流が順調なのに下流が注意・遅れ)・holding・upstream_behind・unchecked",
    )
    verdict_label = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.IntegerField(allow_null=True, help_text="前提が疑わしいつながりの番号")


class SightSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    measure_title = serializers.CharField()
    reaches = serializers.BooleanField(help_text="インパクトに届くか")
    paths = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="施策のノードからインパクトまでの最短の道筋(ノードのIDの並び)",
    )


class UnconnectedSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    measure_title = serializers.CharField()
    reason = serializers.CharField()


class UnservedSerializer(serializers.Serializer):
    node = serializers.IntegerField()
    title = serializers.CharField()
    stage = serializers.ChoiceField(LogicStage.choices)


class LineOfSightSerializer(serializers.Serializer):
    measures = SightSerializer(many=True)
    unconnected_measures = UnconnectedSerializer(many=True)
    unserved_outcomes = UnservedSerializer(many=True)


class LogicModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    plan = serializers.IntegerField(allow_null=True)
    policy = serializers.IntegerField(allow_null=True)
    node_count = serializers.IntegerField()
    link_count = serializers.IntegerField()
    doubtful_count = serializers.IntegerField(help_text="前提が疑わしいつながりの数")
    unconnected_count = serializers.IntegerField(help_text="つながっていない施策の数")
    unserved_count = serializers.IntegerField(help_text="どの施策も支えていない成果の数")


class LogicModelDetailSerializer(LogicModelSerializer):
    nodes = AnalysedNodeSerializer(many=True)
    links = AnalysedLinkSerializer(many=True)
    doubtful_links = AnalysedLinkSerializer(many=True)
    line_of_sight = LineOfSightSerializer()


def summary_data(a: logic_queries.Analysis) -> dict:
    m = a.logic_model
    return {
        "id": m.pk,
        "organization_code": m.organization.code,
        "title": m.title,
        "description": m.description,
        "plan": m.plan_id,
        "policy": m.policy_id,
        "node_count": len(a.nodes),
        "link_count": len(a.links),
        "doubtful_count": len(a.doubtful),
        "unconnected_count": len(a.unconnected),
        "unserved_count": len(a.unserved),
    }


def _node_data(n: logic_queries.NodeView) -> dict:
    return {
        "id": n.pk,
        "stage": n.node.stage,
        "stage_label": n.node.get_stage_display(),
        "title": n.title,
        "description": n.node.description,
        "order": n.node.order,
        "measures": [m.pk for m in n.measures],
        "kpis": [_kpi_data(s) for s in n.kpi_states],
        "status": n.status,
        "status_label": n.status_label,
    }


def _kpi_data(state) -> dict:
    latest = state.evaluation.latest
    return {
        "id": state.kpi.pk,
        "name": str(state.kpi),
        "status": state.status,
        "status_label": state.status_label,
        "latest_value": None if latest is None else str(latest.value),
        "latest_period": None if latest is None else latest.period.label,
    }


def _link_data(v: logic_queries.LinkView) -> dict:
    return {
        "id": v.link.pk,
        "source": v.link.source_id,
        "target": v.link.target_id,
        "assumption": v.link.assumption,
        "rationale": v.link.rationale,
        "verdict": v.check.verdict,
        "verdict_label": v.verdict_label,
        "reason": v.check.reason,
        "note": v.check.note,
    }


def detail_data(a: logic_queries.Analysis) -> dict:
    return summary_data(a) | {
        "nodes": [_node_data(n) for n in a.nodes],
        "links": [_link_data(v) for v in a.links],
        "doubtful_links": [_link_data(v) for v in a.doubtful],
        "line_of_sight": {
            "measures": [
                {
                    "measure": s.measure.pk,
                    "measure_title": str(s.measure),
                    "reaches": s.reaches,
                    "paths": [[n.pk for n in path] for path in s.paths],
                }
                for s in a.sights
            ],
            "unconnected_measures": [
                {"measure": m.pk, "measure_title": str(m), "reason": reason}
                for m, reason in a.unconnected
            ],
            "unserved_outcomes": [
                {"node": n.pk, "title": n.title, "stage": n.node.stage} for n in a.unserved
            ],
        },
    }


# --- logic models -----------------------------------------------------------------------------


class LogicModelWriteSerializer(serializers.Serializer):
    organization_code = serializers.CharField(required=False, help_text="団体コード(作成時)")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.IntegerField(required=False, allow_null=True, help_text="計画のID")
    policy = serializers.IntegerField(required=False, allow_null=True, help_text="基本方針のID")


class LogicModelFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="団体コード(6桁)")
    plan = filters.NumberFilter(field_name="plan_id", label="計画のID")

    class Meta:
        model = LogicModel
        fields = ["organization", "plan"]


class LogicModelViewSet(viewsets.ModelViewSet):
    """見られる団体のロジックモデル。1件の取得では、ノード(KPIの状況から決めた状況つき)、
    つながり(前提の点検の結果つき)、前提が疑わしいつながり、施策からインパクトへの見通し
    (つながっていない施策、どの施策も支えていない成果)を返します。作成・変更・削除は
    団体の管理者・職員だけで、画面と同じ検証です。"""

    access_rule = LOGIN
    serializer_class = LogicModelSerializer
    filterset_class = LogicModelFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            logic_queries.visible_logic_models(self.request.user)
            .select_related("organization", "plan", "policy")
            .order_by("organization__code", "title", "pk")
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        found = logic_queries.analyses(page if page is not None else queryset)
        data = LogicModelSerializer([summary_data(a) for a in found], many=True).data
        return self.get_paginated_response(data) if page is not None else APIResponse(data)

    @extend_schema(responses=LogicModelDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), fresh=True)

    def _detail(self, logic_model, code=status.HTTP_200_OK, *, fresh=False):
        """The model as the API shows it; read again (as the queryset reads it) after a write."""
        if not fresh:
            logic_model = self.get_queryset().get(pk=logic_model.pk)
        data = LogicModelDetailSerializer(detail_data(logic_queries.analysis(logic_model))).data
        return APIResponse(data, status=code)

    @extend_schema(
        request=LogicModelWriteSerializer,
        responses={201: LogicModelDetailSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request, *args, **kwargs):
        given = validated(LogicModelWriteSerializer(data=request.data))
        organization = Organization.objects.filter(code=given.pop("organization_code", "")).first()
        if organization is None or not access.can(request.user, "view", organization):
            return bad_request(
                _("organization_code に、見られる団体の団体コード(6桁)を指定してください。")
            )
        _require_change(request.user, organization)
        try:
            saved = logic_services.save_logic_model(
                acting_user=request.user,
                organization=organization,
                **_model_values(organization, given, None),
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._detail(saved, status.HTTP_201_CREATED)

    @extend_schema(
        request=LogicModelWriteSerializer,
        responses={200: LogicModelDetailSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request, *args, **kwargs):
        found = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(LogicModelWriteSerializer(data=request.data, partial=partial))
        given.pop("organization_code", None)
        try:
            logic_services.save_logic_model(
                acting_user=request.user,
                organization=found.organization,
                logic_model=found,
                **_model_values(found.organization, given, found),
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._detail(found)

    @extend_schema(responses={204: None, 403: ERROR})
    def destroy(self, request, *args, **kwargs):
        found = self.get_object()
        logic_services.delete_logic_model(acting_user=request.user, logic_model=found)
        return APIResponse(status=status.HTTP_204_NO_CONTENT)


def _model_values(organization, given: dict, current) -> dict:
    """The service's arguments: what was sent, the rest as the model has it."""
    values = {
        "title": given.get("title", current.title if current else ""),
        "description": given.get("description", current.description if current else ""),
        "plan": current.plan if current else None,
        "policy": current.policy if current else None,
    }
    if "plan" in given:
        pk = given["plan"]
        values["plan"] = _own(Plan.objects.filter(organization=organization), pk, "plan")
        if "policy" not in given:
            values["policy"] = None
    if "policy" in given:
        pk = given["policy"]
        values["policy"] = _own(
            Policy.objects.filter(plan__organization=organization).select_related("plan"),
            pk,
            "policy",
        )
    return values


def _own(queryset, pk, name: str):
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ServiceError(
            _("%(name)s には、この団体の%(what)sのIDを指定してください。")
            % {"name": name, "what": _("計画") if name == "plan" else _("基本方針")}
        )
    return found


# --- nodes --------------------------------------------------------------------------------------


class NodeSerializer(serializers.ModelSerializer):
    measures = serializers.SerializerMethodField(help_text="施策のID")
    kpis = serializers.SerializerMethodField(help_text="KPIのID")

    class Meta:
        model = LogicNode
        fields = ["id", "logic_model", "stage", "title", "description", "order", "measures", "kpis"]
        read_only_fields = fields

    def get_measures(self, obj) -> list[int]:
        return [row.measure_id for row in obj.logicnodemeasure_set.all()]

    def get_kpis(self, obj) -> list[int]:
        return [row.kpi_id for row in obj.logicnodekpi_set.all()]


class NodeWriteSerializer(serializers.Serializer):
    logic_model = serializers.IntegerField(required=False, help_text="ロジックモデルのID(作成時)")
    stage = serializers.ChoiceField(LogicStage.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=9999)
    measures = serializers.ListField(child=serializers.IntegerField(), required=False)
    kpis = serializers.ListField(child=serializers.IntegerField(), required=False)


class NodeFilter(filters.FilterSet):
    logic_model = filters.NumberFilter(field_name="logic_model_id", label="ロジックモデルのID")

    class Meta:
        model = LogicNode
        fields = ["logic_model", "stage"]


def _visible_model(user, value) -> LogicModel:
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise exceptions.ValidationError(
            {"detail": _("logic_model にロジックモデルのIDを指定してください。")}
        ) from None
    found = (
        logic_queries.visible_logic_models(user)
        .select_related("organization")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return found


class _PartViewSet(viewsets.ModelViewSet):
    """Nodes and links: read by whoever sees their model; written by its organization's staff
    through logic_services (`save(acting_user, logic_model, <part>=…, **values)`)."""

    access_rule = LOGIN
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    part = ""  # "node" or "link": the keyword of the services
    write_serializer = serializers.Serializer
    # Each viewset names its services (save_node / delete_node, save_link / delete_link) and
    # `values(logic_model, given, current)`: the services' keyword arguments from the request.
    save: Callable[..., Any]
    remove: Callable[..., Any]
    values: Callable[..., dict]

    def visible(self, model):
        return model.objects.filter(
            logic_model__in=logic_queries.visible_logic_models(self.request.user).values("pk")
        ).select_related("logic_model__organization")

    def _fresh(self, obj, code=status.HTTP_200_OK):
        return APIResponse(
            self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=code
        )

    def _save(self, logic_model, current, given: dict, code=status.HTTP_200_OK):
        try:
            saved = self.save(
                acting_user=self.request.user,
                logic_model=logic_model,
                **{self.part: current},
                **self.values(logic_model, given, current),
            )
        except ServiceError as refused:
            return bad_request(refused)
        return self._fresh(saved, code)

    def create(self, request, *args, **kwargs):
        given = validated(self.write_serializer(data=request.data))
        found = _visible_model(request.user, given.pop("logic_model", None))
        _require_change(request.user, found.organization)
        return self._save(found, None, given, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        current = self.get_object()
        partial = kwargs.get("partial", False)
        given = validated(self.write_serializer(data=request.data, partial=partial))
        given.pop("logic_model", None)
        return self._save(current.logic_model, current, given)

    def destroy(self, request, *args, **kwargs):
        self.remove(acting_user=request.user, **{self.part: self.get_object()})
        return APIResponse(status=status.HTTP_204_NO_CONTENT)


def _part_schema(write, read):
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read, 400: ERROR}),
        update=extend_schema(request=write, responses={200: read, 400: ERROR}),
        partial_update=extend_schema(request=write, responses={200: read, 400: ERROR}),
        destroy=extend_schema(responses={204: None, 403: ERROR}),
    )


@_part_schema(NodeWriteSerializer, NodeSerializer)
class LogicNodeViewSet(_PartViewSet):
    """見られるロジックモデルのノード。作成・変更・削除は団体の管理者・職員だけで、画面と
    同じ検証です(施策とKPIはその団体のもの、段階を変えてつながりが逆向きになるときは
    変えられません)。状況は logic-models の1件の取得で返します。"""

    serializer_class = NodeSerializer
    filterset_class = NodeFilter
    part = "node"
    write_serializer = NodeWriteSerializer
    save = staticmethod(logic_services.save_node)
    remove = staticmethod(logic_services.delete_node)

    def get_queryset(self):
        return (
            self.visible(LogicNode)
            .prefetch_related("logicnodemeasure_set", "logicnodekpi_set")
            .order_by("logic_model_id", "order", "pk")
        )

    def values(self, logic_model, given: dict, current) -> dict:
        return _node_values(logic_model, given, current)


def _node_values(logic_model, given: dict, node) -> dict:
    values = {
        name: given.get(name, getattr(node, name) if node else default)
        for name, default in (("stage", ""), ("title", ""), ("description", ""), ("order", 0))
    }
    org = logic_model.organization
    if "measures" in given:
        ids = set(given["measures"])
        found = list(
            Measure.objects.filter(pk__in=ids, plan__organization=org).select_related("plan")
        )
        if len(found) != len(ids):
            raise ServiceError(_("measures には、この団体の計画の施策のIDを指定してください。"))
        values["measures"] = found
    if "kpis" in given:
        ids = set(given["kpis"])
        found = list(Kpi.objects.filter(pk__in=ids, organization=org))
        if len(found) != len(ids):
            raise ServiceError(_("kpis には、この団体のKPIのIDを指定してください。"))
        values["kpis"] = found
    return values


# --- links --------------------------------------------------------------------------------------


class LinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = LogicLink
        fields = ["id", "logic_model", "source", "target", "assumption", "rationale"]
        read_only_fields = fields


class LinkWriteSerializer(serializers.Serializer):
    logic_model = serializers.IntegerField(required=False, help_text="ロジックモデルのID(作成時)")
    source = serializers.IntegerField(help_text="上流のノードのID")
    target = serializers.IntegerField(help_text="下流のノードのID")
    assumption = serializers.CharField(required=False, allow_blank=True)
    rationale = serializers.CharField(required=False, allow_blank=True)


class LinkFilter(filters.FilterSet):
    logic_model = filters.NumberFilter(field_name="logic_model_id", label="ロジックモデルのID")

    class Meta:
        model = LogicLink
        fields = ["logic_model"]


@_part_schema(LinkWriteSerializer, LinkSerializer)
class LogicLinkViewSet(_PartViewSet):
    """見られるロジックモデルのつながり(上流 → 下流、前提条件と根拠)。作成・変更・削除は
    団体の管理者・職員だけで、画面と同じ検証です(同じロジックモデルのノードどうし、
    後ろの段階へ(または同じ段階の中で)、循環しない)。"""

    serializer_class = LinkSerializer
    filterset_class = LinkFilter
    part = "link"
    write_serializer = LinkWriteSerializer
    save = staticmethod(logic_services.save_link)
    remove = staticmethod(logic_services.delete_link)

    def get_queryset(self):
        return (
            self.visible(LogicLink)
            .select_related("source", "target")
            .order_by("logic_model_id", "pk")
        )

    def values(self, logic_model, given: dict, current) -> dict:
        return _link_values(self.request.user, given, current)


def _link_values(user, given: dict, link) -> dict:
    values = {
        "assumption": given.get("assumption", link.assumption if link else ""),
        "rationale": given.get("rationale", link.rationale if link else ""),
    }
    visible = LogicNode.objects.filter(
        logic_model__in=logic_queries.visible_logic_models(user).values("pk")
    )
    for name in ("source", "target"):
        if name not in given:
            values[name] = getattr(link, name)
            continue
        node = visible.filter(pk=given[name]).first()
        if node is None:
            raise ServiceError(
                _("%(name)s には、このロジックモデルのノードのIDを指定してください。")
                % {"name": name}
            )
        values[name] = node
    return values
