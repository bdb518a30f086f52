"""Triage of challenges (課題): the bulk scoring table and the priority map.

The reads both pages share (the organization's visible challenges; the filters are
queries.Filters, as on the list), the check
of one scored row (the page's per-row save and its whole-table form use the same check, so a
row is accepted or refused alike with or without JavaScript), the points of the map, and
turning selected challenges into candidate plan measures. Every write goes through
`services`, so rights are decided per challenge and every change is audited.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import access
from chiikidx.core.services import ServiceError

from . import priority, services
from .choices import Axis, Scope, Timing
from .models import Challenge

ROW_NAMES = (*services.SCORE_FIELDS, "scope", "timing")
# Where each quadrant lies on the map (難易度 x, 裨益性 y), split as priority.quadrant_key splits.
QUADRANT_BOXES = {
    (False, True): (0.5, 3.5, 2.5, 5.5),
    (True, True): (3.5, 5.5, 2.5, 5.5),
    (False, False): (0.5, 3.5, 0.5, 2.5),
    (True, False): (3.5, 5.5, 0.5, 2.5),
}
# Points that share a spot spread on a small spiral, never further than this from it.
JITTER_RADIUS = 0.32
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


# --- the organization's challenges --------------------------------------------------------------


def challenges_of(user, organization):
    """The organization's challenges the user may see (the prefecture: only shared ones), with
    their departments; the organization is set on each row so rights are checked without a
    query per row."""
    return (
        Challenge.objects.visible_to(user)
        .filter(organization=organization)
        .select_related("department")
    )


def attach_organization(challenges, organization) -> list[Challenge]:
    rows = list(challenges)
    for challenge in rows:
        challenge.organization = organization
    return rows


def may_write_any(user, organization) -> bool:
    """Whether the user may change some of the organization's challenges: its staff, or a
    原課担当 (their own department's)."""
    return access.can_create_in(user, organization) or bool(
        access.grants(user).dept_change.get(organization.pk)
    )


# --- one scored row ----------------------------------------------------------------------------


@dataclass
class RowCheck:
    """One row of the scoring table as posted: the values read and what is wrong with them."""

    challenge: Challenge
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # name ("" for the row) → Japanese sentence
    raw: dict = field(default_factory=dict)  # what was posted for the names in errors

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> dict:
        return {
            name: value
            for name, value in self.values.items()
            if getattr(self.challenge, name) != value
        }

    def messages(self) -> list[str]:
        return list(self.errors.values())


def _score(raw) -> int | None:
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    if text == "":
        return None
    if text in ("1", "2", "3", "4", "5"):
        return int(text)
    raise ValueError


def check_row(user, challenge: Challenge, data: Mapping, prefix: str = "") -> RowCheck:
    """Read the posted values of one row (those absent stay as they are) and check them: scores
    1–5 or blank, a 対応主体 and 着手時期 from the lists, and the right to change the row."""
    check = RowCheck(challenge)
    for name in services.SCORE_FIELDS:
        if prefix + name not in data:
            continue
        try:
            check.values[name] = _score(data.get(prefix + name))
        except ValueError:
            check.raw[name] = str(data.get(prefix + name))
            check.errors[name] = _(
                "%(label)sは1から5の数字で入力してください(空欄にすると未採点に戻ります)。"
            ) % {"label": Axis(name).label}
    for name, choices, label in (
        ("scope", Scope, _("対応主体")),
        ("timing", Timing, _("着手時期")),
    ):
        if prefix + name not in data:
            continue
        value = str(data.get(prefix + name) or "")
        if value in choices.values:
            check.values[name] = value
        else:
            check.raw[name] = value
            allowed = "、".join(str(label) for label in choices.labels)
            check.errors[name] = _("%(label)sは次から選んでください: %(allowed)s") % {
                "label": label,
                "allowed": allowed,
            }
    if check.changed and not access.can(user, "change", challenge):
        check.errors[""] = _(
            "この課題を変更する権限がありません。原課担当は自分の部署の課題だけを変更できます。"
        )
    return check


def save_row(user, check: RowCheck) -> Challenge:
    """Save what changed in a checked row (nothing changed: nothing written, nothing audited)."""
    changed = check.changed
    if not changed:
        return check.challenge
    return services.update_challenge(acting_user=user, challenge=check.challenge, **changed)


@transaction.atomic
def save_rows(user, checks: list[RowCheck]) -> int:
    """Save every checked row in one transaction; returns how many rows changed."""
    saved = 0
    for check in checks:
        if check.changed:
            save_row(user, check)
            saved += 1
    return saved


def priority_of(challenge: Challenge, weights) -> object:
    return priority.score(challenge.benefit, challenge.difficulty, challenge.urgency, weights)


# --- the priority map --------------------------------------------------------------------------


@dataclass
class MapPoint:
    challenge: Challenge
    priority: object
    quadrant: tuple[bool, bool]
    x: float
    y: float


@dataclass
class Quadrant:
    key: tuple[bool, bool]
    label: str
    points: list = field(default_factory=list)

    @property
    def slug(self) -> str:
        return priority.QUADRANT_SLUGS[self.key]


def spread(count: int) -> list[tuple[float, float]]:
    """Offsets for `count` points on one spot: the first stays in the middle, the others follow
    a golden-angle spiral inside JITTER_RADIUS, so equal points never hide each other and the
    same data always draws the same picture."""
    if count <= 1:
        return [(0.0, 0.0)] * count
    offsets = []
    for i in range(count):
        radius = JITTER_RADIUS * math.sqrt(i / (count - 1))
        angle = i * GOLDEN_ANGLE
        offsets.append((round(radius * math.cos(angle), 3), round(radius * math.sin(angle), 3)))
    return offsets


def map_points(challenges, weights) -> tuple[list[MapPoint], list[Challenge]]:
    """The scored challenges as points (highest priority first), and the unscored ones."""
    scored = [c for c in challenges if c.is_scored]
    unscored = [c for c in challenges if not c.is_scored]
    by_spot = defaultdict(list)
    for challenge in sorted(scored, key=lambda c: c.pk):
        by_spot[(challenge.difficulty, challenge.benefit)].append(challenge)
    points = []
    for (x, y), group in by_spot.items():
        for challenge, (dx, dy) in zip(group, spread(len(group)), strict=True):
            points.append(
                MapPoint(
                    challenge=challenge,
                    priority=priority_of(challenge, weights),
                    quadrant=priority.quadrant_key(challenge.benefit, challenge.difficulty),
                    x=x + dx,
                    y=y + dy,
                )
            )
    points.sort(key=lambda p: (-p.priority, p.challenge.pk))
    return points, unscored


def quadrants(points: list[MapPoint]) -> list[Quadrant]:
    found = {key: Quadrant(key, str(label)) for key, label in priority.QUADRANTS.items()}
    for point in points:
        found[point.quadrant].points.append(point)
    return list(found.values())


def chart_data(points: list[MapPoint], url_of) -> dict:
    """What map.js draws: the points (with the page of each challenge) and the quadrants."""
    return {
        "points": [
            {
                "id": p.challenge.pk,
                "title": p.challenge.title,
                "x": p.x,
                "y": p.y,
                "benefit": p.challenge.benefit,
                "difficulty": p.challenge.difficulty,
                "urgency": p.challenge.urgency,
                "priority": float(p.priority),
                "quadrant": str(priority.QUADRANTS[p.quadrant]),
                "department": (
                    p.challenge.department.name if p.challenge.department else _("部署なし")
                ),
                "url": url_of(p.challenge),
            }
            for p in points
        ],
        "quadrants": [
            {
                "label": str(priority.QUADRANTS[key]),
                "x0": box[0],
                "x1": box[1],
                "y0": box[2],
                "y1": box[3],
                "slug": priority.QUADRANT_SLUGS[key],
            }
            for key, box in QUADRANT_BOXES.items()
        ],
        "labels": {
            "x": str(_("難易度(左ほど易しい)")),
            "y": str(_("裨益性(上ほど効果が大きい)")),
            "benefit": str(Axis.BENEFIT.label),
            "difficulty": str(Axis.DIFFICULTY.label),
            "urgency": str(Axis.URGENCY.label),
            "priority": str(_("優先度")),
        },
    }


# --- from the map to plan measures -------------------------------------------------------------


@dataclass
class MeasureResult:
    challenge: Challenge
    measure: object = None
    error: str = ""


def owner_for(challenge: Challenge, default_department, chosen: dict):
    """Whose measure it becomes: the department chosen for this challenge, else the one chosen
    for all, else the challenge's own department."""
    return chosen.get(challenge.pk) or default_department or challenge.department


def make_measures(*, acting_user, challenges, plan, default_department=None, chosen=None):
    """Candidate measures in `plan` for each challenge, in one transaction: if any challenge
    cannot become a measure, none does, and the result says why for each one."""
    chosen = chosen or {}
    results = [MeasureResult(c) for c in challenges]
    with transaction.atomic():
        for result in results:
            owner = owner_for(result.challenge, default_department, chosen)
            if owner is None:
                result.error = _(
                    "部署がない課題です。この課題の行で担当部署を選ぶか、全体の担当部署を選んでください。"
                )
                continue
            try:
                result.measure = services.make_measure(
                    acting_user=acting_user,
                    challenge=result.challenge,
                    plan=plan,
                    owner_department=owner,
                )
            except ServiceError as refused:
                result.error = str(refused)
        if any(r.error for r in results):
            transaction.set_rollback(True)
            for result in results:
                result.measure = None
    return results
