"""Baselines (ベースライン): a plan's snapshot, and the comparison of two states of a plan.

A state is a `Baseline` or the plan as it is now. Measures are matched by their id (across
revisions by the id of the measure in the first version, `Measure.origin`), so a renamed
measure is "changed", not removed and added. Drifts are "later minus earlier":
a positive date drift is a delay (遅れ), a negative one is ahead of the baseline (前倒し).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from chiikidx.core.japanese import nendo_label, wareki

from .choices import MeasureKind, MeasureStatus, PlanStatus
from .models import Baseline, Measure, MeasureBudget, Plan, Policy

SNAPSHOT_VERSION = 1


def snapshot(plan: Plan) -> dict:
    """The plan, its policies and its measures (with budgets per 年度) as plain JSON values."""
    policies = list(Policy.objects.filter(plan=plan))
    measures = (
        Measure.objects.filter(plan=plan)
        .select_related("owner_department", "policy")
        .prefetch_related(
            Prefetch("budgets", queryset=MeasureBudget.objects.order_by("fiscal_year"))
        )
    )
    return {
        "format": SNAPSHOT_VERSION,
        "plan": {
            "id": plan.pk,
            "title": plan.title,
            "vision": plan.vision,
            "start_fy": plan.start_fy,
            "end_fy": plan.end_fy,
            "status": plan.status,
            "version": plan.version,
        },
        "policies": [
            {"id": p.pk, "code": p.code, "title": p.title, "order": p.order} for p in policies
        ],
        "measures": [_measure(m) for m in measures],
    }


def _measure(m: Measure) -> dict:
    return {
        "id": m.pk,
        "key": live_key(m),
        "code": m.code,
        "title": m.title,
        "policy": str(m.policy),
        "owner_department": m.owner_department.name,
        "responsible": m.responsible,
        "start_date": m.start_date.isoformat() if m.start_date else None,
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "deliverable": m.deliverable,
        "target_level": m.target_level,
        "status": m.status,
        "progress": m.progress,
        "weight": format(Decimal(m.weight).normalize(), "f"),
        "kind": m.kind,
        "budgets": {str(b.fiscal_year): [b.planned_yen, b.actual_yen] for b in m.budgets.all()},
    }


# --- comparison ------------------------------------------------------------------------------

# (snapshot key, label) of the fields listed per changed measure, in the order shown.
COMPARED_FIELDS = [
    ("title", "名称"),
    ("code", "番号"),
    ("policy", "基本方針"),
    ("owner_department", "担当部署"),
    ("responsible", "担当者"),
    ("start_date", "開始日"),
    ("deadline", "期限"),
    ("deliverable", "成果物(何を)"),
    ("target_level", "目標水準(どの水準まで)"),
    ("status", "状況"),
    ("progress", "進捗(%)"),
    ("weight", "重み"),
    ("kind", "種類"),
]


@dataclass
class State:
    """One side of a comparison: a baseline, or the plan now (baseline None)."""

    label: str
    data: dict
    baseline: Baseline | None = None

    @property
    def key(self) -> str:
        return str(self.baseline.pk) if self.baseline else "current"


def state_of(item: Baseline | Plan) -> State:
    if isinstance(item, Baseline):
        return State(item.label, item.snapshot, item)
    return State(_("現在の計画"), snapshot(item))


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class BudgetDrift:
    fiscal_year: int
    before: int
    after: int

    @property
    def label(self) -> str:
        return nendo_label(self.fiscal_year)

    @property
    def drift(self) -> int:
        return self.after - self.before

    @property
    def shown(self) -> Drift:
        return yen_drift(self.drift)


@dataclass
class MeasureChange:
    key: int
    title: str
    before: dict
    after: dict
    fields: list[FieldChange] = field(default_factory=list)
    start_drift: int | None = None  # days
    deadline_drift: int | None = None  # days
    progress_drift: int = 0  # points
    budgets: list[BudgetDrift] = field(default_factory=list)

    @property
    def budget_drift(self) -> int:
        return sum(b.drift for b in self.budgets)

    @property
    def start(self) -> Drift:
        return days_drift(self.start_drift)

    @property
    def deadline(self) -> Drift:
        return days_drift(self.deadline_drift)

    @property
    def progress(self) -> Drift:
        return points_drift(self.progress_drift)

    @property
    def budget(self) -> Drift:
        return yen_drift(self.budget_drift)


@dataclass
class Comparison:
    a: State
    b: State
    added: list[dict]
    removed: list[dict]
    changed: list[MeasureChange]
    unchanged: int
    budget_before: int
    budget_after: int

    @property
    def budget_drift(self) -> int:
        return self.budget_after - self.budget_before

    @property
    def budget(self) -> Drift:
        return yen_drift(self.budget_drift)


def compare(a: Baseline | Plan | State, b: Baseline | Plan | State) -> Comparison:
    """What changed from `a` (the earlier state, usually a baseline) to `b`."""
    a = a if isinstance(a, State) else state_of(a)
    b = b if isinstance(b, State) else state_of(b)
    before = {key_of(m): m for m in a.data.get("measures", [])}
    after = {key_of(m): m for m in b.data.get("measures", [])}
    changed, unchanged = [], 0
    for key in before.keys() & after.keys():
        change = measure_change(before[key], after[key])
        if change is None:
            unchanged += 1
        else:
            changed.append(change)
    order = {k: i for i, k in enumerate([*after, *before])}
    return Comparison(
        a=a,
        b=b,
        added=[_listed(m) for k, m in after.items() if k not in before],
        removed=[_listed(m) for k, m in before.items() if k not in after],
        changed=sorted(changed, key=lambda c: order[c.key]),
        unchanged=unchanged,
        budget_before=_budget_total(before.values()),
        budget_after=_budget_total(after.values()),
    )


def _listed(m: dict) -> dict:
    return m | {"deadline_shown": _shown("deadline", m.get("deadline"))}


def key_of(m: dict) -> int:
    """What matches a measure of a snapshot across revisions: its origin (older snapshots
    have only the id)."""
    return m.get("key") or m["id"]


def live_key(measure) -> int:
    """key_of for a measure as it is now."""
    return measure.origin or measure.pk


def _budget_total(measures) -> int:
    return sum(_planned(m).get(y, 0) for m in measures for y in _planned(m))


def _planned(m: dict) -> dict[int, int]:
    return {int(y): values[0] or 0 for y, values in (m.get("budgets") or {}).items()}


def measure_change(before: dict, after: dict) -> MeasureChange | None:
    """The differences of one measure between two states; None when nothing differs."""
    fields = [
        FieldChange(label, _shown(name, before.get(name)), _shown(name, after.get(name)))
        for name, label in COMPARED_FIELDS
        if before.get(name) != after.get(name)
    ]
    budgets = _budget_drifts(before, after)
    actual_changed = (before.get("budgets") or {}) != (after.get("budgets") or {})
    if not fields and not budgets and not actual_changed:
        return None
    if actual_changed and not budgets:
        fields.append(FieldChange(_("決算額"), _("変更あり"), _("変更あり")))
    return MeasureChange(
        key=key_of(after),
        title=after["title"],
        before=before,
        after=after,
        fields=fields,
        start_drift=_days(before.get("start_date"), after.get("start_date")),
        deadline_drift=_days(before.get("deadline"), after.get("deadline")),
        progress_drift=(after.get("progress") or 0) - (before.get("progress") or 0),
        budgets=budgets,
    )


def _budget_drifts(before: dict, after: dict) -> list[BudgetDrift]:
    old, new = _planned(before), _planned(after)
    years = sorted(old.keys() | new.keys())
    drifts = [BudgetDrift(y, old.get(y, 0), new.get(y, 0)) for y in years]
    return [d for d in drifts if d.drift]


def _days(before: str | None, after: str | None) -> int | None:
    if not before or not after:
        return None
    return (datetime.date.fromisoformat(after) - datetime.date.fromisoformat(before)).days


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name in ("start_date", "deadline"):
        return wareki(datetime.date.fromisoformat(value))
    if name == "status":
        return str(MeasureStatus(value).label) if value in MeasureStatus.values else value
    if name == "kind":
        return str(MeasureKind(value).label) if value in MeasureKind.values else value
    return str(value)


def step_label(status: str, decided_on: datetime.date) -> str:
    """The label of a baseline taken at an approval step, e.g. 議会報告・承認(令和8年3月19日)."""
    return f"{PlanStatus(status).label}({wareki(decided_on)})"


# --- how drifts read (sign, words and the badge style; never colour alone) -------------------


@dataclass
class Drift:
    text: str
    style: str  # CSS modifier of the badge: ok / off / warn / neutral


def days_drift(days: int | None) -> Drift:
    if days is None:
        return Drift("—", "neutral")
    if days > 0:
        return Drift(_("+%(n)s日 遅れ") % {"n": f"{days:,}"}, "off")
    if days < 0:
        return Drift(_("−%(n)s日 前倒し") % {"n": f"{-days:,}"}, "ok")
    return Drift(_("±0日"), "neutral")


def points_drift(points: int) -> Drift:
    if points > 0:
        return Drift(_("+%(n)sポイント 進んだ") % {"n": points}, "ok")
    if points < 0:
        return Drift(_("−%(n)sポイント 後退") % {"n": -points}, "warn")
    return Drift(_("±0ポイント"), "neutral")


def yen_drift(yen: int) -> Drift:
    if yen > 0:
        return Drift(_("+%(n)s円 増") % {"n": f"{yen:,}"}, "warn")
    if yen < 0:
        return Drift(_("−%(n)s円 減") % {"n": f"{-yen:,}"}, "ok")
    return Drift(_("±0円"), "neutral")
