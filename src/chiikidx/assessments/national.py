"""The national overview, for the system administrator: every prefecture's latest round of one
shipped framework in one fiscal year, side by side.

Prefectures adopt copies of the shipped frameworks (`Framework.based_on`), so their results
line up by the shipped framework's dimension codes; a dimension a prefecture removed from its
copy is blank. Read with five queries whatever the number of municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import fsum
from statistics import quantiles

from django.core.paginator import Paginator
from django.db.models import Count, FloatField, Q
from django.db.models.functions import Cast

from chiikidx.core import tabular
from chiikidx.core.choices import OrgKind

from . import benchmark, frameworks, overview
from .choices import SCORED_STATUSES, RoundStatus
from .models import Response, Round
from .report import chart_dimensions

PAGE_SIZE = 100


@dataclass
class PrefectureSummary:
    code: str
    name: str
    round_id: int
    round_title: str
    targets: int  # municipalities the round was sent to
    counted: int  # submitted or accepted
    overall: float | None
    averages: list[float | None]

    @property
    def rate(self) -> float:
        return 100 * self.counted / self.targets if self.targets else 0.0

    @property
    def cells(self) -> list[str]:
        return [overview.score_text(v) for v in self.averages]


def framework_choices() -> list[tuple[str, str]]:
    return [(code, frameworks.shipped(code).title) for code in frameworks.shipped_codes()]


def years_of(code: str) -> list[int]:
    """Fiscal years with a round of the framework in some prefecture, latest first."""
    return sorted(
        set(
            Round.objects.filter(version__framework__based_on=code)
            .exclude(status=RoundStatus.CANCELLED)
            .values_list("fiscal_year", flat=True)
        ),
        reverse=True,
    )


def latest_rounds(code: str, fiscal_year: int) -> list[dict]:
    """Each prefecture's latest (not cancelled) round of the framework in the year, with counts."""
    counted = Q(responses__status__in=SCORED_STATUSES)
    rows = (
        Round.objects.filter(version__framework__based_on=code, fiscal_year=fiscal_year)
        .exclude(status=RoundStatus.CANCELLED)
        .annotate(targets=Count("responses"), counted=Count("responses", filter=counted))
        .order_by("organization__code", "-opens_on", "-pk")
        .values("pk", "title", "targets", "counted", "organization__code", "organization__name")
    )
    latest: dict[str, dict] = {}
    for row in rows:
        latest.setdefault(row["organization__code"], row)
    return list(latest.values())


def build(
    code: str,
    fiscal_year: int,
    *,
    sort: str = "code",
    prefecture: str = "",
    kind: str = "",
    peer_group: str = "",
    page: str | int = 1,
) -> dict:
    axes = chart_dimensions(frameworks.shipped(code))
    rounds = latest_rounds(code, fiscal_year)
    data = benchmark.load_rounds([r["pk"] for r in rounds])
    previous = _previous_scores(code, fiscal_year - 1)
    names = {r["pk"]: r["organization__name"] for r in rounds}
    everyone = []
    for rid, entry in data.responses.items():
        row = _row(data, rid, entry, axes, previous)
        row.prefecture = names[entry.round_id]
        everyone.append(row)
    by_round: dict[int, list[overview.Row]] = {r["pk"]: [] for r in rounds}
    for row, entry in zip(everyone, data.responses.values(), strict=True):
        by_round[entry.round_id].append(row)
    summaries = [_summary(r, by_round[r["pk"]], len(axes)) for r in rounds]
    chosen = [
        r
        for r in everyone
        if (not prefecture or r.code[:2] == prefecture[:2])
        and (not kind or r.kind == kind)
        and (not peer_group or r.peer_group == peer_group)
    ]
    chosen.sort(key=overview.sort_key(sort, axes))
    shown = Paginator(chosen, PAGE_SIZE).get_page(page)
    return {
        "axes": axes,
        "prefectures": summaries,
        "total": len(everyone),
        "targets": sum(s.targets for s in summaries),
        "chosen": len(chosen),
        "page": shown,
        "table": overview.table(list(shown), _labels),
        "averages": [overview.score_text(v) for v in overview.averages(len(axes), chosen)],
        "overall": overview.score_text(_mean([r.overall for r in chosen])),
        "groups": sorted({r.peer_group for r in everyone}),
        "kinds": [
            (k.value, k.label) for k in OrgKind if k not in (OrgKind.PREFECTURE, OrgKind.WARD)
        ],
        "heatmap": {
            "x": [a.title for a in axes],
            "y": [s.name for s in summaries],
            "z": [s.averages for s in summaries],
        },
        "distribution": {"series": [_box(a.title, i, chosen) for i, a in enumerate(axes)]},
        "filtered": bool(prefecture or kind or peer_group),
        "rows": chosen,
    }


def _row(data, rid, entry, axes, previous) -> overview.Row:
    before = previous.get(entry.organization_id)
    own = data.scores.get(rid, {})
    return overview.Row(
        id=rid,
        name=entry.name,
        code=entry.code,
        kind=entry.kind,
        peer_group=entry.peer_group,
        region=entry.region,
        overall=entry.overall,
        change=None
        if before is None or entry.overall is None
        else round(entry.overall - before, 2),
        scores=[own.get(a.code) for a in axes],
    )


def _labels(row: overview.Row) -> tuple[str, ...]:
    return (row.prefecture, row.peer_group)


def _summary(round_row: dict, rows: list[overview.Row], width: int) -> PrefectureSummary:
    return PrefectureSummary(
        code=round_row["organization__code"],
        name=round_row["organization__name"],
        round_id=round_row["pk"],
        round_title=round_row["title"],
        targets=round_row["targets"],
        counted=round_row["counted"],
        overall=_mean([r.overall for r in rows]),
        averages=overview.averages(width, rows),
    )


def _previous_scores(code: str, fiscal_year: int) -> dict[int, float]:
    """Overall scores of the previous year's latest rounds, by municipality."""
    ids = [r["pk"] for r in latest_rounds(code, fiscal_year)]
    if not ids:
        return {}
    rows = (
        Response.objects.filter(round_id__in=ids, status__in=SCORED_STATUSES)
        .annotate(overall=Cast("overall_score", FloatField()))
        .values_list("organization_id", "overall")
    )
    return dict(benchmark.fetch(rows))


def _mean(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(fsum(present) / len(present), 2) if present else None


def _box(name: str, index: int, rows: list[overview.Row]) -> dict:
    """Quartiles computed here: the chart gets five numbers per dimension, not every score."""
    values = sorted(v for r in rows if (v := r.scores[index]) is not None)
    if len(values) < 2:
        return {"name": name, "values": values}
    q1, median, q3 = quantiles(values, n=4)
    return {
        "name": name,
        "q1": q1,
        "median": median,
        "q3": q3,
        "lowerfence": values[0],
        "upperfence": values[-1],
        "mean": round(fsum(values) / len(values), 2),
        "n": len(values),
    }


def workbook(built: dict, title: str) -> bytes:
    """Every municipality chosen (all pages), with the prefecture, and the averages last."""
    axes = built["axes"]
    columns = [
        tabular.Column("prefecture", "都道府県"),
        *overview.export_columns(axes),
    ]
    rows = [{"prefecture": r.prefecture, **overview.export_row(r, axes)} for r in built["rows"]]
    means = overview.averages(len(axes), built["rows"])
    rows.append({"name": "平均", **overview.export_scores(axes, means)})
    return tabular.write_xlsx(columns, rows, title=title, sheet_title="全国の結果")
