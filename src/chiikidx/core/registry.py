"""Registry of local governments: load from the bundled CSV, import populations.

Both loaders validate every row first and save nothing unless the whole file is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from . import audit, tabular
from .choices import OrgKind
from .models import Organization, peer_group_for

REGISTRY_CSV = Path(__file__).resolve().parent / "data" / "local_governments.csv"
KIND_LABELS = {kind.value: kind.value for kind in OrgKind} | {
    str(kind.label): kind.value for kind in OrgKind
}
REGISTRY_COLUMNS = [
    tabular.Column(
        "code", "団体コード", tabular.lgcode, required=True, unique=True, aliases=("code",)
    ),
    tabular.Column("kind", "種別", tabular.choice(KIND_LABELS), required=True, aliases=("kind",)),
    tabular.Column("prefecture_code", "都道府県コード", tabular.text, required=True),
    tabular.Column("name", "団体名", tabular.text, required=True, aliases=("name",)),
    tabular.Column("kana", "よみがな", tabular.text, aliases=("kana",)),
    tabular.Column("name_en", "英語名", tabular.text, aliases=("name_en",)),
    tabular.Column("parent_code", "親団体コード", tabular.lgcode, aliases=("parent_code",)),
    tabular.Column("lat", "緯度", tabular.decimal_(min=-90, max=90), aliases=("lat",)),
    tabular.Column("lng", "経度", tabular.decimal_(min=-180, max=180), aliases=("lng",)),
    tabular.Column("url", "公式サイト", tabular.text, aliases=("url",)),
]
SYNCED_FIELDS = [
    "kind",
    "name",
    "kana",
    "name_en",
    "prefecture_id",
    "parent_id",
    "lat",
    "lng",
    "url",
]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"新規 {self.created} 件、更新 {self.updated} 件、変更なし {self.unchanged} 件"


def read_registry(data: bytes, filename: str) -> list[dict]:
    result = tabular.read_table(data, filename, REGISTRY_COLUMNS)
    result.errors.extend(_cross_row_errors(result.rows))
    result.raise_if_errors()
    return result.rows


def _cross_row_errors(rows: list[dict]) -> list[tabular.RowError]:
    codes = {row["code"]: row for row in rows}
    prefectures = {row["code"][:2] for row in rows if row["kind"] == OrgKind.PREFECTURE}
    errors = []
    for row in rows:
        errors.extend(_row_consistency(row, codes, prefectures))
    return errors


def _row_consistency(row, codes, prefectures) -> list[tabular.RowError]:
    def error(column, value, message):
        return tabular.RowError(row["_row"], column, str(value or ""), message)

    found = []
    if row["prefecture_code"] != row["code"][:2]:
        found.append(
            error(
                "都道府県コード",
                row["prefecture_code"],
                "団体コードの先頭2桁と一致しません。都道府県コードを確認してください。",
            )
        )
    if row["code"][:2] not in prefectures:
        found.append(
            error(
                "団体コード",
                row["code"],
                "この団体の都道府県の行がファイルにありません。都道府県の行を追加してください。",
            )
        )
    parent = row.get("parent_code")
    if row["kind"] == OrgKind.WARD and (not parent or parent not in codes):
        found.append(
            error(
                "親団体コード",
                parent,
                "行政区には、ファイル内にある政令指定都市の団体コードを指定してください。",
            )
        )
    return found


def _organization(row: dict) -> Organization:
    prefecture_code = row["code"][:2]
    org = Organization(
        id=int(row["code"]),
        code=row["code"],
        kind=row["kind"],
        name=row["name"],
        kana=row.get("kana") or "",
        name_en=row.get("name_en") or "",
        lat=_coordinate(row.get("lat")),
        lng=_coordinate(row.get("lng")),
        url=row.get("url") or "",
        parent_id=int(row["parent_code"]) if row.get("parent_code") else None,
    )
    org.prefecture_id = _prefecture_id(prefecture_code)
    return org


def _coordinate(value):
    # Stored with 6 decimals; quantised here so an unchanged file compares equal.
    return None if value is None else Decimal(value).quantize(Decimal("0.000001"))


def _prefecture_id(prefecture_code: str) -> int:
    from .japanese import lgcode_check_digit

    five = f"{prefecture_code}000"
    return int(f"{five}{lgcode_check_digit(five)}")


@transaction.atomic
def sync_organizations(rows: list[dict], *, is_demo: bool = False) -> LoadReport:
    """Insert new rows and update changed ones (the bulk writes record one audit entry each)."""
    existing = {org.code: org for org in Organization.objects.all()}
    report, new, changed = LoadReport(), [], []
    for row in rows:
        incoming = _organization(row)
        incoming.is_demo = is_demo
        current = existing.get(incoming.code)
        if current is None:
            incoming.peer_group = peer_group_for(incoming.kind, None)
            new.append(incoming)
        elif _apply(current, incoming):
            changed.append(current)
        else:
            report.unchanged += 1
    Organization.objects.bulk_create(new, batch_size=500)
    Organization.objects.bulk_update(changed, [*SYNCED_FIELDS, "peer_group"], batch_size=500)
    report.created, report.updated = len(new), len(changed)
    return report


def _apply(current: Organization, incoming: Organization) -> bool:
    before = audit.snapshot(current)
    for name in SYNCED_FIELDS:
        setattr(current, name, getattr(incoming, name))
    current.peer_group = peer_group_for(current.kind, current.population)
    return audit.snapshot(current) != before


def load_registry(path: Path = REGISTRY_CSV) -> LoadReport:
    return sync_organizations(read_registry(path.read_bytes(), path.name))


# --- population -------------------------------------------------------------------------------

POPULATION_COLUMNS = [
    tabular.Column(
        "code",
        "団体コード",
        tabular.lgcode,
        required=True,
        unique=True,
        aliases=("code", "コード", "全国地方公共団体コード"),
    ),
    tabular.Column("name", "団体名", tabular.text, aliases=("name", "市区町村名")),
    tabular.Column(
        "population",
        "人口",
        tabular.integer(min=0),
        required=True,
        aliases=("population", "総人口", "人口総数", "計"),
    ),
    tabular.Column(
        "population_date",
        "基準日",
        tabular.date_,
        required=True,
        aliases=("date", "population_date", "調査日", "時点"),
    ),
]


def read_population(data: bytes, filename: str) -> list[dict]:
    result = tabular.read_table(data, filename, POPULATION_COLUMNS)
    known = set(
        Organization.objects.filter(code__in=[r["code"] for r in result.rows]).values_list(
            "code", flat=True
        )
    )
    result.errors.extend(
        tabular.RowError(
            row["_row"],
            "団体コード",
            row["code"],
            "登録されていない団体コードです。団体コードを確認してください。",
        )
        for row in result.rows
        if row["code"] not in known
    )
    result.raise_if_errors()
    return result.rows


@transaction.atomic
def import_population(rows: list[dict]) -> LoadReport:
    """Set population and its reference date; peer groups follow (one audit entry per change)."""
    orgs = Organization.objects.in_bulk([r["code"] for r in rows], field_name="code")
    report, changed = LoadReport(), []
    for row in rows:
        org = orgs[row["code"]]
        before = audit.snapshot(org)
        org.population, org.population_date = row["population"], row["population_date"]
        org.peer_group = peer_group_for(org.kind, org.population)
        if audit.snapshot(org) != before:
            changed.append(org)
        else:
            report.unchanged += 1
    fields = ["population", "population_date", "peer_group"]
    Organization.objects.bulk_update(changed, fields, batch_size=500)
    report.updated = len(changed)
    return report
