"""REST API of the plans app: plans with their policies and roll-up progress, measures and
their progress update, dependencies, baselines and their comparison, the schedule, the what-if
and applying a slip. Writes go through the same services as the pages (same checks, update log
and audit); rights come from core.access (RouteRulePermission and `access.can`)."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response as APIResponse

from chiikidx.core import access
from chiikidx.core.access import LOGIN
from chiikidx.core.api import bad_request
from chiikidx.core.api_access import NOT_FOUND_MESSAGE
from chiikidx.core.services import ServiceError

from . import baselines, queries, services
from .choices import DependencyKind, MeasureStatus
from .models import Baseline, Dependency, Measure, MeasureUpdate, Plan, PlanDecision, Policy


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


class MinutesFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="minutes_name")
    content_type = serializers.CharField(source="minutes_content_type")
    size = serializers.IntegerField(source="minutes_size")
    sha256 = serializers.CharField(source="minutes_sha256")
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        """The file through the plan page's download (a logged-in browser session)."""
        url = reverse(
            "plans:minutes",
            kwargs={
                "lgcode": obj.plan.organization.code,
                "plan_id": obj.plan_id,
                "decision_id": obj.pk,
            },
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DecisionSerializer(serializers.ModelSerializer):
    minutes_file = serializers.SerializerMethodField(help_text="議事録のファイル(なければ null)")

    class Meta:
        model = PlanDecision
        fields = [
            "id",
            "from_status",
            "to_status",
            "decided_on",
            "decided_by",
            "meeting",
            "minutes_url",
            "minutes_file",
            "note",
            "recorded_at",
        ]

    @extend_schema_field(MinutesFileSerializer(allow_null=True))
    def get_minutes_file(self, obj) -> dict | None:
        if not obj.minutes_file:
            return None
        return MinutesFileSerializer(obj, context=self.context).data


class PlanSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    level_names = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(
        help_text="計画全体の重み付きの進捗(%)。中止の施策は除きます"
    )
    measure_count = serializers.SerializerMethodField()
    policies = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField(help_text="決定の履歴(古い順)")

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
            "decisions",
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

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, obj) -> list:
        decisions = list(obj.decisions.all())
        for decision in decisions:
            decision.plan = obj  # for the download URL, without a query per decision
        return DecisionSerializer(decisions, many=True, context=self.context).data


ERROR = inline_serializer("PlanError", {"detail": serializers.CharField()})
MAX_DAYS = 3650  # the page's limit for a slip and a lag (about ten years)


class ScheduleMeasureSerializer(serializers.Serializer):
    measure = serializers.IntegerField(help_text="施策のID")
    code = serializers.CharField()
    title = serializers.CharField()
    plan = serializers.IntegerField(help_text="施策の計画のID")
    plan_title = serializers.CharField()
    external = serializers.BooleanField(help_text="依存関係でつながった、同じ団体の別の計画の施策")
    owner_department_name = serializers.CharField()
    status = serializers.ChoiceField(MeasureStatus.choices)
    start_date = serializers.DateField(help_text="予定の開始日")
    deadline = serializers.DateField(help_text="期限(予定の終了日)")
    duration_days = serializers.IntegerField()
    earliest_start = serializers.DateField()
    earliest_finish = serializers.DateField()
    latest_start = serializers.DateField()
    latest_finish = serializers.DateField()
    slack_days = serializers.IntegerField(help_text="余裕日数 = 最遅開始日 − 最早開始日")
    critical = serializers.BooleanField(help_text="重要経路(余裕日数が0日以下)")
    days_late = serializers.IntegerField(
        help_text="期限超過の日数: 最早終了日が期限より後になる日数(0: 期限内)"
    )
    blocked_by = serializers.ListField(
        child=serializers.IntegerField(), help_text="完了していない「完了待ち」の先行施策のID"
    )


class ScheduleLinkSerializer(serializers.Serializer):
    predecessor = serializers.IntegerField()
    successor = serializers.IntegerField()
    kind = serializers.ChoiceField(DependencyKind.choices)
    lag_days = serializers.IntegerField()
    critical = serializers.BooleanField()


class UndatedSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class ScheduleSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    error = serializers.CharField(
        help_text="計算できないときの理由(依存関係の循環など)。計算できたときは空文字"
    )
    project_start = serializers.DateField(allow_null=True)
    project_finish = serializers.DateField(allow_null=True, help_text="計画全体の完了日")
    measures = ScheduleMeasureSerializer(many=True)
    broken_deadlines = ScheduleMeasureSerializer(
        many=True, help_text="期限を超過する施策(measures のうち days_late が1以上のもの)"
    )
    dependencies = ScheduleLinkSerializer(many=True)
    critical_paths = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="重要経路(施策のIDの並び)",
    )
    critical_paths_truncated = serializers.BooleanField()
    undated = UndatedSerializer(many=True, help_text="開始日か期限が未入力で工程に含めない施策")


class MoveSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    title = serializers.CharField()
    old_start = serializers.DateField()
    old_finish = serializers.DateField()
    new_start = serializers.DateField()
    new_finish = serializers.DateField()
    shift_days = serializers.IntegerField()


class BrokenDeadlineSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    title = serializers.CharField()
    deadline = serializers.DateField()
    new_finish = serializers.DateField()
    days_late = serializers.IntegerField()
    days_late_before = serializers.IntegerField(
        help_text="遅れる前から超過していた日数(0: この遅れで新たに超過)"
    )


class ImpactSerializer(serializers.Serializer):
    measure = serializers.IntegerField(help_text="遅れる施策のID")
    days = serializers.IntegerField(help_text="遅れる日数")
    moves = MoveSerializer(many=True, help_text="日程が動く施策(遅れる施策が最初)")
    broken_deadlines = BrokenDeadlineSerializer(many=True)
    project_finish_before = serializers.DateField(allow_null=True)
    project_finish_after = serializers.DateField(allow_null=True)


class SlipResultSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    moves = MoveSerializer(many=True, help_text="日程を移した施策")


WHAT_IF_FIELDS = {
    "measure": serializers.IntegerField(help_text="遅れる施策のID(この計画の施策)"),
    "days": serializers.IntegerField(min_value=1, max_value=MAX_DAYS, help_text="遅れる日数"),
}
WHAT_IF_PARAMETERS = [
    OpenApiParameter("measure", int, required=True, description="遅れる施策のID"),
    OpenApiParameter("days", int, required=True, description="遅れる日数(1〜3650)"),
]


class StateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="ベースラインのID、または current(現在の計画)")
    label = serializers.CharField()
    baseline = serializers.IntegerField(allow_null=True)
    plan = serializers.IntegerField(allow_null=True, help_text="ベースラインを取った計画(版)のID")
    taken_at = serializers.DateTimeField(allow_null=True)


class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class BudgetDriftSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    before = serializers.IntegerField()
    after = serializers.IntegerField()
    drift = serializers.IntegerField()


class MeasureChangeSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="施策の番号(改定で写した施策は最初の版の施策のID)")
    title = serializers.CharField()
    fields = FieldChangeSerializer(many=True, help_text="変わった項目(前 → 後、表示の形)")
    start_drift_days = serializers.IntegerField(allow_null=True)
    deadline_drift_days = serializers.IntegerField(allow_null=True)
    progress_drift = serializers.IntegerField(help_text="進捗の差(ポイント)")
    budget_drift = serializers.IntegerField(help_text="予算額の差の合計(円)")
    budgets = BudgetDriftSerializer(many=True)
    before = serializers.DictField()
    after = serializers.DictField()


class ComparisonSerializer(serializers.Serializer):
    a = StateSerializer(help_text="比較元(前)")
    b = StateSerializer(help_text="比較先(後)")
    added = serializers.ListField(child=serializers.DictField())
    removed = serializers.ListField(child=serializers.DictField())
    changed = MeasureChangeSerializer(many=True)
    unchanged = serializers.IntegerField()
    budget_before = serializers.IntegerField()
    budget_after = serializers.IntegerField()
    budget_drift = serializers.IntegerField()


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """見られるDX推進計画。基本方針ごと・計画全体の進捗(重み付き平均)を含みます。
    `schedule`(工程)、`what-if`(もし遅れたら。何も変更しません)、`slip`(遅れの反映)、
    `compare`(ベースラインとの比較)もここにあります。"""

    access_rule = LOGIN
    serializer_class = PlanSerializer
    filterset_fields = ["status"]
    # The what-if changes nothing: whoever sees the plan may ask it, also by POST.
    object_actions = {"what_if": "view", "slip": "change"}

    def get_queryset(self):
        if self.action in ("schedule", "what_if", "slip", "compare"):
            return queries.visible_plans(self.request.user).select_related("organization")
        light = Measure.objects.only("pk", "plan_id", "policy_id", "status", "weight", "progress")
        return (
            queries.visible_plans(self.request.user)
            .select_related("organization")
            .prefetch_related(
                "policies",
                Prefetch("measures", queryset=light),
                Prefetch("decisions", queryset=PlanDecision.objects.order_by("recorded_at", "pk")),
            )
            .order_by("organization__code", "-start_fy", "title")
        )

    @extend_schema(responses={200: ScheduleSerializer})
    @action(detail=True)
    def schedule(self, request, pk=None):
        """工程: 施策ごとの最早・最遅の開始日と終了日、余裕日数、重要経路、期限超過(画面の
        「工程と重要経路」と同じ計算)。依存関係が循環しているときは `error` に理由が入ります。"""
        found = services.schedule_of(self.get_object())
        return APIResponse(ScheduleSerializer(_schedule_data(found)).data)

    @extend_schema(
        methods=["GET"],
        parameters=WHAT_IF_PARAMETERS,
        responses={200: ImpactSerializer, 400: ERROR},
    )
    @extend_schema(
        methods=["POST"],
        request=inline_serializer("PlanWhatIf", WHAT_IF_FIELDS),
        responses={200: ImpactSerializer, 400: ERROR},
    )
    @action(detail=True, methods=["get", "post"], url_path="what-if", url_name="what-if")
    def what_if(self, request, pk=None):
        """もし遅れたら: 施策(measure)が日数(days)遅れたときに日程が動く施策、超える期限、
        計画全体の完了日の変化。何も変更しません(計画を見られる人はだれでも使えます)。"""
        plan = self.get_object()
        source = request.query_params if request.method == "GET" else _data(request)
        try:
            measure, days = _slip_input(plan, source)
            impact = services.what_if(plan, measure, days)
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(ImpactSerializer(_impact_data(impact)).data)

    @extend_schema(
        request=inline_serializer(
            "PlanSlip",
            WHAT_IF_FIELDS
            | {
                "reason": serializers.CharField(
                    max_length=500, help_text="反映する理由(各施策の更新の記録に残ります)"
                )
            },
        ),
        responses={200: SlipResultSerializer, 400: ERROR, 403: ERROR},
    )
    @action(detail=True, methods=["post"])
    def slip(self, request, pk=None):
        """遅れを反映します: what-if で日程が動くすべての施策の開始日と期限を新しい日付にし、
        各施策の更新の記録に理由を残します(監査ログにも残ります)。すべてか、何もしないかの
        どちらかです。団体の管理者・職員だけ(画面の「この遅れを反映する」と同じ)。"""
        plan = self.get_object()
        data = _data(request)
        reason = str(data.get("reason", ""))
        if len(reason) > 500:
            return bad_request(_("反映する理由は500文字以内で入力してください。"))
        try:
            measure, days = _slip_input(plan, data)
            moves = services.apply_slip(
                acting_user=request.user, plan=plan, measure=measure, days=days, reason=reason
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        result = {
            "measure": measure.pk,
            "days": days,
            "reason": reason.strip(),
            "moves": [_move(m) for m in moves],
        }
        return APIResponse(SlipResultSerializer(result).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "a",
                OpenApiTypes.STR,
                description="比較元(前): ベースラインのID か current。省略すると最新のベースライン",
            ),
            OpenApiParameter(
                "b",
                OpenApiTypes.STR,
                description="比較先(後): ベースラインのID か current。省略すると current",
            ),
        ],
        responses={200: ComparisonSerializer, 400: ERROR},
    )
    @action(detail=True)
    def compare(self, request, pk=None):
        """ベースラインと現在の計画、またはベースライン同士の比較(画面の「ベースラインと比較」
        と同じ)。この計画の改定前・改定後の版のベースラインも指定できます。"""
        plan = self.get_object()
        found = list(queries.baselines_of(queries.plan_versions(plan)))
        by_key = {str(b.pk): b for b in found}
        a_key = str(request.query_params.get("a") or (found[-1].pk if found else ""))
        b_key = str(request.query_params.get("b") or "current")
        if not a_key:
            return bad_request(
                _(
                    "この計画にはまだベースラインがありません。"
                    "先にベースラインを保存してください(POST /api/v1/plan-baselines/)。"
                )
            )
        for key in (a_key, b_key):
            if key != "current" and key not in by_key:
                return bad_request(
                    _(
                        "「%(key)s」はこの計画のベースラインではありません。a と b には、"
                        "この計画(またはその版)のベースラインのIDか current を指定してください。"
                    )
                    % {"key": key}
                )
        if a_key == b_key:
            return bad_request(_("比較元(a)と比較先(b)には別のものを指定してください。"))
        current = baselines.state_of(plan) if "current" in (a_key, b_key) else None
        states = [
            current if k == "current" else baselines.state_of(by_key[k]) for k in (a_key, b_key)
        ]
        comparison = baselines.compare(*states)
        return APIResponse(ComparisonSerializer(_comparison_data(comparison)).data)


def _data(request) -> dict:
    return request.data if hasattr(request.data, "get") else {}


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _slip_input(plan: Plan, source) -> tuple[Measure, int]:
    """The measure (of this plan) and the days of a what-if or a slip, or a ServiceError."""
    measure_id = _int(source.get("measure", ""))
    measure = (
        Measure.objects.select_related("plan").filter(plan=plan, pk=measure_id).first()
        if measure_id is not None
        else None
    )
    if measure is None:
        raise ServiceError(_("measure に、この計画の施策のIDを指定してください。"))
    days = _int(source.get("days", ""))
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ServiceError(_("遅れる日数(days)は1〜3650の整数で指定してください。"))
    return measure, days


def _schedule_data(found) -> dict:
    plan = found.plan
    rows = [
        {
            "measure": r.measure.pk,
            "code": r.measure.code,
            "title": r.measure.title,
            "plan": r.measure.plan_id,
            "plan_title": r.measure.plan.title if r.external else plan.title,
            "external": r.external,
            "owner_department_name": r.measure.owner_department.name,
            "status": r.measure.status,
            "start_date": r.measure.start_date,
            "deadline": r.measure.deadline,
            "duration_days": r.computed.duration_days,
            "earliest_start": r.computed.earliest_start,
            "earliest_finish": r.computed.earliest_finish,
            "latest_start": r.computed.latest_start,
            "latest_finish": r.computed.latest_finish,
            "slack_days": r.computed.slack_days,
            "critical": r.computed.critical,
            "days_late": r.days_late,
            "blocked_by": list(r.computed.blocked_by),
        }
        for r in found.rows
    ]
    result = found.result
    critical = set(result.critical_links) if result else set()
    return {
        "plan": plan.pk,
        "error": found.error,
        "project_start": result.project_start if result else None,
        "project_finish": result.project_finish if result else None,
        "measures": rows,
        "broken_deadlines": [row for row in rows if row["days_late"] > 0],
        "dependencies": [
            {
                "predecessor": link.predecessor,
                "successor": link.successor,
                "kind": link.kind,
                "lag_days": link.lag_days,
                "critical": (link.predecessor, link.successor) in critical,
            }
            for link in found.links
        ],
        "critical_paths": result.critical_paths if result else [],
        "critical_paths_truncated": result.critical_paths_truncated if result else False,
        "undated": [{"measure": m.pk, "code": m.code, "title": m.title} for m in found.undated],
    }


def _move(move) -> dict:
    return {
        "measure": move.id,
        "title": move.label,
        "old_start": move.old_start,
        "old_finish": move.old_finish,
        "new_start": move.new_start,
        "new_finish": move.new_finish,
        "shift_days": move.shift_days,
    }


def _impact_data(impact) -> dict:
    return {
        "measure": impact.task_id,
        "days": impact.slip_days,
        "moves": [_move(m) for m in impact.moves],
        "broken_deadlines": [
            {
                "measure": b.id,
                "title": b.label,
                "deadline": b.deadline,
                "new_finish": b.new_finish,
                "days_late": b.days_late,
                "days_late_before": b.days_late_before,
            }
            for b in impact.broken_deadlines
        ],
        "project_finish_before": impact.project_finish_before,
        "project_finish_after": impact.project_finish_after,
    }


def _state(state) -> dict:
    taken = state.baseline
    return {
        "key": state.key,
        "label": state.label,
        "baseline": taken.pk if taken else None,
        "plan": taken.plan_id if taken else None,
        "taken_at": taken.taken_at if taken else None,
    }


def _comparison_data(found) -> dict:
    return {
        "a": _state(found.a),
        "b": _state(found.b),
        "added": found.added,
        "removed": found.removed,
        "changed": [
            {
                "key": c.key,
                "title": c.title,
                "fields": [vars(f) for f in c.fields],
                "start_drift_days": c.start_drift,
                "deadline_drift_days": c.deadline_drift,
                "progress_drift": c.progress_drift,
                "budget_drift": c.budget_drift,
                "budgets": [
                    {
                        "fiscal_year": b.fiscal_year,
                        "before": b.before,
                        "after": b.after,
                        "drift": b.drift,
                    }
                    for b in c.budgets
                ],
                "before": c.before,
                "after": c.after,
            }
            for c in found.changed
        ],
        "unchanged": found.unchanged,
        "budget_before": found.budget_before,
        "budget_after": found.budget_after,
        "budget_drift": found.budget_drift,
    }


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
            return bad_request(_("進捗は0〜100の整数で入力してください。"))
        try:
            services.update_progress(
                acting_user=request.user,
                measure=measure,
                status=str(data.get("status", "")),
                progress=progress,
                comment=str(data.get("comment", "")),
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(self.get_serializer(self.get_queryset().get(pk=measure.pk)).data)


# --- dependencies ----------------------------------------------------------------------------


class DependencySerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(
        source="successor.plan.organization.code", read_only=True
    )
    predecessor_title = serializers.CharField(source="predecessor.title", read_only=True)
    predecessor_plan = serializers.IntegerField(source="predecessor.plan_id", read_only=True)
    successor_title = serializers.CharField(source="successor.title", read_only=True)
    successor_plan = serializers.IntegerField(source="successor.plan_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Dependency
        fields = [
            "id",
            "organization_code",
            "predecessor",
            "predecessor_title",
            "predecessor_plan",
            "successor",
            "successor_title",
            "successor_plan",
            "kind",
            "kind_label",
            "lag_days",
            "note",
        ]
        read_only_fields = fields


class DependencyFilter(filters.FilterSet):
    plan = filters.NumberFilter(method="filter_plan", label="計画のID(先行か後続がその計画の施策)")
    measure = filters.NumberFilter(method="filter_measure", label="施策のID(先行か後続)")
    kind = filters.ChoiceFilter(choices=DependencyKind.choices, label="種類")

    class Meta:
        model = Dependency
        fields = ["plan", "measure", "kind"]

    def filter_plan(self, queryset, name, value):
        return queryset.filter(Q(successor__plan_id=value) | Q(predecessor__plan_id=value))

    def filter_measure(self, queryset, name, value):
        return queryset.filter(Q(successor_id=value) | Q(predecessor_id=value))


DEPENDENCY_REQUEST = inline_serializer(
    "PlanDependencyNew",
    {
        "successor": serializers.IntegerField(help_text="待つ側の施策(後続施策)のID"),
        "predecessor": serializers.IntegerField(
            help_text="待たれる施策(先行施策)のID。同じ団体の別の計画の施策も選べます"
        ),
        "kind": serializers.ChoiceField(DependencyKind.choices, default=DependencyKind.FS),
        "lag_days": serializers.IntegerField(
            default=0,
            min_value=-MAX_DAYS,
            max_value=MAX_DAYS,
            help_text="終了→開始・開始→開始のずれ(日)。マイナスは重なり。完了待ちは0",
        ),
        "note": serializers.CharField(required=False, max_length=200),
    },
)


class DependencyViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """施策の依存関係(後続施策が先行施策を待つ)。`plan`(計画のID)、`measure`(施策のID)、
    `kind` で絞り込めます。登録・解除は画面と同じ処理と権限です(後続施策の担当部署の原課担当と、
    団体の管理者・職員)。循環する登録は、循環する施策を順に示して断ります。"""

    access_rule = LOGIN
    serializer_class = DependencySerializer
    filterset_class = DependencyFilter

    def get_queryset(self):
        plans = queries.visible_plans(self.request.user).values("pk")
        return (
            Dependency.objects.filter(successor__plan__in=plans, predecessor__plan__in=plans)
            .select_related(
                "successor__plan__organization", "successor__owner_department", "predecessor"
            )
            .order_by("successor__plan_id", "successor_id", "predecessor_id")
        )

    @extend_schema(
        request=DEPENDENCY_REQUEST,
        responses={201: DependencySerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """依存関係を登録します(画面の「先行施策を追加」と同じ検証)。後続施策(successor)が
        見られなければ 404、その依存関係を変える権限がなければ 403、値の誤り・循環・別の団体の
        施策は 400 です。"""
        data = _data(request)
        successor_id = _int(data.get("successor", ""))
        if successor_id is None:
            return bad_request(_("successor に、待つ側の施策(後続施策)のIDを指定してください。"))
        successor = (
            queries.visible_measures(request.user)
            .select_related("plan__organization", "owner_department")
            .filter(pk=successor_id)
            .first()
        )
        if successor is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        if not access.can(request.user, "change", successor):
            raise PermissionDenied(
                _(
                    "この依存関係を変更できるのは、後続の施策「%(title)s」の担当部署の職員と"
                    "計画の担当者だけです。"
                )
                % {"title": successor.title}
            )
        try:
            values = _dependency_values(successor, data)
            link = services.add_dependency(acting_user=request.user, successor=successor, **values)
        except ServiceError as refused:
            return bad_request(str(refused))
        created = self.get_queryset().get(pk=link.pk)
        return APIResponse(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR})
    def destroy(self, request, *args, **kwargs):
        """依存関係を外します(後続施策の担当部署の原課担当と、団体の管理者・職員)。"""
        dependency = self.get_object()
        try:
            services.remove_dependency(acting_user=request.user, dependency=dependency)
        except ServiceError as refused:
            return bad_request(str(refused))
        return APIResponse(status=status.HTTP_204_NO_CONTENT)


def _dependency_values(successor: Measure, data) -> dict:
    """The page form's checks: a predecessor of the same organization, a kind, a lag in range."""
    predecessor_id = _int(data.get("predecessor", ""))
    predecessor = (
        Measure.objects.select_related("plan")
        .filter(pk=predecessor_id, plan__organization_id=successor.plan.organization_id)
        .first()
        if predecessor_id is not None
        else None
    )
    if predecessor is None:
        raise ServiceError(
            _(
                "predecessor に、待たれる施策(先行施策)のIDを指定してください。"
                "先行施策は後続施策と同じ団体の計画の施策から選びます。"
            )
        )
    kind = str(data.get("kind") or DependencyKind.FS)
    if kind not in DependencyKind.values:
        raise ServiceError(
            _("依存関係の種類(kind)は %(kinds)s のどれかにしてください。")
            % {"kinds": "・".join(f"{v}({label})" for v, label in DependencyKind.choices)}
        )
    raw_lag = data.get("lag_days", 0)
    lag = 0 if raw_lag in ("", None) else _int(raw_lag)
    if lag is None or not -MAX_DAYS <= lag <= MAX_DAYS:
        raise ServiceError(_("ずれ(lag_days)は-3650〜3650の整数(日)で指定してください。"))
    note = str(data.get("note", "")).strip()
    if len(note) > 200:
        raise ServiceError(_("メモは200文字以内で入力してください。"))
    return {"predecessor": predecessor, "kind": kind, "lag_days": lag, "note": note}


# --- baselines -------------------------------------------------------------------------------


class BaselineSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="plan.organization.code", read_only=True)
    plan_version = serializers.IntegerField(source="plan.version", read_only=True)
    taken_by = serializers.SerializerMethodField()

    class Meta:
        model = Baseline
        fields = [
            "id",
            "organization_code",
            "plan",
            "plan_version",
            "label",
            "note",
            "taken_at",
            "taken_by",
        ]
        read_only_fields = fields

    def get_taken_by(self, obj) -> str:
        user = obj.taken_by
        if user is None:
            return ""
        return f"{user.last_name} {user.first_name}".strip() or user.get_username()


class BaselineDetailSerializer(BaselineSerializer):
    snapshot = serializers.JSONField(
        read_only=True,
        help_text="取得した時点の計画・基本方針・施策(年度別の予算を含む)。あとで変わりません",
    )

    class Meta(BaselineSerializer.Meta):
        fields = [*BaselineSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class BaselineFilter(filters.FilterSet):
    plan = filters.NumberFilter(
        method="filter_plan", label="計画のID(その計画の改定前・改定後の版のベースラインも含みます)"
    )

    class Meta:
        model = Baseline
        fields = ["plan"]

    def filter_plan(self, queryset, name, value):
        plan = Plan.objects.filter(pk=value).first()
        if plan is None:
            return queryset.none()
        return queryset.filter(plan__in=[p.pk for p in queries.plan_versions(plan)])


class BaselineViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """計画のベースライン(ある時点の計画の写し)。一覧は内容(snapshot)を含まず、`{ID}/` で
    内容を返します。`plan` で絞り込むと、その計画の改定前・改定後の版のベースラインも並びます
    (画面と同じ)。比較は `/api/v1/plans/{ID}/compare/` です。"""

    access_rule = LOGIN
    filterset_class = BaselineFilter

    def get_serializer_class(self):
        return BaselineSerializer if self.action == "list" else BaselineDetailSerializer

    def get_queryset(self):
        found = (
            Baseline.objects.filter(plan__in=queries.visible_plans(self.request.user).values("pk"))
            .select_related("plan__organization", "taken_by")
            .order_by("plan__organization__code", "plan_id", "taken_at", "pk")
        )
        return found.defer("snapshot") if self.action == "list" else found

    @extend_schema(
        request=inline_serializer(
            "PlanBaselineNew",
            {
                "plan": serializers.IntegerField(help_text="計画のID"),
                "label": serializers.CharField(max_length=100, help_text="例: 議会承認時"),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={201: BaselineDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """計画の今の状態をベースラインとして保存します(画面の「ベースラインを保存」と同じ)。
        計画を変更できる人(団体の管理者・職員)だけ。見られない計画は 404 です。"""
        data = _data(request)
        plan_id = _int(data.get("plan", ""))
        if plan_id is None:
            return bad_request(_("plan に、ベースラインを取る計画のIDを指定してください。"))
        plan = queries.visible_plans(request.user).select_related("organization")
        plan = plan.filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        if not access.can(request.user, "change", plan):
            raise PermissionDenied(_("ベースラインを保存できるのは、計画を変更できる人だけです。"))
        label = str(data.get("label", ""))
        if len(label.strip()) > 100:
            return bad_request(_("ベースラインの名称は100文字以内で入力してください。"))
        try:
            taken = services.take_baseline(
                acting_user=request.user, plan=plan, label=label, note=str(data.get("note", ""))
            )
        except ServiceError as refused:
            return bad_request(str(refused))
        saved = self.get_queryset().get(pk=taken.pk)
        return APIResponse(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)
