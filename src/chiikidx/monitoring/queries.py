"""Reads of the monitoring app shared by pages, the API, the tasks and the measure page.

Statuses are computed (monitoring.status), never stored: `states` reads what a set of KPIs
needs in a fixed number of queries, whatever the number of KPIs and actuals.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from chiikidx.core import access
from chiikidx.core.panels import Panel
from chiikidx.core.tasks import Task
from chiikidx.plans import queries as plans_queries
from chiikidx.plans.choices import STATUS_STYLE as MEASURE_STYLE
from chiikidx.plans.choices import MeasureStatus
from chiikidx.plans.queries import departments_for, user_departments

from . import status
from .choices import STATUS_STYLE, Alert, Status
from .models import Kpi, KpiActual, KpiMeasure, KpiTarget, PeriodLock
from .periods import Period, periods_between, stored_period


def kpis_of(org) -> QuerySet:
    return Kpi.objects.filter(organization=org).select_related(
        "organization", "owner_user", "owner_department"
    )


def kpi_of(org, kpi_id) -> Kpi:
    """A KPI of the URL's organization (another organization's id: DoesNotExist → 404)."""
    return Kpi.objects.select_related("organization", "owner_user", "owner_department").get(
        pk=kpi_id, organization=org
    )


def visible_kpis(user) -> QuerySet:
    """KPIs the user may read (the only door for the API: Kpi.objects.visible_to)."""
    return Kpi.objects.visible_to(user)


def visible_actuals(user) -> QuerySet:
    return KpiActual.objects.filter(kpi__in=visible_kpis(user).values("pk"))


def locks_of(org) -> list[PeriodLock]:
    return list(
        PeriodLock.objects.filter(organization=org)
        .select_related("created_by")
        .order_by("-start", "end")
    )


# --- evaluation -----------------------------------------------------------------------------


@dataclass
class KpiState:
    kpi: Kpi
    facts: status.KpiFacts
    evaluation: status.Evaluation
    measures: list = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.evaluation.status

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def status_style(self) -> str:
        return STATUS_STYLE.get(self.status, "neutral")

    @property
    def alert_labels(self) -> list[str]:
        return [str(Alert(a).label) for a in self.evaluation.alerts]

    @property
    def needs_attention(self) -> bool:
        return self.evaluation.needs_attention

    @property
    def due_count(self) -> int:
        return len(self.evaluation.due)


def facts_of(kpi: Kpi, targets, actuals, recorders) -> status.KpiFacts:
    baseline = None
    if kpi.baseline_value is not None and kpi.baseline_date is not None:
        baseline = status.Point(kpi.baseline_date, kpi.baseline_value)
    return status.KpiFacts(
        kind=kpi.kind,
        direction=kpi.direction,
        frequency=kpi.frequency,
        start=kpi.reporting_start(),
        baseline=baseline,
        targets=[status.Point(d, v) for d, v in targets],
        thresholds=_thresholds(kpi.at_risk_threshold, kpi.off_track_threshold),
        grace_days=kpi.grace_days,
        stall_periods=kpi.stall_periods,
        owner_id=kpi.owner_user_id,
        actuals=[
            status.Observation(stored_period(start, end, kpi.frequency), value, by)
            for start, end, value, by in actuals
        ],
        recorders=set(recorders),
    )


@functools.lru_cache(maxsize=256)
def _thresholds(at_risk, off_track) -> status.Thresholds:
    return status.Thresholds(at_risk, off_track)  # immutable: most KPIs share the defaults


def states(
    kpis: Iterable[Kpi],
    today: datetime.date | None = None,
    *,
    recorders: bool = True,
    measures: bool = False,
) -> list[KpiState]:
    """Evaluate KPIs: 2 queries (targets, current actuals), +1 for who recorded, +1 for the
    measures they serve."""
    kpis = list(kpis)
    today = today or timezone.localdate()
    ids = [k.pk for k in kpis]
    targets, actuals, who = defaultdict(list), defaultdict(list), defaultdict(set)
    if ids:
        for kpi_id, day, value in KpiTarget.objects.filter(kpi_id__in=ids).values_list(
            "kpi_id", "target_date", "value"
        ):
            targets[kpi_id].append((day, value))
        current = KpiActual.objects.filter(kpi_id__in=ids, is_current=True)
        for kpi_id, *row in current.values_list(
            "kpi_id", "period_start", "period_end", "value", "recorded_by_id"
        ):
            actuals[kpi_id].append(row)
    if ids and recorders:
        found = KpiActual.objects.filter(kpi_id__in=ids, recorded_by__isnull=False)
        pairs = found.values_list("kpi_id", "recorded_by_id").order_by().distinct()
        for kpi_id, user_id in pairs:
            who[kpi_id].add(user_id)
    served = measures_of(ids) if measures else {}
    result = []
    for kpi in kpis:
        facts = facts_of(kpi, targets[kpi.pk], actuals[kpi.pk], who[kpi.pk])
        if not recorders:
            facts.recorders = {kpi.owner_user_id}  # unknown: do not flag the owner rule
        evaluation = status.evaluate(facts, today)
        result.append(KpiState(kpi, facts, evaluation, served.get(kpi.pk, [])))
    return result


def measures_of(kpi_ids) -> dict[int, list]:
    found = defaultdict(list)
    links = KpiMeasure.objects.filter(kpi_id__in=list(kpi_ids)).select_related("measure__plan")
    for link in links.order_by("measure__plan_id", "measure__order", "measure_id"):
        found[link.kpi_id].append(link.measure)
    return found


# --- the organization's monitoring page -----------------------------------------------------


@dataclass
class Coverage:
    total: int
    with_owner: int
    with_department: int
    up_to_date: int

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @staticmethod
    def share(part: int, whole: int) -> int | None:
        return None if not whole else round(part * 100 / whole)

    @property
    def owner_share(self):
        return self.share(self.with_owner, self.total)

    @property
    def department_share(self):
        return self.share(self.with_department, self.total)

    @property
    def up_to_date_share(self):
        return self.share(self.up_to_date, self.total)


@dataclass
class Overview:
    states: list[KpiState]  # every active KPI
    shown: list[KpiState]  # after the filters, those needing attention first
    counts: list[tuple[str, str, str, int]]  # (status, label, style, count)
    alert_counts: list[tuple[str, str, int]]
    coverage: Coverage
    inactive: int


FILTER_SHOW = ("attention", "all")
# The monitoring page lists the worst first.
SEVERITY = [
    Status.OFF_TRACK,
    Status.STALE,
    Status.AT_RISK,
    Status.NO_DATA,
    Status.NO_TARGET,
    Status.ON_TRACK,
]


def overview(
    org, *, show="attention", status_value="", alert="", department_id=None, today=None
) -> Overview:
    """Active KPIs of the organization, evaluated (6 queries); filters only hide rows."""
    kpis = list(kpis_of(org).filter(is_active=True).order_by("code", "name", "pk"))
    found = states(kpis, today, measures=True)
    shown = [
        s
        for s in found
        if (show == "all" or s.needs_attention)
        and (not status_value or s.status == status_value)
        and (not alert or alert in s.evaluation.alerts)
        and (not department_id or s.kpi.owner_department_id == department_id)
    ]
    shown.sort(key=lambda s: (SEVERITY.index(s.status), -len(s.evaluation.alerts)))
    counts = [
        (v, str(label), STATUS_STYLE[v], sum(1 for s in found if s.status == v))
        for v, label in Status.choices
    ]
    alert_counts = [
        (v, str(label), sum(1 for s in found if v in s.evaluation.alerts))
        for v, label in Alert.choices
    ]
    coverage = Coverage(
        total=len(found),
        with_owner=sum(1 for s in found if s.kpi.owner_user_id),
        with_department=sum(1 for s in found if s.kpi.owner_department_id),
        up_to_date=sum(1 for s in found if Alert.STALE not in s.evaluation.alerts),
    )
    inactive = Kpi.objects.filter(organization=org, is_active=False).count()
    return Overview(found, shown, counts, alert_counts, coverage, inactive)


def departments_of(org) -> QuerySet:
    return departments_for(org)


# --- my KPIs and the tasks ------------------------------------------------------------------


def my_kpis(user, org) -> QuerySet:
    """Active KPIs of `org` the user owns, or owned by one of the user's departments."""
    mine = Q(owner_user_id=user.pk)
    departments = user_departments(user, org)
    if departments:
        mine |= Q(owner_department_id__in=departments)
    return kpis_of(org).filter(mine, is_active=True).order_by("code", "name", "pk")


def kpi_tasks(user) -> Iterable[Task]:
    """「自分の作業」: the user's KPIs with periods ended and not yet entered."""
    memberships = access.active_memberships(user)
    if not memberships:
        return []
    mine = Q(owner_user_id=user.pk, organization_id__in=[m.organization_id for m in memberships])
    for m in memberships:
        if m.department_id:
            mine |= Q(organization_id=m.organization_id, owner_department_id=m.department_id)
    kpis = Kpi.objects.filter(mine, is_active=True).select_related("organization")
    return [_task(s) for s in states(kpis, recorders=False) if s.evaluation.due]


def _task(state: KpiState) -> Task:
    kpi, due = state.kpi, state.evaluation.due
    oldest = due[0]
    detail = ngettext(
        "%(period)s の実績が未入力です。",
        "%(period)s ほか %(more)s 期間の実績が未入力です。",
        len(due),
    ) % {"period": due[-1].label, "more": len(due) - 1}
    return Task(
        gettext("KPI「%(name)s」の実績を入力") % {"name": kpi.name},
        detail,
        reverse("monitoring:mine", args=[kpi.organization.code]) + f"#kpi-{kpi.pk}",
        kpi.organization,
        gettext("KPI"),
        status.deadline(oldest, kpi.grace_days),
    )


# --- one KPI's page -------------------------------------------------------------------------


@dataclass
class PeriodRow:
    period: Period
    target: object  # Decimal | None
    actual: KpiActual | None
    status: str | None
    shortfall: object
    deadline: datetime.date
    locked: bool
    versions: int = 1

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""

    @property
    def status_style(self) -> str:
        return STATUS_STYLE.get(self.status, "neutral") if self.status else "neutral"


def period_rows(state: KpiState, today: datetime.date | None = None) -> list[PeriodRow]:
    """Every period from the first expected (or recorded) to today's, newest first (2 queries)."""
    kpi, facts = state.kpi, state.facts
    today = today or timezone.localdate()
    current = {
        a.period_start: a
        for a in KpiActual.objects.filter(kpi=kpi, is_current=True).select_related("recorded_by")
    }
    start = min([facts.start, *current]) if current else facts.start
    locks = locks_of(kpi.organization)
    rows = []
    for period in periods_between(kpi.frequency, start, max(today, start)):
        actual = current.get(period.start)
        judged = (None, None, None)
        if actual is not None:
            judged = status.judge(facts, status.Observation(period, actual.value))
        target = judged[1] if actual is not None else status.path_value(facts, period.end)
        rows.append(
            PeriodRow(
                period=period,
                target=target,
                actual=actual,
                status=judged[0],
                shortfall=judged[2],
                deadline=status.deadline(period, kpi.grace_days),
                locked=any(lock.covers(period) for lock in locks),
                versions=actual.version if actual else 0,
            )
        )
    return list(reversed(rows))


def corrections(kpi: Kpi) -> list[tuple[Period, list[KpiActual]]]:
    """Periods corrected at least once, with every version (newest first)."""
    corrected = KpiActual.objects.filter(kpi=kpi, version__gt=1).values("period_start")
    versions = (
        KpiActual.objects.filter(kpi=kpi, period_start__in=corrected)
        .select_related("recorded_by")
        .order_by("-period_start", "-version")
    )
    grouped: dict[datetime.date, list[KpiActual]] = {}
    for actual in versions:
        grouped.setdefault(actual.period_start, []).append(actual)
    return [
        (Period(a[0].period_start, a[0].period_end, kpi.frequency), a) for a in grouped.values()
    ]


def entry_periods(
    state: KpiState, today: datetime.date | None = None, locks: list | tuple = ()
) -> list[Period]:
    """Periods offered for entry: those due (newest first), then today's period; none that
    a lock of `locks` (the organization's, see locks_of) covers."""
    today = today or timezone.localdate()
    offered = list(reversed(state.evaluation.due))[:24]
    current = state.kpi.period_of(today)
    if current not in offered and current.start >= state.facts.start:
        offered.append(current)
    return [p for p in offered if not any(lock.covers(p) for lock in locks)]


# --- the measure page (registered in core.panels) -------------------------------------------


def kpis_of_measure(measure) -> QuerySet:
    """KPIs of the measure and of its copies in other versions of the plan (改定)."""
    return (
        Kpi.objects.filter(organization_id=measure.plan.organization_id, is_active=True)
        .filter(plans_queries.same_measure(measure, "kpimeasure__measure"))
        .select_related("owner_user", "owner_department")
        .distinct()
        .order_by("code", "name", "pk")
    )


def measure_panel(request, measure) -> Panel:
    """KPIs of a measure and the status they suggest for it (1 query without KPIs, 3 with)."""
    found = states(kpis_of_measure(measure), recorders=False)
    suggested = status.suggest_measure_status([s.status for s in found])
    org = measure.plan.organization
    user = getattr(request, "user", None)
    context = {
        "kpi_states": found,
        "suggested": suggested,
        "suggested_label": MeasureStatus(suggested).label if suggested else "",
        "suggested_style": MEASURE_STYLE.get(suggested, "neutral"),
        "differs": suggested is not None and suggested != measure.status,
        "can_add_kpi": user is not None and access.can(user, "change", org),
        "panel_measure": measure,
    }
    return Panel("monitoring/_measure_panel.html", context)


def current_actuals(kpis: Iterable[Kpi]) -> dict[int, list[tuple[Period, object]]]:
    """The current version of each period's actual, (period, value) by KPI id (1 query)."""
    by_id = {k.pk: k for k in kpis}
    found: dict[int, list] = {pk: [] for pk in by_id}
    if not by_id:
        return found
    rows = KpiActual.objects.filter(kpi_id__in=list(by_id), is_current=True).values_list(
        "kpi_id", "period_start", "period_end", "value"
    )
    for kpi_id, start, end, value in rows.order_by("kpi_id", "period_start"):
        found[kpi_id].append((Period(start, end, by_id[kpi_id].frequency), value))
    return found


# --- the prefecture: its municipalities' KPIs at a glance -----------------------------------


@dataclass
class MunicipalityStatus:
    """One municipality's active KPIs, counted as its monitoring page counts them."""

    organization: object
    counts: dict[str, int]  # status value → KPIs
    alerts: dict[str, int]  # alert value → KPIs
    coverage: Coverage
    attention: int = 0  # KPIs needing someone to act (see status.Evaluation.needs_attention)
    url: str = ""  # of its monitoring page, set by the page that lists it

    @property
    def attention_share(self) -> int | None:
        return Coverage.share(self.attention, self.total)

    def alert_counts(self) -> list[tuple[str, str, int]]:
        """(alert, label, count) of the alerts some KPI has."""
        return [(v, str(label), self.alerts[v]) for v, label in Alert.choices if self.alerts[v]]

    def alert_columns(self) -> list[int]:
        """The count of every alert, in the order of Alert (a column each on the page)."""
        return [self.alerts[v] for v in Alert.values]

    @property
    def total(self) -> int:
        return self.coverage.total

    def status_counts(self) -> list[tuple[str, str, str, int]]:
        """(status, label, style, count) in the order of Status."""
        return [(v, str(label), STATUS_STYLE[v], self.counts[v]) for v, label in Status.choices]

    def add(self, other: MunicipalityStatus) -> None:
        """Count `other`'s KPIs in this row too (the prefecture's totals)."""
        for value, n in other.counts.items():
            self.counts[value] += n
        for value, n in other.alerts.items():
            self.alerts[value] += n
        self.coverage += other.coverage
        self.attention += other.attention


def prefecture_statuses(prefecture, today: datetime.date | None = None, *, user=None) -> list:
    """Every municipality of `prefecture` (in code order) with the status counts, alert counts
    and coverage of its active KPIs: 4 queries, whatever the number of municipalities, KPIs and
    actuals. Reads only what the status and the alerts need (status.evaluate(periods=False)):
    the KPIs with whether each owner ever entered an actual, their targets, and the latest N+1
    current actuals of each (N: the largest 「伸びていない」 window among them). Thousands of
    KPIs are read as rows, not model instances, and repeated dates and numbers are converted
    once. With `user`, only the municipalities the user may see (a liaison: those assigned)."""
    from chiikidx.core.queries import municipalities_of

    today = today or timezone.localdate()
    municipalities = [
        m for m in municipalities_of(prefecture) if user is None or access.can(user, "view", m)
    ]
    kpis = _kpis_for_status([m.pk for m in municipalities])
    found = [_KpiRow(*row) for row in kpis.values_list(*_KpiRow._fields)]
    window = max((k.stall_periods for k in found), default=0) + 1
    targets = defaultdict(list)
    target_rows = KpiTarget.objects.filter(kpi__in=kpis.values("pk")).order_by()
    for kpi_id, day, value in _rows(target_rows, "kpi_id", "target_date", "value"):
        targets[kpi_id].append((day, value))
    recent = _latest_actuals(kpis, window)
    rows = {m.pk: _tally(m) for m in municipalities}
    for kpi in found:
        entered = {kpi.owner_user_id} if kpi.owner_entered else set()
        facts = facts_of(kpi, targets[kpi.pk], recent[kpi.pk], entered)
        _count(rows[kpi.organization_id], kpi, status.evaluate(facts, today, periods=False))
    return list(rows.values())


class _KpiRow(NamedTuple):
    """What facts_of reads of a KPI, as a row."""

    pk: int
    organization_id: int
    kind: str
    direction: str
    frequency: str
    baseline_value: Decimal | None
    baseline_date: datetime.date | None
    created_at: datetime.datetime
    at_risk_threshold: Decimal
    off_track_threshold: Decimal
    grace_days: int
    stall_periods: int
    owner_user_id: int | None
    owner_department_id: int | None
    owner_entered: bool

    reporting_start = Kpi.reporting_start  # the model's rule, on these fields


def _kpis_for_status(organization_ids: list[int]) -> QuerySet:
    """Active KPIs, with whether the owner ever entered one of their actuals."""
    # "+ 0": without statistics SQLite would look the owner up in the index on recorded_by
    # (every actual the person ever entered) instead of the KPI's own few actuals.
    owner_entered = (
        KpiActual.objects.filter(kpi_id=OuterRef("pk"))
        .alias(by=F("recorded_by_id") + 0)
        .filter(by=OuterRef("owner_user_id"))
    )
    return (
        Kpi.objects.filter(organization_id__in=organization_ids, is_active=True)
        .annotate(owner_entered=Exists(owner_entered))
        .order_by()
    )


# The latest `n` current actuals of each KPI, read through the index on (KPI, period): on
# PostgreSQL with a LATERAL subquery per KPI; SQLite has no LATERAL, but its planner uses the
# n-th latest period (a correlated subquery on the KPI) as the range of the same index.
# (Filtering a join on that subquery in the ORM lets PostgreSQL hash-join every actual of the
# prefecture and run the subquery for each: 50 times slower.)
_LATEST_SQL = {
    "postgresql": """
        SELECT a.kpi_id, a.period_start, a.period_end, a.value, a.recorded_by_id
        FROM {kpi} k CROSS JOIN LATERAL (
            SELECT kpi_id, period_start, period_end, value, recorded_by_id FROM {actual}
            WHERE kpi_id = k.id AND is_current = %s ORDER BY period_start DESC LIMIT %s
        ) a
        WHERE k.id IN ({kpis})""",
    # The dates as text: sqlite3 would parse every one itself; _converted parses each once.
    "other": """
        SELECT a.kpi_id, CAST(a.period_start AS TEXT), CAST(a.period_end AS TEXT), a.value,
               a.recorded_by_id
        FROM {kpi} k JOIN {actual} a
          ON a.kpi_id = k.id AND a.is_current = %s AND a.period_start >= COALESCE((
              SELECT b.period_start FROM {actual} b WHERE b.kpi_id = k.id AND b.is_current = %s
              ORDER BY b.period_start DESC LIMIT 1 OFFSET %s), %s)
        WHERE k.id IN ({kpis})""",
}
_ACTUAL_COLUMNS = ("kpi_id", "period_start", "period_end", "value", "recorded_by_id")


def _latest_actuals(kpis: QuerySet, n: int) -> dict[int, list]:
    """KPI id → [(start, end, value, recorded_by)] of its latest `n` current actuals (1 query)."""
    from django.db import connection

    kpi_sql, kpi_params = kpis.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        template, params = _LATEST_SQL["postgresql"], [True, n]
    else:
        template, params = _LATEST_SQL["other"], [True, True, n - 1, datetime.date.min]
    sql = template.format(
        kpi=quote(Kpi._meta.db_table), actual=quote(KpiActual._meta.db_table), kpis=kpi_sql
    )
    found = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *kpi_params])
        converted = _converted(connection, KpiActual, _ACTUAL_COLUMNS, cursor.fetchall())
        for kpi_id, *values in converted:
            found[kpi_id].append(values)
    return found


def _rows(queryset: QuerySet, *names: str) -> list[tuple]:
    """queryset.values_list(*names) (plain model columns), converted once per distinct value."""
    from django.db import connection

    sql, params = queryset.values_list(*names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _converted(connection, queryset.model, names, cursor.fetchall())


def _converted(connection, model, names, rows: list) -> list:
    """`rows` of `model`'s columns `names` as the ORM returns them. The conversions (on
    SQLite: text to date, float to Decimal) are the ORM's, remembered per distinct value: the
    same few periods and round numbers recur in thousands of rows."""
    steps = []
    for name in names:
        col = model._meta.get_field(name).get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        steps.append(_remembered(functions, col, connection) if functions else None)
    if not any(steps):
        return rows
    return [
        [value if step is None else step(value) for step, value in zip(steps, row, strict=True)]
        for row in rows
    ]


def _remembered(functions, col, connection):
    def convert(value):
        for function in functions:
            value = function(value, col, connection)
        return value

    # Equal raw values (the same text, 1 and 1.0) convert to equal values.
    return functools.lru_cache(maxsize=None)(convert)


class PrefectureSort(NamedTuple):
    label: str  # lazy: translated when shown
    key: Callable[[MunicipalityStatus], tuple | str]


# The orders of 「県内のKPIの状況」, the first the default; each ends with the code, so it is total.
PREFECTURE_SORTS = {
    "attention": PrefectureSort(
        gettext_lazy("対応が必要なKPIの割合が高い順"),
        lambda r: (not r.total, -r.attention / (r.total or 1), r.organization.code),
    ),
    "off_track": PrefectureSort(
        gettext_lazy("「遅れ」「未更新」の多い順"),
        lambda r: (-r.counts[Status.OFF_TRACK] - r.counts[Status.STALE], r.organization.code),
    ),
    "up_to_date": PrefectureSort(
        gettext_lazy("入力が期限内のKPIの割合が低い順"),
        lambda r: (not r.total, r.coverage.up_to_date_share or 0, r.organization.code),
    ),
    "code": PrefectureSort(gettext_lazy("団体コード順"), lambda r: r.organization.code),
}


@dataclass
class PrefectureOverview:
    rows: list[MunicipalityStatus]  # sorted
    totals: MunicipalityStatus  # the prefecture's municipalities together
    without_kpis: int  # municipalities with no active KPI


def prefecture_overview(prefecture, user, *, sort: str = "attention", today=None):
    """「県内のKPIの状況」: the municipalities the user sees, the worst first by default
    (the share of KPIs needing attention; those without KPIs last), with the totals."""
    rows = prefecture_statuses(prefecture, today, user=user)
    totals = _tally(prefecture)
    for row in rows:
        totals.add(row)
    rows.sort(key=PREFECTURE_SORTS.get(sort, PREFECTURE_SORTS["attention"]).key)
    return PrefectureOverview(rows, totals, sum(1 for r in rows if not r.total))


def _tally(organization) -> MunicipalityStatus:
    return MunicipalityStatus(
        organization,
        dict.fromkeys(Status.values, 0),
        dict.fromkeys(Alert.values, 0),
        Coverage(0, 0, 0, 0),
    )


def _count(row: MunicipalityStatus, kpi: Kpi, evaluation: status.Evaluation) -> None:
    row.counts[evaluation.status] += 1
    for alert in evaluation.alerts:
        row.alerts[alert] += 1
    coverage = row.coverage
    coverage.total += 1
    coverage.with_owner += kpi.owner_user_id is not None
    coverage.with_department += kpi.owner_department_id is not None
    coverage.up_to_date += Alert.STALE not in evaluation.alerts
    row.attention += evaluation.needs_attention
