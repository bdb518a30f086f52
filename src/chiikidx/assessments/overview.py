"""The prefecture's view of a round: heatmap, distributions, who needs support.

Read with three queries whatever the number of municipalities (counted responses, their
dimension scores, the previous round's overall scores), plus the user's visible responses.
Scores are formatted once here, so that the page renders thousands of cells without
per-cell template work.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import quantiles

from django.db.models import FloatField
from django.db.models.functions import Cast
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from chiikidx.core import access, links, tabular
from chiikidx.core.choices import OrgKind

from . import benchmark, queries
from .choices import SCORED_STATUSES
from .definition import DimensionDef, FrameworkDef
from .models import Response, Round
from .report import chart_dimensions

FALLING = -5.0  # points lost since the previous round that call for a visit
DASH = "—"
FILTERS = ("peer_group", "kind", "region")


@dataclass(slots=True)
class Row:
    id: int
    name: str
    code: str
    kind: str
    peer_group: str
    region: str
    overall: float | None
    change: float | None
    scores: list[float | None]

    prefecture: str = ""

    def html(self, url: str, labels: tuple[str, ...]) -> SafeString:
        """The table row, built here rather than in the template: a prefecture has hundreds of
        rows of a dozen cells each. Names and labels are escaped; scores are numbers."""
        texts = format_html_join("", '<td class="nowrap">{}</td>', ((label,) for label in labels))
        numbers = [self.overall_text, self.change_text, *(score_text(v) for v in self.scores)]
        cells = "".join(f'<td class="num">{n}</td>' for n in numbers)
        return format_html(
            '<tr><th scope="row"><a href="{}">{}</a></th>{}{}</tr>',
            url,
            self.name,
            texts,
            mark_safe(cells),  # noqa: S308 (numbers and dashes only)
        )

    @property
    def change_text(self) -> str:
        return DASH if self.change is None else f"{self.change:+.1f}"

    @property
    def overall_text(self) -> str:
        return score_text(self.overall)


def build(
    definition: FrameworkDef,
    round_: Round,
    user,
    *,
    sort: str = "code",
    peer_group: str = "",
    kind: str = "",
    region: str = "",
) -> dict:
    data = benchmark.load(round_)
    axes = chart_dimensions(definition)
    previous = _previous_scores(round_)
    shown = list(data.responses)
    if not access.sees_whole_prefecture(user, round_.organization):  # liaisons: their own only
        visible = set(
            Response.objects.filter(round=round_).visible_to(user).values_list("pk", flat=True)
        )
        shown = [rid for rid in shown if rid in visible]
    everyone = [_row(data, rid, axes, previous) for rid in shown]
    chosen = {"peer_group": peer_group, "kind": kind, "region": region}
    rows = [r for r in everyone if all(not v or getattr(r, k) == v for k, v in chosen.items())]
    rows.sort(key=sort_key(sort, axes))
    regions = sorted({r.region for r in everyone if r.region})
    return {
        "axes": axes,
        "rows": rows,
        "groups": sorted({r.peer_group for r in everyone}),
        "regions": regions,
        "table": table(rows, _with_region if regions else _without_region),
        "kinds": [
            (k.value, k.label) for k in OrgKind if k not in (OrgKind.PREFECTURE, OrgKind.WARD)
        ],
        "support": _needs_support(rows, _low_line(data)),
        "heatmap": heatmap(axes, rows),
        "distribution": distribution(axes, rows),
        "averages": [score_text(v) for v in averages(len(axes), rows)],
        "filtered": any(chosen.values()),
    }


def table(rows: list[Row], labels) -> SafeString:
    """The rows of a score table; `labels(row)` gives the text cells after the name."""
    report = links.url_maker("assessments:report", "lgcode", "response_id")
    return mark_safe(  # noqa: S308 (each row is built with format_html)
        "".join(r.html(report(lgcode=r.code, response_id=r.id), labels(r)) for r in rows)
    )


def _with_region(row: Row) -> tuple[str, ...]:
    return (row.peer_group, row.region)


def _without_region(row: Row) -> tuple[str, ...]:
    return (row.peer_group,)


def heatmap(axes: list[DimensionDef], rows: list[Row]) -> dict:
    return {
        "x": [a.title for a in axes],
        "y": [r.name for r in rows],
        "z": [r.scores for r in rows],
    }


def distribution(axes: list[DimensionDef], rows: list[Row]) -> dict:
    columns = list(zip(*(r.scores for r in rows), strict=True)) if rows else [()] * len(axes)
    return {
        "series": [
            {"name": a.title, "values": [v for v in column if v is not None]}
            for a, column in zip(axes, columns, strict=True)
        ]
    }


def averages(width: int, rows: list[Row]) -> list[float | None]:
    """Each dimension's mean over the rows shown, to two places (as the report rounds it)."""
    sums, counts = [0.0] * width, [0] * width
    for r in rows:
        for i, v in enumerate(r.scores):
            if v is not None:
                sums[i] += v
                counts[i] += 1
    return [round(total / n, 2) if n else None for total, n in zip(sums, counts, strict=True)]


def _row(data: benchmark.RoundData, rid: int, axes, previous: dict) -> Row:
    entry = data.responses[rid]
    before = previous.get(entry.organization_id)
    change = None if before is None or entry.overall is None else round(entry.overall - before, 2)
    own = data.scores.get(rid, {})
    return Row(
        id=rid,
        name=entry.name,
        code=entry.code,
        kind=entry.kind,
        peer_group=entry.peer_group,
        region=entry.region,
        overall=entry.overall,
        change=change,
        scores=[own.get(a.code) for a in axes],
    )


def _previous_scores(round_: Round) -> dict[int, float]:
    earlier = queries.previous_round(round_)
    if earlier is None:
        return {}
    rows = (
        Response.objects.filter(round=earlier, status__in=SCORED_STATUSES)
        .annotate(overall=Cast("overall_score", FloatField()))
        .values_list("organization_id", "overall")
    )
    return dict(benchmark.fetch(rows))


def sort_key(sort: str, axes):
    codes = [a.code for a in axes]
    if sort in codes:
        index = codes.index(sort)
        return lambda r: (r.scores[index] is None, -(r.scores[index] or 0))
    if sort == "overall":
        return lambda r: (r.overall is None, -(r.overall or 0))
    if sort == "change":
        return lambda r: (r.change is None, r.change or 0)
    if sort == "region":
        return lambda r: (not r.region, r.region, r.code)
    return lambda r: r.code


def _low_line(data) -> float | None:
    """The prefecture's bottom-quarter line, over every counted response (not only those shown)."""
    scores = [r.overall for r in data.responses.values() if r.overall is not None]
    return quantiles(scores, n=4)[0] if len(scores) >= 4 else None


def _needs_support(rows: list[Row], low_line) -> list[dict]:
    """Low (bottom quarter of the prefecture) or falling (5 points or more since last round)."""
    found = []
    for r in rows:
        reasons = []
        if low_line is not None and r.overall is not None and r.overall <= low_line:
            reasons.append("県内の下位4分の1")
        if r.change is not None and r.change <= FALLING:
            reasons.append(f"前回から{r.change:+.1f}点")
        if reasons:
            found.append({"row": r, "reasons": reasons})
    return found


def score_text(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def export_columns(axes) -> list[tabular.Column]:
    return [
        tabular.Column("code", "団体コード"),
        tabular.Column("name", "市町村"),
        tabular.Column("kind", "種別"),
        tabular.Column("peer_group", "類似団体グループ"),
        tabular.Column("region", "地域"),
        tabular.Column("overall", "総合スコア"),
        tabular.Column("change", "前回との差"),
        *(tabular.Column(f"d:{a.code}", a.title) for a in axes),
    ]


KIND_LABELS = {k.value: str(k.label) for k in OrgKind}


def export_row(row: Row, axes) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "kind": KIND_LABELS.get(row.kind, row.kind),
        "peer_group": row.peer_group,
        "region": row.region,
        "overall": row.overall,
        "change": None if row.change is None else round(row.change, 2),
        **export_scores(axes, row.scores),
    }


def export_scores(axes, values) -> dict:
    return {f"d:{a.code}": v for a, v in zip(axes, values, strict=True)}


def workbook(built: dict, round_: Round) -> bytes:
    """The table of the page as an Excel sheet: same rows, filters and order, averages last."""
    axes = built["axes"]
    rows = [export_row(r, axes) for r in built["rows"]]
    means = averages(len(axes), built["rows"])
    rows.append({"name": "平均", **export_scores(axes, means)})
    return tabular.write_xlsx(
        export_columns(axes), rows, title=f"{round_.title} 結果の一覧", sheet_title="結果の一覧"
    )
