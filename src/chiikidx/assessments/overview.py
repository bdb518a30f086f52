"""The prefecture's view of a round: heatmap, distributions, who needs support."""

from __future__ import annotations

from decimal import Decimal
from statistics import quantiles

from chiikidx.core.choices import OrgKind

from . import benchmark, queries
from .choices import SCORED_STATUSES
from .definition import FrameworkDef
from .models import Response, Round
from .report import chart_dimensions

FALLING = Decimal(-5)  # points lost since the previous round that call for a visit


def build(
    definition: FrameworkDef,
    round_: Round,
    user,
    *,
    sort: str = "code",
    peer_group: str = "",
    kind: str = "",
) -> dict:
    data = benchmark.load(round_)
    visible = set(
        Response.objects.filter(round=round_).visible_to(user).values_list("pk", flat=True)
    )
    axes = chart_dimensions(definition)
    previous = _previous_scores(round_)
    rows = [_row(data, rid, axes, previous) for rid in data.responses if rid in visible]
    low_line = _low_line(data)
    groups = sorted({r["peer_group"] for r in rows})
    rows = [
        r
        for r in rows
        if (not peer_group or r["peer_group"] == peer_group) and (not kind or r["kind"] == kind)
    ]
    rows.sort(key=_sort_key(sort, axes))
    return {
        "axes": axes,
        "rows": rows,
        "groups": groups,
        "kinds": [
            (k.value, k.label) for k in OrgKind if k not in (OrgKind.PREFECTURE, OrgKind.WARD)
        ],
        "support": _needs_support(rows, low_line),
        "heatmap": {
            "x": [a.title for a in axes],
            "y": [r["name"] for r in rows],
            "z": [[_float(v) for v in r["scores"]] for r in rows],
        },
        "distribution": {
            "series": [
                {
                    "name": a.title,
                    "values": [_float(r["scores"][i]) for r in rows if r["scores"][i] is not None],
                }
                for i, a in enumerate(axes)
            ]
        },
        "averages": [benchmark.average(data, a.code, [r["id"] for r in rows]) for a in axes],
    }


def _row(data, rid: int, axes, previous: dict) -> dict:
    response = data.responses[rid]
    org = response.organization
    before = previous.get(org.pk)
    change = (
        None
        if before is None or response.overall_score is None
        else response.overall_score - before
    )
    return {
        "id": rid,
        "name": org.name,
        "code": org.code,
        "kind": org.kind,
        "peer_group": org.peer_group,
        "overall": response.overall_score,
        "change": change,
        "scores": [data.score(rid, a.code) for a in axes],
    }


def _previous_scores(round_: Round) -> dict[int, Decimal]:
    earlier = queries.previous_round(round_)
    if earlier is None:
        return {}
    return dict(
        Response.objects.filter(round=earlier, status__in=SCORED_STATUSES).values_list(
            "organization_id", "overall_score"
        )
    )


def _sort_key(sort: str, axes):
    codes = [a.code for a in axes]
    if sort in codes:
        index = codes.index(sort)
        return lambda r: (r["scores"][index] is None, -(r["scores"][index] or 0))
    if sort == "overall":
        return lambda r: (r["overall"] is None, -(r["overall"] or 0))
    if sort == "change":
        return lambda r: (r["change"] is None, r["change"] or 0)
    return lambda r: r["code"]


def _low_line(data) -> Decimal | None:
    """The prefecture's bottom-quarter line, over every counted response (not only those shown)."""
    scores = [r.overall_score for r in data.responses.values() if r.overall_score is not None]
    return quantiles(scores, n=4)[0] if len(scores) >= 4 else None


def _needs_support(rows: list[dict], low_line) -> list[dict]:
    """Low (bottom quarter of the prefecture) or falling (5 points or more since last round)."""
    found = []
    for r in rows:
        reasons = []
        if low_line is not None and r["overall"] is not None and r["overall"] <= low_line:
            reasons.append("県内の下位4分の1")
        if r["change"] is not None and r["change"] <= FALLING:
            reasons.append(f"前回から{r['change']}点")
        if reasons:
            found.append(r | {"reasons": reasons})
    return found


def _float(value):
    return None if value is None else float(value)
