"""The municipality report: position, strengths and weaknesses, hints, learning partners, trend."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from chiikidx.core import access

from . import benchmark, queries
from .choices import Disclosure, QuestionType, RoundStatus
from .definition import DimensionDef, FrameworkDef
from .models import Response

PARTNERS_PER_WEAKNESS = 3


@dataclass
class DimensionRow:
    code: str
    title: str
    own: Decimal | None
    prefecture: Decimal | None
    peers: Decimal | None
    gap: Decimal | None  # own − prefecture average


@dataclass
class WeakPoint:
    """A weak dimension or a weak question's hint, as it becomes a candidate measure (施策)."""

    ref: str  # "response:<id>:dimension:<code>" or "response:<id>:question:<code>"
    title: str
    description: str
    target_level: str
    measure: object = None  # the measure made from it, filled in by the page
    extra: dict = field(default_factory=dict)


def point_ref(response: Response, kind: str, code: str) -> str:
    return f"response:{response.pk}:{kind}:{code}"


def chart_dimensions(definition: FrameworkDef) -> list[DimensionDef]:
    """The radar's axes: the second level where there is one, else the top level."""
    axes = []
    for top in definition.dimensions:
        axes.extend(top.children or [top])
    return axes


def build(definition: FrameworkDef, response: Response, user) -> dict:
    data, numbers = aggregates(definition, response)
    disclosure = queries.settings_of(response.round.organization_id).disclosure
    weaknesses = numbers["weaknesses"]
    if weaknesses:  # the others' scores only where this municipality is weak
        data.scores = benchmark.scores_of([response.round_id], [w.code for w in weaknesses])
    hints = _hints(definition, response, weaknesses)
    return numbers | {
        "hints": hints,
        "weak_points": weak_points(response, weaknesses, hints),
        "partners": _partners(data, response, weaknesses, user, disclosure),
        "trend": _trend(response),
        "chart": _chart(numbers["rows"]),
        "distribution": _distribution(data, response, user, disclosure),
    }


def aggregates(definition: FrameworkDef, response: Response) -> tuple:
    """The report's numbers: each dimension's own score and averages (from the database),
    positions, strengths and weaknesses. Returns the round's counted responses too."""
    data = benchmark.load_rounds([response.round_id], dimensions=[], names=False)
    peer_group = response.organization.peer_group
    enough_peers = len(data.peers(response.pk)) >= benchmark.MIN_GROUP
    averages = benchmark.dimension_averages(response.round_id, response.pk, peer_group)
    rows = [_row(d, averages, enough_peers) for d in chart_dimensions(definition)]
    ranked = sorted((r for r in rows if r.gap is not None), key=lambda r: r.gap)
    return data, {
        "rows": rows,
        "overall_prefecture": benchmark.position(data, response.pk, None, peers=False),
        "overall_peers": benchmark.position(data, response.pk, None, peers=True),
        "strengths": [r for r in reversed(ranked[-3:]) if r.gap > 0],
        "weaknesses": [r for r in ranked[:3] if r.gap < 0],
    }


def _row(d: DimensionDef, averages: dict, enough_peers: bool) -> DimensionRow:
    """A small peer group is compared with the whole prefecture (as positions are)."""
    own, everyone, peers = averages.get(d.code, (None, None, None))
    score = benchmark.decimal(own)
    prefecture = benchmark.decimal(everyone)
    peer_average = benchmark.decimal(peers) if enough_peers else prefecture
    gap = None if score is None or prefecture is None else score - prefecture
    return DimensionRow(d.code, d.title, score, prefecture, peer_average, gap)


def _hints(
    definition: FrameworkDef, response: Response, weaknesses: list[DimensionRow]
) -> list[dict]:
    """For each weak dimension, its maturity questions below the top level and how to go up."""
    values = dict(response.answers.values_list("question_code", "value"))
    weak = {w.code for w in weaknesses}
    hints = []
    for dimension in definition.all_dimensions():
        if dimension.code not in weak:
            continue
        for q in dimension.questions:
            level = values.get(q.code)
            if q.type == QuestionType.LEVEL and level is not None and int(level) < 4:
                current = q.levels[int(level)]
                hints.append(
                    {
                        "dimension": dimension.title,
                        "dimension_code": dimension.code,
                        "question": q,
                        "level": level,
                        "descriptor": current["descriptor"],
                        "next": current["next"],
                    }
                )
    return hints


def weak_points_of(definition: FrameworkDef, response: Response) -> list[WeakPoint]:
    """Every weak point of a response's report: the weak dimensions, then the hints."""
    _data, numbers = aggregates(definition, response)
    hints = _hints(definition, response, numbers["weaknesses"])
    return weak_points(response, numbers["weaknesses"], hints) + [h["point"] for h in hints]


def weak_points(response: Response, weaknesses: list[DimensionRow], hints: list[dict]) -> list:
    """One point per weak dimension (its row in `extra`) and one per hint (`hint["point"]`)."""
    points = [_dimension_point(response, w, hints) for w in weaknesses]
    for hint in hints:
        hint["point"] = _question_point(response, hint)
    return points


def _dimension_point(response: Response, row: DimensionRow, hints: list[dict]) -> WeakPoint:
    steps = [
        f"・{h['question'].code} {h['question'].text}: {h['next']}"
        for h in hints
        if h["dimension_code"] == row.code and h["next"]
    ]
    description = _(
        "アセスメント「%(round)s」で、観点「%(title)s」のスコアは%(own)s(県平均%(pref)s)でした。"
    ) % {"round": response.round.title, "title": row.title, "own": row.own, "pref": row.prefecture}
    if steps:
        description += "\n" + _("次の一歩:") + "\n" + "\n".join(steps)
    return WeakPoint(
        ref=point_ref(response, "dimension", row.code),
        title=_("%(title)sの底上げ") % {"title": row.title},
        description=description,
        target_level=_("観点「%(title)s」のスコアを県平均(%(pref)s)以上にする")
        % {"title": row.title, "pref": row.prefecture},
        extra={"row": row},
    )


def _question_point(response: Response, hint: dict) -> WeakPoint:
    q, level = hint["question"], int(hint["level"])
    upper = q.levels[level + 1]["descriptor"]
    description = _(
        "アセスメント「%(round)s」の設問 %(code)s「%(text)s」はレベル%(level)s(%(now)s)でした。"
    ) % {
        "round": response.round.title,
        "code": q.code,
        "text": q.text,
        "level": level,
        "now": hint["descriptor"],
    }
    if hint["next"]:
        description += "\n" + _("次の一歩: %(next)s") % {"next": hint["next"]}
    return WeakPoint(
        ref=point_ref(response, "question", q.code),
        title=str(q.text),
        description=description,
        target_level=_("レベル%(level)s: %(descriptor)s")
        % {"level": level + 1, "descriptor": upper},
    )


def _partners(
    data, response: Response, weaknesses: list[DimensionRow], user, disclosure: str
) -> list[dict]:
    """Who scores high exactly where this municipality is low (same peer group first)."""
    sees_names = access.can(user, "review", response) or disclosure == Disclosure.NAMES
    if disclosure == Disclosure.NONE and not access.can(user, "review", response):
        return []
    own_group = response.organization.peer_group
    result = []
    for weakness in weaknesses:
        others = [
            (rid, score)
            for rid in data.responses
            if rid != response.pk
            and (score := data.score(rid, weakness.code)) is not None
            and score > weakness.own  # only those who do better here
        ]
        others.sort(
            key=lambda item: (
                data.responses[item[0]].peer_group != own_group,
                -item[1],
            )
        )
        result.append((weakness, others[:PARTNERS_PER_WEAKNESS]))
    if sees_names:
        benchmark.fill_names(data, [rid for _weak, top in result for rid, _score in top])
    return [
        {
            "dimension": weakness.title,
            "own": weakness.own,
            "partners": [
                _partner(data.responses[rid], score, i, sees_names, own_group)
                for i, (rid, score) in enumerate(top)
            ],
        }
        for weakness, top in result
    ]


def _partner(other: benchmark.Entry, score, index: int, sees_names: bool, own_group: str) -> dict:
    name = other.name if sees_names else _("団体%(letter)s") % {"letter": "ABC"[index]}
    return {
        "name": name,
        "code": other.code if sees_names else "",
        "score": benchmark.decimal(score),
        "same_group": other.peer_group == own_group,
    }


def _trend(response: Response) -> list[dict]:
    history = (
        queries.responses_of(response.organization)
        .filter(round__version__framework_id=response.round.version.framework_id)
        .exclude(overall_score=None)
        .exclude(round__status=RoundStatus.CANCELLED)
        .order_by("round__opens_on")
    )
    return [
        {"title": r.round.title, "score": r.overall_score, "current": r.pk == response.pk}
        for r in history
    ]


def _chart(rows: list[DimensionRow]) -> dict:
    """Data for the radar chart script (numbers as floats, labels as text)."""

    def numbers(attr):
        return [float(getattr(r, attr)) if getattr(r, attr) is not None else None for r in rows]

    return {
        "labels": [r.title for r in rows],
        "own": numbers("own"),
        "prefecture": numbers("prefecture"),
        "peers": numbers("peers"),
    }


def _distribution(data, response: Response, user, disclosure: str) -> dict:
    """The prefecture's overall scores (names left out), with this municipality marked; nothing
    of the others when the round shows municipalities no other results."""
    hidden = disclosure == Disclosure.NONE and not access.can(user, "review", response)
    others = (
        []
        if hidden
        else [
            float(v)
            for rid, r in data.responses.items()
            if rid != response.pk and (v := r.overall) is not None
        ]
    )
    own = float(response.overall_score) if response.overall_score is not None else None
    return {"others": sorted(others), "own": own}
