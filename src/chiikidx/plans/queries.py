"""Reads of the plans app shared by pages, the API and other apps (assessments)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from chiikidx.core import access
from chiikidx.core.japanese import fiscal_year, nendo_label, wareki
from chiikidx.core.models import Department
from chiikidx.core.tasks import Task

from . import baselines
from .choices import CANDIDATE_PLAN_STATUSES, OPEN_STATUSES, MeasureStatus
from .models import Dependency, Measure, Plan, PlanDecision, Policy
from .services import measure_name, schedule_of, weighted_progress


def plans_of(org) -> QuerySet:
    return (
        Plan.objects.filter(organization=org)
        .annotate(measure_count=Count("measures"), revised=_revised())
        .order_by("revised", "-start_fy", "title", "-version")
    )


def _revised():
    """Whether a plan has been revised (改定前の版: read-only, kept as history)."""
    return Exists(Plan.objects.filter(previous_id=OuterRef("pk")))


def current_measures() -> QuerySet:
    """Measures of plans that are not 改定前の版 (the ones that can still be updated)."""
    return Measure.objects.exclude(plan__revisions__isnull=False)


def same_measure(measure: Measure, via: str = "measure") -> Q:
    """A filter for the measure and its copies in the plan's other versions (改定), through
    the relation `via` to Measure (e.g. "measure", "kpimeasure__measure")."""
    key = baselines.live_key(measure)
    return Q(**{f"{via}_id": key}) | Q(**{f"{via}__origin": key})


def visible_plans(user) -> QuerySet:
    """Plans the user may read (the only door for the API: Plan.objects.visible_to)."""
    return Plan.objects.visible_to(user)


def visible_measures(user) -> QuerySet:
    """Measures of the plans the user may read."""
    return Measure.objects.filter(plan__in=visible_plans(user).values("pk"))


def candidate_plans(org) -> QuerySet:
    """Plans of `org` that may take a candidate measure (下書き・改定中)."""
    return Plan.objects.filter(organization=org, status__in=CANDIDATE_PLAN_STATUSES).order_by(
        "-start_fy", "title"
    )


def measures_from(org, source_kind: str, refs: Iterable[str]) -> dict[str, Measure]:
    """The measures of `org` made from the given weak points (source_ref → measure)."""
    found = (
        Measure.objects.filter(
            plan__organization=org, source_kind=source_kind, source_ref__in=list(refs)
        )
        .select_related("plan__organization")
        .order_by("pk")
    )
    result: dict[str, Measure] = {}
    for m in found:
        result.setdefault(m.source_ref, m)
    return result


def plan_of(org, plan_id) -> Plan:
    """A plan of the URL's organization (another organization's id: DoesNotExist → 404)."""
    return Plan.objects.select_related("organization").get(pk=plan_id, organization=org)


def measure_of(org, measure_id) -> Measure:
    return Measure.objects.select_related(
        "plan__organization", "policy", "owner_department", "spawned_from"
    ).get(pk=measure_id, plan__organization=org)


def with_budget_total(measures: QuerySet) -> QuerySet:
    return measures.annotate(budget_total=Sum("budgets__planned_yen"))


def departments_for(org) -> QuerySet:
    return Department.objects.filter(organization=org, is_archived=False).order_by(
        "sort_order", "name"
    )


@dataclass
class PolicyNode:
    policy: Policy
    measures: list = field(default_factory=list)  # shown (after filters)
    progress: Decimal | None = None  # roll-up over all its measures
    count: int = 0
    budget_total: int = 0


@dataclass
class PlanTree:
    plan: Plan
    nodes: list[PolicyNode]
    progress: Decimal | None
    decisions: list[PlanDecision]
    status_counts: dict[str, int]
    budget_total: int
    shown: int


def plan_tree(plan: Plan, *, department_id=None, status: str = "") -> PlanTree:
    """Policies → measures with roll-ups (always over all measures; filters only hide rows)."""
    measures = list(
        with_budget_total(Measure.objects.filter(plan=plan)).select_related("owner_department")
    )
    nodes = {p.pk: PolicyNode(p) for p in Policy.objects.filter(plan=plan)}
    by_policy: dict[int, list[Measure]] = {}
    for m in measures:
        by_policy.setdefault(m.policy_id, []).append(m)
    for pk, node in nodes.items():
        own = by_policy.get(pk, [])
        node.progress, node.count = weighted_progress(own), len(own)
        node.budget_total = sum(m.budget_total or 0 for m in own)
        node.measures = [m for m in own if _shown(m, department_id, status)]
    counts = {s: sum(1 for m in measures if m.status == s) for s in MeasureStatus.values}
    return PlanTree(
        plan=plan,
        nodes=list(nodes.values()),
        progress=weighted_progress(measures),
        decisions=list(plan.decisions.select_related("recorded_by").order_by("recorded_at")),
        status_counts=counts,
        budget_total=sum(m.budget_total or 0 for m in measures),
        shown=sum(len(n.measures) for n in nodes.values()),
    )


def _shown(m: Measure, department_id, status: str) -> bool:
    if department_id and m.owner_department_id != department_id:
        return False
    return not status or m.status == status


def user_departments(user, org) -> list[int]:
    return [
        m.department_id
        for m in access.active_memberships(user)
        if m.organization_id == org.pk and m.department_id
    ]


def my_measures(user, org) -> QuerySet:
    """Measures of the user's departments in `org`, open ones first, by deadline."""
    departments = user_departments(user, org)
    return (
        current_measures()
        .filter(plan__organization=org, owner_department_id__in=departments)
        .select_related("plan", "plan__organization", "policy", "owner_department")
        .order_by("plan__title", "deadline", "pk")
    )


def measure_tasks(user) -> Iterable[Task]:
    """「自分の作業」: delayed or overdue measures of the user's departments."""
    departments = [m.department_id for m in access.active_memberships(user) if m.department_id]
    if not departments:
        return []
    today = timezone.localdate()
    late = Q(status=MeasureStatus.DELAYED) | Q(deadline__lt=today)
    found = (
        current_measures()
        .filter(owner_department_id__in=departments, status__in=OPEN_STATUSES)
        .filter(late)
        .select_related("plan__organization")
    )
    return [_task(m, today) for m in found]


def _task(measure: Measure, today) -> Task:
    org = measure.plan.organization
    overdue = measure.deadline is not None and measure.deadline < today
    detail = (
        gettext("期限を過ぎています。状況と進捗を更新してください。")
        if overdue
        else gettext("遅延しています。状況と進捗を更新してください。")
    )
    return Task(
        gettext("施策「%(title)s」") % {"title": measure.title},
        detail,
        reverse("plans:mine", args=[org.code]) + f"#measure-{measure.pk}",
        org,
        gettext("DX推進計画"),
        measure.deadline,
    )


def plan_versions(plan: Plan) -> list[Plan]:
    """Every version (版) of the plan, oldest first; `plan` itself is one of them.

    Also tells `plan` its next version, so `plan.is_superseded` needs no further query."""
    earlier = []
    current = plan
    while current.previous_id:
        current = Plan.objects.only("pk", "title", "version", "status", "previous_id").get(
            pk=current.previous_id
        )
        earlier.append(current)
    later, frontier = [], [plan.pk]
    while frontier:
        found = list(
            Plan.objects.filter(previous_id__in=frontier).only(
                "pk", "title", "version", "status", "previous_id"
            )
        )
        later += found
        frontier = [p.pk for p in found]
    plan._next_version = next((p for p in later if p.previous_id == plan.pk), None)
    return [*reversed(earlier), plan, *sorted(later, key=lambda p: p.version)]


def baselines_of(versions: list[Plan]) -> QuerySet:
    """Baselines of the given versions of a plan, oldest first."""
    from .models import Baseline

    return (
        Baseline.objects.filter(plan__in=[p.pk for p in versions])
        .select_related("taken_by", "plan")
        .order_by("taken_at", "pk")
    )


def predecessors_of(measure: Measure) -> list[Dependency]:
    """What the measure waits for (with the other plan's title for cross-plan links)."""
    found = Dependency.objects.filter(successor=measure).select_related("predecessor__plan")
    return list(found.order_by("predecessor__start_date", "pk"))


def successors_of(measure: Measure) -> list[Dependency]:
    found = Dependency.objects.filter(predecessor=measure).select_related("successor__plan")
    return list(found.order_by("successor__start_date", "pk"))


# --- Gantt ---------------------------------------------------------------------------------

# Bar colours by status; the status is also written in the hover, the legend and the table.
GANTT_COLOURS = {
    MeasureStatus.NOT_STARTED: "#949497",
    MeasureStatus.ON_TRACK: "#259d63",
    MeasureStatus.CAUTION: "#d97c00",
    MeasureStatus.DELAYED: "#ec0000",
    MeasureStatus.DONE: "#0017c1",
    MeasureStatus.CANCELLED: "#626264",
}
CRITICAL_OUTLINE = "#1a1a1c"


@dataclass
class BaselineSpan:
    """A measure's dates in a baseline, and how far its current dates have drifted since."""

    start: datetime.date
    deadline: datetime.date
    start_drift: int | None  # days, current − baseline (None: no current date)
    deadline_drift: int | None

    @property
    def start_shown(self):
        return baselines.days_drift(self.start_drift)

    @property
    def deadline_shown(self):
        return baselines.days_drift(self.deadline_drift)


@dataclass
class GanttLine:
    """One row of the chart and of the table below it."""

    row: object  # services.ScheduleRow
    baseline: BaselineSpan | None = None  # its ghost bar (None: no baseline, or no dates there)
    added: bool = False  # not in the chosen baseline: added since
    move: object | None = None  # schedule.Move of the what-if asked, if it moves
    broken: object | None = None  # schedule.BrokenDeadline of the what-if asked
    url: str = ""  # the measure's page (set by the view)

    @property
    def measure(self) -> Measure:
        return self.row.measure


@dataclass
class Gantt:
    schedule: object  # services.PlanSchedule
    rows: list  # the schedule rows shown (after filters), in plan order
    chart: dict  # JSON for gantt.js
    lines: list[GanttLine] = field(default_factory=list)  # the rows with baseline and what-if
    baseline: object | None = None  # the Baseline drawn as ghost bars


def gantt(
    plan: Plan,
    *,
    policy_id=None,
    department_id=None,
    status: str = "",
    baseline=None,
    impact=None,
    found=None,
) -> Gantt:
    """Bars by date (earliest dates of the schedule), dependency arrows, 年度/quarter ticks.
    Filters only hide bars; the schedule is always computed over the whole plan.

    `baseline` (a Baseline) adds a ghost bar per measure from its start date to its 期限 in
    the baseline's snapshot (matched by `Measure.origin` or id, as in baselines.compare): the
    snapshot is read once, never per measure. `impact` (a schedule.Impact of
    services.what_if) adds the dates the measures would move to and the 期限 they would break.
    `found` is the plan's schedule (services.schedule_of) when the caller has it already."""
    if found is None:
        found = schedule_of(plan)
    filtered = bool(policy_id or department_id or status)
    rows = [
        r
        for r in found.rows
        if not (r.external and filtered)
        and (r.external or _gantt_shown(r.measure, policy_id, department_id, status))
    ]
    lines = _lines(rows, baseline, impact)
    index = {r.measure.pk: i for i, r in enumerate(rows)}
    bars = [_bar(i, r, measure_name(r.measure)) for i, r in enumerate(rows)]
    critical = set(found.result.critical_links) if found.result else set()
    arrows = []
    for d in found.dependencies:
        if d.predecessor_id in index and d.successor_id in index:
            p, s = bars[index[d.predecessor_id]], bars[index[d.successor_id]]
            arrows.append(
                {
                    "x0": p["start"] if d.kind == "ss" else p["finish"],
                    "y0": p["y"],
                    "x1": s["start"],
                    "y1": s["y"],
                    "critical": (d.predecessor_id, d.successor_id) in critical,
                }
            )
    chart = {"bars": bars, "arrows": arrows, "today": timezone.localdate().isoformat()}
    chart["ghosts"] = [_ghost(i, line, baseline) for i, line in enumerate(lines) if line.baseline]
    chart["baseline_label"] = escape(baseline.label) if baseline is not None else ""
    chart["moves"] = [_moved(i, line) for i, line in enumerate(lines) if line.move]
    chart["broken"] = [_broken(i, line) for i, line in enumerate(lines) if line.broken]
    chart["ticks"] = _quarter_ticks(plan, rows, lines)
    return Gantt(schedule=found, rows=rows, chart=chart, lines=lines, baseline=baseline)


def _lines(rows, baseline, impact) -> list[GanttLine]:
    snapshot = {}
    if baseline is not None:
        snapshot = {baselines.key_of(m): m for m in baseline.snapshot.get("measures", [])}
    moves = {m.id: m for m in impact.moves} if impact is not None else {}
    broken = {b.id: b for b in impact.broken_deadlines} if impact is not None else {}
    lines = []
    for r in rows:
        m = r.measure
        line = GanttLine(r, move=moves.get(m.pk), broken=broken.get(m.pk))
        if baseline is not None and not r.external:
            then = snapshot.get(baselines.live_key(m))
            line.added = then is None
            if then and then.get("start_date") and then.get("deadline"):
                start = datetime.date.fromisoformat(then["start_date"])
                deadline = datetime.date.fromisoformat(then["deadline"])
                line.baseline = BaselineSpan(
                    start=start,
                    deadline=deadline,
                    start_drift=(m.start_date - start).days if m.start_date else None,
                    deadline_drift=(m.deadline - deadline).days if m.deadline else None,
                )
        lines.append(line)
    return lines


def _ghost(i: int, line: GanttLine, baseline) -> dict:
    span = line.baseline
    return {
        "y": i,
        "start": span.start.isoformat(),
        "end": (span.deadline + datetime.timedelta(days=1)).isoformat(),
        "hover": gettext(
            "ベースライン「%(label)s」<br>%(start)s〜%(deadline)s<br>期限のずれ: %(drift)s"
        )
        % {
            "label": escape(baseline.label),
            "start": wareki(span.start),
            "deadline": wareki(span.deadline),
            "drift": span.deadline_shown.text,
        },
    }


def _moved(i: int, line: GanttLine) -> dict:
    move = line.move
    return {
        "y": i,
        "start": move.new_start.isoformat(),
        "end": (move.new_finish + datetime.timedelta(days=1)).isoformat(),
        "hover": gettext("もし遅れたら: %(start)s〜%(finish)s<br>%(n)s日後ろへ動きます")
        % {
            "start": wareki(move.new_start),
            "finish": wareki(move.new_finish),
            "n": move.shift_days,
        },
    }


def _broken(i: int, line: GanttLine) -> dict:
    broken = line.broken
    return {
        "y": i,
        "x": (broken.deadline + datetime.timedelta(days=1)).isoformat(),
        "hover": gettext("期限 %(deadline)s を%(n)s日超えます")
        % {"deadline": wareki(broken.deadline), "n": broken.days_late},
    }


def _gantt_shown(m: Measure, policy_id, department_id, status: str) -> bool:
    if policy_id and m.policy_id != policy_id:
        return False
    return _shown(m, department_id, status)


def _bar(i: int, row, name: str) -> dict:
    c, m = row.computed, row.measure
    name = escape(name)  # Plotly reads labels as a small subset of HTML
    label = f"★ {name}" if c.critical else name
    if row.external:
        label += gettext("(他の計画)")
    return {
        "y": i,
        "label": label,
        "start": c.earliest_start.isoformat(),
        "finish": c.earliest_finish.isoformat(),
        # A bar covers its last day too, so one-day measures stay visible.
        "end": (c.earliest_finish + datetime.timedelta(days=1)).isoformat(),
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "colour": GANTT_COLOURS.get(m.status, "#949497"),
        "critical": c.critical,
        "hover": gettext(
            "%(name)s<br>状況: %(status)s<br>%(start)s〜%(finish)s<br>余裕 %(slack)s日"
        )
        % {
            "name": name,
            "status": m.get_status_display(),
            "start": wareki(c.earliest_start),
            "finish": wareki(c.earliest_finish),
            "slack": c.slack_days,
        }
        + (gettext("<br>★ 重要経路") if c.critical else "")
        + (gettext("<br>期限超過 %(n)s日") % {"n": row.days_late} if row.days_late else ""),
    }


def _quarter_ticks(plan: Plan, rows, lines=()) -> dict:
    """A tick at the start of every quarter of each 年度, labelled 令和7年度 Q1; the range takes
    in the baseline's dates and the what-if's too."""
    first, last = plan.start_fy, plan.end_fy
    for r in rows:
        first = min(first, fiscal_year(r.computed.earliest_start))
        last = max(last, fiscal_year(r.computed.earliest_finish))
    for line in lines:
        if line.baseline:
            first = min(first, fiscal_year(line.baseline.start))
            last = max(last, fiscal_year(line.baseline.deadline))
        if line.move:
            last = max(last, fiscal_year(line.move.new_finish))
    values, text = [], []
    for fy in range(first, last + 1):
        for q, (year, month) in enumerate(((fy, 4), (fy, 7), (fy, 10), (fy + 1, 1)), start=1):
            values.append(datetime.date(year, month, 1).isoformat())
            text.append(f"{nendo_label(fy)} Q{q}" if q == 1 else f"Q{q}")
    end = datetime.date(last + 1, 4, 1).isoformat()
    return {"values": values, "text": text, "range": [values[0], end]}


def measure_updates(measure_ids: Iterable[int]) -> list:
    """Every update-log entry of the given measures, oldest first, with who made it (1 query).
    Other apps read a measure's status as of a day from it (e.g. monitoring's reviews)."""
    from .models import MeasureUpdate

    return list(
        MeasureUpdate.objects.filter(measure_id__in=list(measure_ids))
        .select_related("by")
        .order_by("at", "pk")
    )
