"""The priority score of a challenge, from its three scores and the organization's weights.

    優先度 = 100 × (w裨益 × (裨益性 − 1) + w容易 × (5 − 難易度) + w緊急 × (緊急性 − 1))
                  ÷ (4 × (w裨益 + w容易 + w緊急))

Each term is 0 at the worst point and 4 at the best, so the score runs from 0 (little benefit,
very hard, not urgent) to 100 (great benefit, easy, urgent). An unscored challenge has none.
The same formula is computed in Python (`score`) and in SQL (`annotate`), so lists can be sorted
by it in the database; the page shows it with the weights (`formula_text`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, FloatField, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ONE_PLACE = Decimal("0.1")


def score(benefit, difficulty, urgency, weights: tuple[int, int, int]) -> Decimal | None:
    """0–100, one decimal place; None while any of the three scores is missing."""
    if None in (benefit, difficulty, urgency):
        return None
    w_benefit, w_ease, w_urgency = weights
    total = w_benefit + w_ease + w_urgency
    if total <= 0:
        return None
    points = w_benefit * (benefit - 1) + w_ease * (5 - difficulty) + w_urgency * (urgency - 1)
    return (Decimal(100 * points) / Decimal(4 * total)).quantize(ONE_PLACE, ROUND_HALF_UP)


def expression(weights: tuple[int, int, int]):
    """The same score as a database expression (NULL when a score is missing)."""
    w_benefit, w_ease, w_urgency = weights
    total = max(w_benefit + w_ease + w_urgency, 1)
    points = (
        Value(w_benefit) * (F("benefit") - 1)
        + Value(w_ease) * (5 - F("difficulty"))
        + Value(w_urgency) * (F("urgency") - 1)
    )
    # In floating point: SQLite divides integers (and decimal parameters, sent as text) as
    # integers, which truncated 58.33 to 58.
    return Cast(
        Cast(points, FloatField()) * Value(100.0) / Value(float(4 * total)),
        DecimalField(max_digits=6, decimal_places=2),
    )


def annotate(queryset, weights: tuple[int, int, int]):
    return queryset.annotate(priority=expression(weights))


def formula_text(weights: tuple[int, int, int]) -> str:
    w_benefit, w_ease, w_urgency = weights
    return _(
        "優先度 = 100 × ({b} ×(裨益性−1) + {e} ×(5−難易度) + {u} ×(緊急性−1)) ÷ (4 × {t})"
    ).format(b=w_benefit, e=w_ease, u=w_urgency, t=w_benefit + w_ease + w_urgency)


# Quadrants of the priority map: 難易度 (x) × 裨益性 (y), split at the middle point 3, keyed by
# (hard, high benefit); in reading order, what to do first comes first.
QUADRANTS = {
    (False, True): gettext_lazy("すぐやる(効果大・易しい)"),
    (True, True): gettext_lazy("戦略的に取り組む(効果大・難しい)"),
    (False, False): gettext_lazy("ついでにやる(効果小・易しい)"),
    (True, False): gettext_lazy("再検討(効果小・難しい)"),
}
# Their names in CSS classes, map.js and the API (quadrant_key).
QUADRANT_SLUGS = {
    (False, True): "quick",
    (True, True): "strategic",
    (False, False): "filler",
    (True, False): "reconsider",
}


def quadrant_key(benefit, difficulty) -> tuple[bool, bool] | None:
    """(hard, high benefit), None while unscored; a point on the middle line (3) counts as the
    easier and higher side. The one place the split is decided."""
    if benefit is None or difficulty is None:
        return None
    return (difficulty > 3, benefit >= 3)


def quadrant(benefit, difficulty) -> str:
    """The map's quadrant label ("" while unscored)."""
    key = quadrant_key(benefit, difficulty)
    return str(QUADRANTS[key]) if key else ""


def quadrant_slug(benefit, difficulty) -> str:
    """The quadrant's name in CSS classes and the API ("" while unscored)."""
    key = quadrant_key(benefit, difficulty)
    return QUADRANT_SLUGS[key] if key else ""
