"""The Plan and Do sections of a review, as plain JSON-able dicts.

A draft review shows them computed now; sign-off stores the same dicts in the review
(`plan_snapshot`, `do_snapshot`), so pages, print and API render one shape either way.

- Plan: the plan's 目指す地域像, the 基本方針 or 施策 (何を・どの水準まで・期限), and the targets
  of the KPIs of the measures in scope for the period (on the target path at its last day, and
  at the end of its 年度). Targets come from monitoring.status (the path), not typed again.
- Do: the measures' status and progress now — departments report them for the meeting, often
  after the period has ended — rolled up with plans.services.weighted_progress (at sign-off
  they are frozen as they are then; the demo, signing off in the past, reads them as of that
  day from the plans' update log); the KPIs evaluated as of the day after the period with the
  actuals of the periods ended by then (monitoring.status.evaluate); and the update-log
  entries made within the period.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from chiikidx.plans.choices import STATUS_STYLE as MEASURE_STYLE
from chiikidx.plans.choices import MeasureStatus
from chiikidx.plans.models import Measure, Policy
from chiikidx.plans.queries import measure_updates
from chiikidx.plans.services import weighted_progress

from .. import queries, status
from ..choices import Alert
from ..models import Kpi
from ..periods import Period
from ..templatetags.kpi import kpi_value
from ..templatetags.kpi import shortfall as shortfall_text
from .choices import ScopeKind

UPDATES_SHOWN = 30  # update-log entries kept in a section (the total is counted)
CLOSED = (MeasureStatus.DONE, MeasureStatus.CANCELLED)


@dataclass
class Inputs:
    """What the sections of one scope read, gathered once (6 queries at most)."""

    plan: object
    policy: object | None
    measure: object | None
    policies: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    states: list = field(default_factory=list)
    updates: dict = field(default_factory=dict)  # measure id → entries, oldest first

    @property
    def kind(self) -> str:
        if self.measure is not None:
            return ScopeKind.MEASURE
        return ScopeKind.POLICY if self.policy is not None else ScopeKind.PLAN


def gather(review) -> Inputs:
    """Read what the review's scope needs (whatever the number of measures and KPIs)."""
    return gather_scope(review.scope_plan, review.policy, review.measure)


def gather_scope(plan, policy=None, measure=None) -> Inputs:
    found = Inputs(plan=plan, policy=policy, measure=measure)
    if measure is not None:
        measures = [measure]
    else:
        scope = Q(policy=policy) if policy is not None else Q(plan=plan)
        measures = list(
            Measure.objects.filter(scope)
            .select_related("owner_department", "policy")
            .order_by("policy__order", "policy_id", "order", "pk")
        )
    found.measures = measures
    if policy is None and measure is None:
        found.policies = list(Policy.objects.filter(plan=plan).order_by("order", "pk"))
    found.states = queries.states(_kpis_of(plan, measures), recorders=False)
    for entry in measure_updates(m.pk for m in measures):
        found.updates.setdefault(entry.measure_id, []).append(entry)
    return found


def _kpis_of(plan, measures) -> list[Kpi]:
    """Active KPIs of the measures, also through their copies in other versions (改定)."""
    if not measures:
        return []
    keys = {m.origin or m.pk for m in measures}
    return list(
        Kpi.objects.filter(organization_id=plan.organization_id, is_active=True)
        .filter(Q(kpimeasure__measure_id__in=keys) | Q(kpimeasure__measure__origin__in=keys))
        .distinct()
        .order_by("code", "name", "pk")
    )


# --- Plan -----------------------------------------------------------------------------------


def plan_section(inputs: Inputs, period: Period) -> dict:
    plan = inputs.plan
    section = {
        "scope_kind": inputs.kind,
        "plan": {
            "id": plan.pk,
            "title": plan.title,
            "vision": plan.vision,
            "start_fy": plan.start_fy,
            "end_fy": plan.end_fy,
            "sogo_keikaku": plan.sogo_keikaku,
            "policy_label": plan.policy_label,
            "measure_label": plan.measure_label,
        },
        "policy": _policy(inputs.policy) if inputs.policy is not None else None,
        "policies": [_policy(p, _count(inputs.measures, p)) for p in inputs.policies],
        "measures": [],
        "kpis": [_kpi_target(s, period) for s in inputs.states],
    }
    if inputs.kind != ScopeKind.PLAN:
        section["measures"] = [_measure_plan(m) for m in inputs.measures]
    return section


def _count(measures, policy) -> int:
    return sum(1 for m in measures if m.policy_id == policy.pk)


def _policy(policy, measure_count: int | None = None) -> dict:
    found = {
        "id": policy.pk,
        "code": policy.code,
        "title": policy.title,
        "description": policy.description,
    }
    if measure_count is not None:
        found["measure_count"] = measure_count
    return found


def _measure_plan(m) -> dict:
    return {
        "id": m.pk,
        "code": m.code,
        "title": m.title,
        "department": m.owner_department.name,
        "responsible": m.responsible,
        "start_date": _iso(m.start_date),
        "deadline": _iso(m.deadline),
        "deliverable": m.deliverable,
        "target_level": m.target_level,
    }


def _kpi_target(state, period: Period) -> dict:
    kpi, facts = state.kpi, state.facts
    year_end = datetime.date(period.fiscal_year + 1, 3, 31)
    final = max(facts.targets, key=lambda t: t.date, default=None)
    return {
        "id": kpi.pk,
        "code": kpi.code,
        "name": kpi.name,
        "definition": kpi.definition,
        "unit": kpi.unit_label,
        "direction": "" if kpi.is_milestone else kpi.get_direction_display(),
        "baseline": _value(kpi, facts.baseline.value) if facts.baseline else None,
        "target_end": _value(kpi, status.path_value(facts, period.end)),
        "target_year_end": _value(kpi, status.path_value(facts, year_end)),
        "final_target": _value(kpi, final.value) if final else None,
        "final_target_date": _iso(final.date) if final else None,
    }


# --- Do -------------------------------------------------------------------------------------


def do_section(inputs: Inputs, period: Period, as_of: datetime.date | None = None) -> dict:
    """`as_of`: read the measures as they stood on that day (None: as they are now)."""
    then = [_as_of(m, inputs.updates.get(m.pk, []), as_of) for m in inputs.measures]
    counts = dict.fromkeys(MeasureStatus.values, 0)
    for m in then:
        counts[m.status] += 1
    section = {
        "as_of": _iso(as_of or timezone.localdate()),
        "progress": _percent(weighted_progress(then)),
        "status_counts": [
            {
                "value": value,
                "label": str(label),
                "style": MEASURE_STYLE.get(value, "neutral"),
                "count": counts[value],
            }
            for value, label in MeasureStatus.choices
        ],
        "policies": [_policy_progress(p, then) for p in inputs.policies],
        "measures": [_measure_do(m, period) for m in then],
        "kpis": [_kpi_do(s, period) for s in inputs.states],
    }
    entries = [
        e
        for m in inputs.measures
        for e in inputs.updates.get(m.pk, [])
        if period.start <= timezone.localdate(e.at) <= period.end
    ]
    entries.sort(key=lambda e: (e.at, e.pk), reverse=True)
    names = {m.pk: _name(m) for m in inputs.measures}
    section["updates"] = [_update(e, names) for e in entries[:UPDATES_SHOWN]]
    section["updates_total"] = len(entries)
    return section


def _as_of(measure, entries: list, day: datetime.date | None) -> SimpleNamespace:
    """The measure's status and progress on `day` (None: now): its last update-log entry on or
    before that day; before its first entry it had not started; never updated: its current
    values."""
    state = SimpleNamespace(
        measure=measure,
        policy_id=measure.policy_id,
        weight=measure.weight,
        status=measure.status,
        progress=measure.progress,
    )
    if entries and day is not None:
        earlier = [e for e in entries if timezone.localdate(e.at) <= day]
        last = earlier[-1] if earlier else None
        state.status = last.status if last else MeasureStatus.NOT_STARTED
        state.progress = last.progress if last else 0
    return state


def _policy_progress(policy, then: list) -> dict:
    own = [m for m in then if m.policy_id == policy.pk]
    return {
        "id": policy.pk,
        "code": policy.code,
        "title": policy.title,
        "count": len(own),
        "progress": _percent(weighted_progress(own)),
    }


def _measure_do(state, period: Period) -> dict:
    m = state.measure
    overdue = m.deadline is not None and m.deadline <= period.end and state.status not in CLOSED
    return {
        "id": m.pk,
        "code": m.code,
        "title": m.title,
        "policy": m.policy.title,
        "department": m.owner_department.name,
        "status": state.status,
        "status_label": str(MeasureStatus(state.status).label),
        "style": MEASURE_STYLE.get(state.status, "neutral"),
        "progress": state.progress,
        "deadline": _iso(m.deadline),
        "overdue": overdue,
    }


def _kpi_do(state, period: Period) -> dict:
    """The KPI as it stood on the day after the period: the actuals of the periods ended by
    then, evaluated by monitoring.status (the same rules as the monitoring pages)."""
    kpi, facts = state.kpi, state.facts
    upto = [o for o in facts.actuals if o.period.end <= period.end]
    then = dataclasses.replace(facts, actuals=upto)
    evaluation = status.evaluate(then, period.end + datetime.timedelta(days=1))
    latest = evaluation.latest
    within = sorted((o for o in upto if o.period.start >= period.start), key=lambda o: o.period)
    return {
        "id": kpi.pk,
        "code": kpi.code,
        "name": kpi.name,
        "status": evaluation.status,
        "status_label": str(_status_label(evaluation.status)),
        "style": _status_style(evaluation.status),
        "latest": _value(kpi, latest.value) if latest else None,
        "latest_period": latest.period.label if latest else None,
        "latest_in_period": bool(latest and latest.period.start >= period.start),
        "target": _value(kpi, evaluation.target),
        "shortfall": None if evaluation.shortfall is None else str(round(evaluation.shortfall, 1)),
        "shortfall_text": shortfall_text(evaluation.shortfall),
        "actuals": [{"period": o.period.label, "value": _value(kpi, o.value)} for o in within],
        "alerts": [str(Alert(a).label) for a in evaluation.alerts if a != Alert.NO_OWNER],
        "not_growing": Alert.NOT_GROWING in evaluation.alerts,
    }


def _status_label(value: str) -> str:
    from ..choices import Status

    return Status(value).label


def _status_style(value: str) -> str:
    from ..choices import STATUS_STYLE

    return STATUS_STYLE.get(value, "neutral")


def _update(entry, names: dict) -> dict:
    by = entry.by
    return {
        "measure": names.get(entry.measure_id, ""),
        "measure_id": entry.measure_id,
        "at": timezone.localtime(entry.at).isoformat(),
        "status_label": str(MeasureStatus(entry.status).label),
        "style": MEASURE_STYLE.get(entry.status, "neutral"),
        "progress": entry.progress,
        "comment": entry.comment,
        "by": (f"{by.last_name} {by.first_name}".strip() or by.username) if by else "",
    }


def _name(m) -> str:
    return f"{m.code} {m.title}".strip()


# --- values ---------------------------------------------------------------------------------


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _value(kpi, value: Decimal | None) -> str | None:
    return None if value is None else kpi_value(value, kpi)


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def kpi_needs_rethink(do: dict) -> list[dict]:
    """KPIs whose use is not growing (伸びていない): the review should ask whether the 画面・
    手続 (UI/UX) or the 周知 needs changing rather than only doing more of the same."""
    return [k for k in do.get("kpis", []) if k.get("not_growing")]


def hint_for_not_growing() -> str:
    return gettext(
        "利用が伸びていないKPIがあります。同じやり方を続けるだけでなく、画面や手続の使い勝手"
        "(UI/UX)や周知の方法を見直すことを検討してください。"
    )
