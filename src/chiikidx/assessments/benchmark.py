"""Fair benchmarking within a round: percentiles within the prefecture and the peer group.

The method, as shown to users:
- Only submitted or accepted responses count.
- Percentile = (number of scores below + half the number of equal scores, self excluded)
  ÷ (number of other scores) × 100; rank = 1 + number of higher scores.
- The peer group is the 類似団体グループ of the registry (population band, or kind until a
  population is known). A group with fewer than MIN_GROUP responses is too small to compare
  fairly: the prefecture is used instead, and the page says so.

Scores are stored with two decimals; the dashboards read them as floats straight from the
cursor (thousands of values per page) and show them with two decimals again (`decimal()`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Avg, FloatField, Max, Q, QuerySet
from django.db.models.functions import Cast

from .choices import SCORED_STATUSES
from .models import DimensionScore, Response, Round

MIN_GROUP = 5


@dataclass
class Position:
    score: Decimal | None
    percentile: float | None
    rank: int | None
    size: int
    group: str  # what was compared against, in words


@dataclass(slots=True)
class Entry:
    """A counted response, with what the dashboards need of its municipality."""

    id: int
    round_id: int
    organization_id: int
    code: str
    name: str
    kind: str
    peer_group: str
    region: str
    overall: float | None


ENTRY_FIELDS = (
    "pk",
    "round_id",
    "organization_id",
    "organization__code",
    "organization__name",
    "organization__kind",
    "organization__peer_group",
    "organization__region",
    "overall",
)


@dataclass
class RoundData:
    """Every counted response of a round (or of several), its overall and dimension scores."""

    responses: dict[int, Entry]
    scores: dict[int, dict[str, float | None]] = field(default_factory=dict)

    def values(self, dimension: str | None, members: list[int]) -> list[float]:
        if dimension is None:
            found = (self.responses[rid].overall for rid in members)
        else:
            empty: dict = {}
            found = (self.scores.get(rid, empty).get(dimension) for rid in members)
        return [v for v in found if v is not None]

    def score(self, response_id: int, dimension: str | None) -> float | None:
        if dimension is None:
            return self.responses[response_id].overall
        return self.scores.get(response_id, {}).get(dimension)

    def peers(self, response_id: int) -> list[int]:
        group = self.responses[response_id].peer_group
        return [rid for rid, r in self.responses.items() if r.peer_group == group]


def load(round_: Round) -> RoundData:
    """Two queries, whatever the number of municipalities."""
    return load_rounds([round_.pk])


NAMELESS_FIELDS = ("pk", "round_id", "organization_id", "organization__peer_group", "overall")


def load_rounds(
    round_ids: list[int], dimensions: list[str] | None = None, *, names: bool = True
) -> RoundData:
    """Every counted response of these rounds, in code order, with their scores of `dimensions`
    (None: all; an empty list: none, one query less). Two queries, no model objects.
    Without `names`, entries carry only what positions need (see `fill_names`)."""
    counted = Response.objects.filter(round_id__in=round_ids, status__in=SCORED_STATUSES)
    ordered = counted.annotate(overall=_float("overall_score")).order_by("organization__code")
    if names:
        rows = {row[0]: Entry(*row) for row in fetch(ordered.values_list(*ENTRY_FIELDS))}
    else:
        rows = {
            pk: Entry(pk, round_id, org_id, "", "", "", group, "", overall)
            for pk, round_id, org_id, group, overall in fetch(ordered.values_list(*NAMELESS_FIELDS))
        }
    data = RoundData(responses=rows)
    if dimensions != []:
        data.scores = scores_of(round_ids, dimensions)
    return data


def fill_names(data: RoundData, response_ids: list[int]) -> None:
    """Codes and names of a few entries loaded without them (one query)."""
    rows = Response.objects.filter(pk__in=response_ids).values_list(
        "pk", "organization__code", "organization__name"
    )
    for pk, code, name in rows:
        data.responses[pk].code, data.responses[pk].name = code, name


def scores_of(round_ids: list[int], dimensions: list[str] | None = None) -> dict:
    """{response id: {dimension code: score}} of the counted responses (None: all dimensions)."""
    counted_scores = _counted_scores(round_ids)
    if dimensions is not None:
        counted_scores = counted_scores.filter(dimension_code__in=dimensions)
    rows = counted_scores.annotate(value=_float("score")).values_list(
        "response_id", "dimension_code", "value"
    )
    scores: dict[int, dict] = defaultdict(dict)
    for response_id, code, score in fetch(rows):
        scores[response_id][code] = score
    return dict(scores)


def _counted_scores(round_ids: list[int]) -> QuerySet:
    return DimensionScore.objects.filter(
        response__round_id__in=round_ids, response__status__in=SCORED_STATUSES
    )


def dimension_averages(round_id: int, response_id: int, peer_group: str) -> dict[str, tuple]:
    """Per dimension, (own score, prefecture average, peer-group average) over the counted
    responses of the round, in one GROUP BY of the database. Values are floats or Decimals
    (as the driver returns them; no CAST, which costs more than the averaging): show them
    with `decimal()`."""
    rows = (
        _counted_scores([round_id])
        .values("dimension_code")  # columns in this order: code, own, everyone, peers
        .annotate(
            own=Max("score", filter=Q(response_id=response_id)),
            everyone=Avg("score"),
            peers=Avg("score", filter=Q(response__organization__peer_group=peer_group)),
        )
    )
    return {code: values for code, *values in fetch(rows)}


def _float(name: str) -> Cast:
    return Cast(name, FloatField())


def fetch(queryset: QuerySet) -> list[tuple]:
    """The rows of a values()/values_list() queryset straight from the database cursor, as
    tuples in the order of its columns.

    Skips Django's per-value conversion, which costs more than the query itself for thousands
    of values; callers select only integers, strings and floats (cast in SQL), which the
    drivers return as Python values already."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def decimal(value: float | Decimal | None) -> Decimal | None:
    """A score as shown: two decimals, like the stored value."""
    return None if value is None else Decimal(f"{value:.2f}")


def percentile(value: float, others: list[float]) -> float | None:
    if not others:
        return None
    below = sum(1 for o in others if o < value)
    equal = sum(1 for o in others if o == value)
    return round((below + equal / 2) / len(others) * 100, 1)


def position(data: RoundData, response_id: int, dimension: str | None, *, peers: bool) -> Position:
    value = data.score(response_id, dimension)
    members, group = list(data.responses), "県内"
    if peers:
        peer_group = data.responses[response_id].peer_group
        candidates = data.peers(response_id)
        if len(candidates) >= MIN_GROUP:
            members, group = candidates, f"類似団体({peer_group})"
        else:
            small = f"類似団体「{peer_group}」は{len(candidates)}団体で、{MIN_GROUP}団体未満のため"
            group = f"県内({small})"
    others = data.values(dimension, [m for m in members if m != response_id])
    if value is None:
        return Position(None, None, None, len(others) + 1, group)
    rank = 1 + sum(1 for o in others if o > value)
    return Position(decimal(value), percentile(value, others), rank, len(others) + 1, group)
