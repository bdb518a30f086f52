"""Scores: question → dimension (weighted) → overall, each 0–100.

The method, as shown to users so anyone can recompute a score by hand:
- 成熟度 0–4: level × 25.  はい/いいえ: the points of the answer (はい 100 / いいえ 0 unless set).
- 単一選択: the points of the choice.  複数選択: the sum of the chosen points, at most 100.
- 数値・割合: linear — 0 at `zero`, 100 at `target`, straight line between, clipped to 0–100;
  or thresholds — the score of the best step reached (higher: value ≥ at; lower: value ≤ at).
- A dimension's score is the weighted mean of its questions' scores and its sub-dimensions'
  scores (each sub-dimension counts with its own weight). Unanswered questions and dimensions
  without any answer are left out, and the remaining weights are used as they are.
- The overall score is the weighted mean of the top-level dimensions.
Scores are computed exactly and stored rounded to two decimal places (when a response is
submitted; a returned response loses its scores until it is submitted again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .choices import Direction, QuestionType
from .definition import DimensionDef, FrameworkDef, QuestionDef

HUNDRED = Decimal(100)


@dataclass
class Scores:
    overall: Decimal | None
    dimensions: dict[str, Decimal | None] = field(default_factory=dict)
    questions: dict[str, Decimal | None] = field(default_factory=dict)


def clip(value: Decimal) -> Decimal:
    return max(Decimal(0), min(HUNDRED, value))


def question_score(q: QuestionDef, value) -> Decimal | None:
    """Score of one canonical answer value, or None when unanswered or unscored."""
    if value in (None, "", []) or not q.scored:
        return None
    if q.type == QuestionType.LEVEL:
        return Decimal(int(value)) * 25
    if q.type == QuestionType.YESNO:
        return Decimal(str(q.points.get(value, 0)))
    if q.type == QuestionType.SINGLE:
        return Decimal(str(_points(q).get(value, 0)))
    if q.type == QuestionType.MULTIPLE:
        points = _points(q)
        return clip(sum((Decimal(str(points.get(v, 0))) for v in value), Decimal(0)))
    return _numeric_score(q, Decimal(str(value)))


def _points(q: QuestionDef) -> dict:
    return {c["value"]: c["points"] for c in q.choices}


def _numeric_score(q: QuestionDef, value: Decimal) -> Decimal:
    rule = q.scoring
    if rule.get("method") == "linear":
        zero, target = Decimal(str(rule["zero"])), Decimal(str(rule["target"]))
        return clip((value - zero) / (target - zero) * HUNDRED)
    steps = [(Decimal(str(s["at"])), Decimal(str(s["score"]))) for s in rule.get("steps", [])]
    if q.direction == Direction.LOWER:
        reached = [score for at, score in steps if value <= at]
    else:
        reached = [score for at, score in steps if value >= at]
    return clip(max(reached, default=Decimal(0)))


def weighted_mean(parts: list[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    counted = [(score, weight) for score, weight in parts if score is not None and weight > 0]
    total = sum((weight for _, weight in counted), Decimal(0))
    if not counted or total == 0:
        return None
    return sum((score * weight for score, weight in counted), Decimal(0)) / total


def score_answers(framework: FrameworkDef, answers: dict) -> Scores:
    """All scores for one response; `answers` maps question code → canonical value."""
    scores = Scores(overall=None)
    scores.questions = {
        q.code: question_score(q, answers.get(q.code)) for q in framework.questions()
    }
    top = [(_dimension_score(d, scores), d.weight) for d in framework.dimensions]
    scores.overall = weighted_mean(top)
    return scores


def _dimension_score(dimension: DimensionDef, scores: Scores) -> Decimal | None:
    parts = [(scores.questions[q.code], q.weight) for q in dimension.questions if q.scored]
    parts += [(_dimension_score(child, scores), child.weight) for child in dimension.children]
    result = weighted_mean(parts)
    scores.dimensions[dimension.code] = result
    return result
