"""Status of a KPI against its target path, and the alert rules (pure: no database).

- Target path: straight lines by date from the baseline through each target (線形補間); after
  the last target the path stays at that target; before the first point there is no target.
  A milestone (yes/no) has a step instead: not required before its date, required from it.
- Shortfall (不足率) at the latest actual: how far it is behind the path, as a share of the
  target value (direction-aware: for "lower is better" a value above the path is behind).
  A target of 0 is measured against the planned change (|baseline − target|) instead.
- Status: shortfall ≤ at-risk threshold → 順調; ≤ off-track threshold → 注意; more → 遅れ
  (defaults 5% and 15%, i.e. 95% and 85% of the path; each KPI may set its own).
- Periods: an actual is due when its period ends and missed once `grace_days` more have passed.
  A KPI is 未更新 (stale) when the last period whose deadline passed has no actual and no later
  period has one either; 実績なし when nothing was ever recorded.
- "Not growing": over the last N periods (the last N+1 actuals) the value moved in the good
  direction by no more than 1% of where it started. "Owner never updates": the KPI has an
  owner, at least one deadline has passed, and no actual was ever recorded by the owner.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from .choices import Alert, Direction, KpiKind, Status
from .periods import Period, period_of, periods_between

DEFAULT_AT_RISK = Decimal(5)
DEFAULT_OFF_TRACK = Decimal(15)
DEFAULT_GRACE_DAYS = 30
DEFAULT_STALL_PERIODS = 3
FLAT_TOLERANCE = Decimal("0.01")  # growth of at most 1% counts as flat


@dataclass(frozen=True)
class Point:
    """A value on a date: the baseline, or a target."""

    date: datetime.date
    value: Decimal


@dataclass(frozen=True)
class Observation:
    """The current actual of one period."""

    period: Period
    value: Decimal
    recorded_by: int | None = None


@dataclass(frozen=True)
class Thresholds:
    at_risk: Decimal = DEFAULT_AT_RISK
    off_track: Decimal = DEFAULT_OFF_TRACK


@dataclass
class KpiFacts:
    """Everything the evaluation needs, read from the database by the caller."""

    kind: str
    direction: str
    frequency: str
    start: datetime.date  # the first day actuals are expected for
    baseline: Point | None = None
    targets: list[Point] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)
    grace_days: int = DEFAULT_GRACE_DAYS
    stall_periods: int = DEFAULT_STALL_PERIODS
    owner_id: int | None = None
    actuals: list[Observation] = field(default_factory=list)
    recorders: set[int] = field(default_factory=set)  # who ever recorded an actual (any version)


@dataclass
class Evaluation:
    status: str
    latest: Observation | None = None
    target: Decimal | None = None  # on the path at the end of the latest actual's period
    shortfall: Decimal | None = None  # percent; negative = ahead of the path
    gap_status: str | None = None  # the status of the latest actual alone
    # Not listed by evaluate(…, periods=False), which needs only the latest actuals.
    due: list[Period] = field(default_factory=list)  # ended periods without an actual
    missed: list[Period] = field(default_factory=list)  # … whose deadline has passed
    alerts: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        from .choices import ATTENTION

        return self.status in ATTENTION or bool(self.alerts)


# --- the target path ------------------------------------------------------------------------


def path_points(baseline: Point | None, targets: list[Point]) -> list[Point]:
    """The corners of the path in date order (a target on the baseline's date wins)."""
    points = {t.date: t for t in targets}
    if baseline is not None and baseline.date not in points:
        points[baseline.date] = baseline
    return [points[d] for d in sorted(points)]


def target_at(baseline: Point | None, targets: list[Point], day: datetime.date) -> Decimal | None:
    """The target path on `day`: linear by days between neighbouring points."""
    points = path_points(baseline, targets)
    if not points or day < points[0].date:
        return None
    for before, after in itertools.pairwise(points):
        if before.date <= day <= after.date:
            span = (after.date - before.date).days
            done = (day - before.date).days
            return before.value + (after.value - before.value) * done / span
    return points[-1].value


def milestone_due(targets: list[Point]) -> datetime.date | None:
    """The date by which a milestone must be reached (its earliest target)."""
    return min((t.date for t in targets), default=None)


# --- the gap --------------------------------------------------------------------------------


def shortfall(
    direction: str, actual: Decimal, target: Decimal, baseline: Decimal | None = None
) -> Decimal | None:
    """Percent behind the target (negative: ahead). None: behind a target of 0 with nothing
    to compare against (always 遅れ)."""
    behind = target - actual if direction == Direction.HIGHER else actual - target
    scale = abs(target)
    if scale == 0 and baseline is not None:
        scale = abs(baseline - target)
    if scale == 0:
        return Decimal(0) if behind <= 0 else None
    return behind / scale * 100


def status_of_shortfall(value: Decimal | None, thresholds: Thresholds) -> str:
    if value is None or value > thresholds.off_track:
        return Status.OFF_TRACK
    if value > thresholds.at_risk:
        return Status.AT_RISK
    return Status.ON_TRACK


def milestone_status(achieved: bool, due: datetime.date | None, period: Period) -> str:
    """Reached → 順調; not reached: its date has come → 遅れ, comes within the next period →
    注意, later → 順調."""
    if due is None:
        return Status.NO_TARGET
    if achieved:
        return Status.ON_TRACK
    if due <= period.end:
        return Status.OFF_TRACK
    if due <= period.next().end:
        return Status.AT_RISK
    return Status.ON_TRACK


def path_value(facts: KpiFacts, day: datetime.date) -> Decimal | None:
    """The KPI's target on `day` (a milestone: 1 from its date, 0 before)."""
    if facts.kind == KpiKind.MILESTONE:
        due = milestone_due(facts.targets)
        return None if due is None else Decimal(int(day >= due))
    return target_at(facts.baseline, facts.targets, day)


def judge(facts: KpiFacts, observation: Observation) -> tuple[str, Decimal | None, Decimal | None]:
    """(status, target on the path, shortfall %) of one actual."""
    target = path_value(facts, observation.period.end)
    if facts.kind == KpiKind.MILESTONE:
        due = milestone_due(facts.targets)
        return milestone_status(observation.value >= 1, due, observation.period), target, None
    if target is None:
        return Status.NO_TARGET, None, None
    baseline = facts.baseline.value if facts.baseline else None
    gap = shortfall(facts.direction, observation.value, target, baseline)
    return status_of_shortfall(gap, facts.thresholds), target, gap


# --- periods and rules ----------------------------------------------------------------------


def expected_periods(facts: KpiFacts, today: datetime.date) -> list[Period]:
    """Periods from the start up to the one containing today."""
    return periods_between(facts.frequency, facts.start, today)


def deadline(period: Period, grace_days: int) -> datetime.date:
    """The last day to enter a period's actual on time."""
    return period.end + datetime.timedelta(days=grace_days)


def last_closed(facts: KpiFacts, today: datetime.date) -> Period | None:
    """The latest expected period whose deadline has passed (None: none yet)."""
    day = today - datetime.timedelta(days=facts.grace_days + 1)  # deadline(p) < today ⇔ end ≤ day
    period = period_of(facts.frequency, day)
    if period.end > day:
        period = period.previous()
    return period if period >= period_of(facts.frequency, facts.start) else None


def not_growing(facts: KpiFacts) -> bool:
    """Flat (or worse) over the last N periods, in the KPI's good direction."""
    n = facts.stall_periods
    if n <= 0 or facts.kind == KpiKind.MILESTONE or len(facts.actuals) < n + 1:
        return False
    ordered = sorted(facts.actuals, key=lambda o: o.period)
    first, last = ordered[-n - 1].value, ordered[-1].value
    gain = last - first if facts.direction == Direction.HIGHER else first - last
    return gain <= FLAT_TOLERANCE * abs(first)


def evaluate(facts: KpiFacts, today: datetime.date, *, periods: bool = True) -> Evaluation:
    """Status, due and missed periods, and alerts of one KPI on `today`.

    The status and the alerts need only the latest N+1 actuals (N: `stall_periods`) and, for
    the owner rule, whether the owner ever entered one: with `periods=False` the facts may hold
    just those, and the due and missed periods (which need every actual) are not listed."""
    latest = max(facts.actuals, key=lambda o: o.period, default=None)
    found = Evaluation(Status.NO_DATA, latest=latest)
    if periods:
        recorded = {o.period.start for o in facts.actuals}  # one actual per period start
        ended = [p for p in expected_periods(facts, today) if p.end < today]
        found.due = [p for p in ended if p.start not in recorded]
        found.missed = [p for p in found.due if deadline(p, facts.grace_days) < today]
    if latest is not None:
        found.gap_status, found.target, found.shortfall = judge(facts, latest)
        found.status = found.gap_status
    closed = last_closed(facts, today)
    stale = closed is not None and (latest is None or latest.period < closed)
    if stale:
        found.alerts.append(Alert.STALE)
        if latest is not None:
            found.status = Status.STALE
    if not_growing(facts):
        found.alerts.append(Alert.NOT_GROWING)
    if facts.owner_id is None:
        found.alerts.append(Alert.NO_OWNER)
    elif closed is not None and facts.owner_id not in facts.recorders:
        found.alerts.append(Alert.OWNER_NEVER_UPDATES)
    return found


# --- a measure's status from its KPIs -------------------------------------------------------


def suggest_measure_status(statuses: list[str]) -> str | None:
    """施策の状況の提案: any KPI 遅れ → 遅延; any 注意 or 未更新 → 注意; all 順調 → 順調.
    None when no KPI has a judged status (no data or no target only)."""
    judged = [s for s in statuses if s not in (Status.NO_DATA, Status.NO_TARGET)]
    if not judged:
        return None
    if Status.OFF_TRACK in judged:
        return "delayed"
    if Status.AT_RISK in judged or Status.STALE in judged:
        return "caution"
    return "on_track"
