"""The national monitoring data set: 100 KPIs for every municipality of the scale, each with
its targets and five years (60 months) of actuals up to the last month ended.

Deterministic (seeded per municipality and KPI). Written with plain SQL, not through the
product's services, one transaction per prefecture: the KPIs with one statement (COPY on
PostgreSQL, executemany on SQLite: core.bulksql), then their targets and actuals with one
`INSERT … SELECT` each, computed by the database from a small table of per-KPI parameters
(`bench_kpi_profile`) joined with the periods (`bench_period`). So the 10 million actuals of
the full scale cost no Python per row. On PostgreSQL a superuser skips the deferred foreign
key checks of the generated rows (see `_without_foreign_key_checks`). Nothing generated here
has an audit entry (the assessments data set, written through the audited managers, has one
per row): the benchmarks measure reading the KPIs and importing into them, and the import's
own rows are audited as in the product.

Per municipality, KPI i (0–99):

- frequency: 90 monthly (60 months each), 4 quarterly (20 quarters), 3 half-yearly (10) and
  3 yearly (5): the same five years for all;
- kind, direction and name from 10 templates in 10 areas (counts per period, cumulative
  counts, percentages, numbers where lower is better), two milestones among the quarterly
  ones;
- a profile: on track 55 %, at risk 12 %, off track 10 %, stalling 10 % (the last four
  values flat: 「伸びていない」), stale 8 % (the last 2–4 periods missing: 未更新), owner never
  enters 5 % (entered by the municipality's admin instead);
- an owner (担当者) for 90 %: the municipality's `bench-dept_staff-…` or `bench-muni_admin-…`
  user, and an owner department for 95 %;
- a baseline on the day before the first period and three targets on the straight line
  through it (the ends of 令和5, 8 and 10年度), a milestone one target.

Actual values follow the target path, scaled by the profile (about 1 % ahead to 2 % behind
when on track, 7–12 % behind at risk, 20–35 % behind off track) with a little noise; counts
are whole numbers and cumulative counts never go down.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from chiikidx.core import bulksql
from chiikidx.core.choices import OrgKind, Role
from chiikidx.core.models import Department, Membership, Organization
from chiikidx.core.queries import municipalities_of
from chiikidx.monitoring.choices import Direction, Frequency, KpiKind
from chiikidx.monitoring.models import Kpi, KpiActual, KpiTarget
from chiikidx.monitoring.periods import Period, add_months, period_of, periods_between

KPIS_PER_MUNICIPALITY = 100
MONTHS = 60
FREQUENCY_OF = {9: Frequency.QUARTERLY, 19: Frequency.QUARTERLY, 29: Frequency.QUARTERLY}
FREQUENCY_OF |= {39: Frequency.QUARTERLY, 49: Frequency.HALF_YEARLY, 59: Frequency.HALF_YEARLY}
FREQUENCY_OF |= {69: Frequency.HALF_YEARLY, 79: Frequency.YEARLY, 89: Frequency.YEARLY}
FREQUENCY_OF |= {99: Frequency.YEARLY}
MILESTONES = (29, 39)  # quarterly
PROFILES = ["on_track", "at_risk", "off_track", "stall", "stale", "owner_silent"]
PROFILE_WEIGHTS = [55, 12, 10, 10, 8, 5]
# Share behind the path (higher is better: below it; lower is better: above it).
BEHIND = {
    "on_track": (-0.01, 0.02),
    "at_risk": (0.07, 0.12),
    "off_track": (0.20, 0.35),
    "stall": (0.0, 0.03),
    "stale": (-0.01, 0.02),
    "owner_silent": (-0.01, 0.02),
}
STALE_GAP = {  # periods missing at the end of a stale KPI
    Frequency.MONTHLY: (2, 4),
    Frequency.QUARTERLY: (2, 2),
    Frequency.HALF_YEARLY: (1, 1),
    Frequency.YEARLY: (1, 1),
}
TARGET_FISCAL_YEARS = (2, 5, 7)  # after the baseline's 年度: 令和5, 8 and 10年度 at full scale


@dataclass(frozen=True)
class Template:
    name: str
    kind: str
    direction: str
    unit: str
    start: tuple[float, float]  # the baseline value, drawn in this range
    change: tuple[float, float]  # over the five years, as a share of the baseline (percent: points)


TEMPLATES = [
    Template(
        "オンライン申請件数", KpiKind.COUNT_PERIOD, Direction.HIGHER, "件", (200, 3000), (0.4, 1.2)
    ),
    Template("窓口の平均待ち時間", KpiKind.NUMERIC, Direction.LOWER, "分", (15, 45), (0.2, 0.45)),
    Template(
        "キャッシュレス決済の利用率", KpiKind.PERCENTAGE, Direction.HIGHER, "%", (10, 40), (15, 35)
    ),
    Template(
        "スマホ相談会の参加者数(累計)",
        KpiKind.COUNT_CUMULATIVE,
        Direction.HIGHER,
        "人",
        (0, 0),
        (300, 1500),
    ),
    Template(
        "会議資料の印刷枚数", KpiKind.COUNT_PERIOD, Direction.LOWER, "枚", (3000, 20000), (0.3, 0.6)
    ),
    Template("RPAによる削減時間", KpiKind.NUMERIC, Direction.HIGHER, "時間", (20, 200), (0.5, 1.5)),
    Template("電子契約の割合", KpiKind.PERCENTAGE, Direction.HIGHER, "%", (5, 30), (20, 40)),
    Template(
        "テレワーク実施職員数", KpiKind.COUNT_PERIOD, Direction.HIGHER, "人", (10, 300), (0.5, 1.5)
    ),
    Template(
        "紙で受け付けた申請の割合", KpiKind.PERCENTAGE, Direction.LOWER, "%", (40, 80), (15, 35)
    ),
    Template(
        "オープンデータの公開件数(累計)",
        KpiKind.COUNT_CUMULATIVE,
        Direction.HIGHER,
        "件",
        (10, 80),
        (1.0, 3.0),
    ),
]
AREAS = ["住民票", "税", "子育て", "介護", "施設予約", "上下水道", "防災", "観光", "教育", "庁内"]


@dataclass
class Built:
    prefectures: int = 0
    municipalities: int = 0
    kpis: int = 0
    targets: int = 0
    actuals: int = 0


@dataclass(frozen=True)
class Calendar:
    """The five years every KPI covers, ending with the last month ended before `today`."""

    today: datetime.date
    baseline: datetime.date
    periods: dict[str, list[Period]]
    target_dates: list[tuple[datetime.date, int]]  # (the 年度's last day, 年度)

    @classmethod
    def of(cls, today: datetime.date) -> Calendar:
        first = add_months(today.replace(day=1), -MONTHS)  # 60 months before this month
        baseline = first - datetime.timedelta(days=1)
        last_month = add_months(today.replace(day=1), -1)
        periods = {
            frequency: [p for p in periods_between(frequency, first, last_month) if p.end < today]
            for frequency in Frequency.values
        }
        base_fy = period_of(Frequency.YEARLY, baseline).start.year
        target_dates = [
            (datetime.date(base_fy + n + 1, 3, 31), base_fy + n) for n in TARGET_FISCAL_YEARS
        ]
        return cls(today, baseline, periods, target_dates)


def build(prefectures: list[Organization], progress=None, today=None) -> Built:
    """KPIs, targets and actuals for every municipality of `prefectures`, one transaction per
    prefecture."""
    today = today or timezone.localdate()
    calendar = Calendar.of(today)
    built = Built()
    _create_work_tables()
    try:
        _fill_periods(calendar)
        for prefecture in prefectures:
            municipalities = list(municipalities_of(prefecture))
            with transaction.atomic():
                _without_foreign_key_checks()
                _prefecture(municipalities, calendar, built)
            built.prefectures += 1
            built.municipalities += len(municipalities)
            if progress and (built.prefectures % 10 == 0 or built.prefectures == len(prefectures)):
                progress(
                    f"{built.prefectures}/{len(prefectures)} prefectures, {built.kpis:,} KPIs, "
                    f"{built.actuals:,} actuals"
                )
    finally:
        _drop_work_tables()
    return built


def _without_foreign_key_checks() -> None:
    """PostgreSQL checks Django's foreign keys (DEFERRABLE INITIALLY DEFERRED) at COMMIT, one
    lookup per generated row: as long again as writing them. The rows are consistent by
    construction, so a superuser's data generation skips those checks for its transaction
    (session_replication_role = replica); elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


# --- work tables -------------------------------------------------------------------------------

PROFILE_COLUMNS = [
    ("kpi_id", "bigint PRIMARY KEY"),
    ("frequency", "varchar(12)"),
    ("periods", "integer"),  # how many periods have an actual (from the first)
    ("a", "double precision"),  # value of the first period
    ("b", "double precision"),  # change per period
    ("noise", "double precision"),
    ("stall_at", "integer"),  # periods from this index on repeat its value
    ("places", "integer"),
    ("milestone", "integer"),  # 1: a milestone, whose value is 0 or 1
    ("achieved_at", "integer"),  # a milestone's value is 1 from this index (NULL: never)
    ("due_at", "integer"),  # a milestone's target: the end of this period
    ("recorder_id", "bigint"),
    ("v0", "double precision"),  # the baseline value
    ("per_day", "double precision"),  # the path's change per day
    ("low", "double precision"),
    ("high", "double precision"),
]


def _create_work_tables() -> None:
    _drop_work_tables()
    columns = ", ".join(f"{name} {kind}" for name, kind in PROFILE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_kpi_profile ({columns})")
        cursor.execute(
            "CREATE TABLE bench_period (frequency varchar(12), j integer, period_start date, "
            "period_end date, recorded_at timestamp with time zone, PRIMARY KEY (frequency, j))"
        )
        cursor.execute(
            "CREATE TABLE bench_target_date (target_date date PRIMARY KEY, fiscal_year integer, "
            "days integer)"
        )


def _drop_work_tables() -> None:
    with connection.cursor() as cursor:
        for table in ("bench_kpi_profile", "bench_period", "bench_target_date"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _fill_periods(calendar: Calendar) -> None:
    ops = connection.ops
    rows = []
    for frequency, periods in calendar.periods.items():
        for j, p in enumerate(periods):
            # Entered a week after the period ended, at 10:00 in Japan.
            entered = datetime.datetime.combine(
                p.end + datetime.timedelta(days=7), datetime.time(1), tzinfo=datetime.UTC
            )
            rows.append(
                (
                    frequency,
                    j,
                    ops.adapt_datefield_value(p.start),
                    ops.adapt_datefield_value(p.end),
                    ops.adapt_datetimefield_value(entered),
                )
            )
    targets = [
        (ops.adapt_datefield_value(day), fy, (day - calendar.baseline).days)
        for day, fy in calendar.target_dates
    ]
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_period VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.executemany("INSERT INTO bench_target_date VALUES (%s, %s, %s)", targets)


# --- one prefecture ----------------------------------------------------------------------------


def _prefecture(municipalities: list[Organization], calendar: Calendar, built: Built) -> None:
    if not municipalities:
        return
    owners = _owners(municipalities)
    departments = _departments(municipalities)
    specs = [
        _spec(org, i, calendar, owners.get(org.pk, {}), departments.get(org.pk, []))
        for org in municipalities
        for i in range(KPIS_PER_MUNICIPALITY)
    ]
    _write(specs, municipalities, calendar, built)


def _write(specs: list[Spec], organizations, calendar: Calendar, built: Built) -> None:
    """The KPIs of `specs`, then their targets and actuals computed by the database."""
    _insert_kpis(specs, calendar)
    ids = _kpi_ids(organizations)
    for spec in specs:
        spec.profile[0] = ids[(spec.organization_id, spec.code)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_kpi_profile")
        columns = [name for name, _kind in PROFILE_COLUMNS]
        bulksql.insert("bench_kpi_profile", columns, [spec.profile for spec in specs])
        built.targets += _insert_targets(cursor)
        built.actuals += _insert_actuals(cursor)
    built.kpis += len(specs)


def _owners(municipalities) -> dict[int, dict[str, int]]:
    """Each municipality's bench users by role: its admin and its department staff member."""
    found: dict[int, dict[str, int]] = {}
    rows = Membership.objects.filter(
        organization__in=municipalities, role__in=[Role.MUNI_ADMIN, Role.DEPT_STAFF]
    ).values_list("organization_id", "role", "user_id")
    for org_id, role, user_id in rows:
        found.setdefault(org_id, {})[role] = user_id
    return found


def _departments(municipalities) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = (
        Department.objects.filter(organization__in=municipalities)
        .order_by("organization_id", "sort_order", "pk")
        .values_list("organization_id", "pk")
    )
    for org_id, pk in rows:
        found.setdefault(org_id, []).append(pk)
    return found


@dataclass
class Spec:
    organization_id: int
    code: str
    row: dict  # the KPI's columns
    profile: list  # bench_kpi_profile's columns (kpi_id filled in after the insert)


def _spec(
    org, i: int, calendar: Calendar, owners: dict, departments: list, existing: int | None = None
) -> Spec:
    """KPI i of a municipality; with `existing`, a monthly KPI on track with actuals for its
    first `existing` months only (the import's KPIs)."""
    rng = random.Random(f"{org.code}-{i}")
    frequency = FREQUENCY_OF.get(i % 100, Frequency.MONTHLY) if existing is None else "monthly"
    template = TEMPLATES[i % len(TEMPLATES)]
    milestone = i % 100 in MILESTONES
    kind = KpiKind.MILESTONE if milestone else template.kind
    profile = rng.choices(PROFILES, PROFILE_WEIGHTS)[0] if existing is None else "on_track"
    owner = None
    if rng.random() < 0.9:
        owner = owners.get(Role.DEPT_STAFF if i % 2 else Role.MUNI_ADMIN)
    department = departments[i % len(departments)] if departments and rng.random() < 0.95 else None
    recorder = owner or owners.get(Role.MUNI_ADMIN)
    if profile == "owner_silent" and owner is not None:
        others = [u for u in owners.values() if u != owner]
        recorder = others[0] if others else None
    periods = calendar.periods[frequency]
    n = len(periods)
    count = n
    if profile == "stale":
        low, high = STALE_GAP[frequency]
        count = n - rng.randint(low, high)
    if existing is not None:
        count = existing
    name = "ガバメントクラウドへの移行完了" if milestone else template.name
    row = {
        "organization_id": org.pk,
        "code": f"K-{i + 1:03d}" if existing is None else f"K-{i + 1:04d}",
        "name": f"{name}({AREAS[i // 10 % 10]}{'' if i < 100 else i // 100 + 1})",
        "unit": "" if milestone else template.unit,
        "kind": kind,
        "direction": Direction.HIGHER if milestone else template.direction,
        "frequency": frequency,
        "owner_user_id": owner,
        "owner_department_id": department,
        "baseline_value": 0 if milestone else None,
    }
    if milestone:  # due a year ago: reached two quarters before, or not (遅れ)
        achieved = n - 6 if profile in ("on_track", "stale", "owner_silent") else None
        profile_row = [None, frequency, count, 0.0, 0.0, 0.0, n, 0, 1, achieved, n - 4]
        profile_row += [recorder, 0.0, 0.0, 0.0, 1.0]
        return Spec(org.pk, row["code"], row, profile_row)
    v0, v_end, places = _path(template, rng)
    row["baseline_value"] = round(v0, places)
    s = (v_end - v0) / n  # the path's change per period
    behind = rng.uniform(*BEHIND[profile])
    factor = 1 - behind if template.direction == Direction.HIGHER else 1 + behind
    noise = 0.0
    if kind not in (KpiKind.COUNT_CUMULATIVE,):
        noise = 0.01 * abs(v0 + v_end) / 2
    stall_at = n - 4 if profile == "stall" else n
    days = (periods[-1].end - calendar.baseline).days
    low, high = (0.0, 100.0) if kind == KpiKind.PERCENTAGE else (0.0, 1e12)
    profile_row = [
        None,
        frequency,
        count,
        (v0 + s) * factor,
        s * factor,
        noise,
        stall_at,
        places,
        0,
        None,
        None,
        recorder,
        v0,
        (v_end - v0) / days,
        low,
        high,
    ]
    return Spec(org.pk, row["code"], row, profile_row)


def _path(template: Template, rng: random.Random) -> tuple[float, float, int]:
    """Baseline value, the path's value five years on, decimal places."""
    places = 0 if template.kind in (KpiKind.COUNT_PERIOD, KpiKind.COUNT_CUMULATIVE) else 1
    v0 = rng.uniform(*template.start)
    change = rng.uniform(*template.change)
    if template.kind == KpiKind.PERCENTAGE:
        v_end = v0 + change if template.direction == Direction.HIGHER else v0 - change
        return v0, min(max(v_end, 1.0), 95.0), places
    if template.kind == KpiKind.COUNT_CUMULATIVE and v0 == 0:
        return 0.0, change, places
    sign = 1 if template.direction == Direction.HIGHER else -1
    return v0, v0 * (1 + sign * change), places


def _insert_kpis(specs: list[Spec], calendar: Calendar) -> None:
    ops = connection.ops
    fields = [f for f in Kpi._meta.concrete_fields if not f.primary_key]
    created = ops.adapt_datetimefield_value(
        datetime.datetime.combine(calendar.baseline, datetime.time(0), tzinfo=datetime.UTC)
    )
    baseline = ops.adapt_datefield_value(calendar.baseline)
    fixed = {
        "visibility": "private",
        "created_at": created,
        "updated_at": created,
        "created_by_id": None,
        "updated_by_id": None,
        "definition": "",
        "data_source": "",
        "baseline_date": baseline,
        "at_risk_threshold": 5,
        "off_track_threshold": 15,
        "grace_days": 30,
        "stall_periods": 3,
        "is_active": True,
    }
    rows = [[(spec.row | fixed)[f.attname] for f in fields] for spec in specs]
    bulksql.insert(Kpi._meta.db_table, [f.column for f in fields], rows)


def _kpi_ids(municipalities) -> dict[tuple[int, str], int]:
    rows = Kpi.objects.filter(organization__in=municipalities).values_list(
        "organization_id", "code", "pk"
    )
    return {(org, code): pk for org, code, pk in rows}


def _insert_targets(cursor) -> int:
    """Three targets on the path of each KPI (percentages within 0–100); a milestone's one
    target is the end of the quarter it is due in."""
    table = connection.ops.quote_name(KpiTarget._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} (kpi_id, target_date, fiscal_year, value) "
        "SELECT p.kpi_id, d.target_date, d.fiscal_year, "
        "  ROUND(CAST(CASE WHEN p.v0 + p.per_day * d.days > p.high THEN p.high "
        "    WHEN p.v0 + p.per_day * d.days < p.low THEN p.low "
        "    ELSE p.v0 + p.per_day * d.days END AS NUMERIC), p.places) "
        "FROM bench_kpi_profile p CROSS JOIN bench_target_date d "
        "WHERE p.milestone = 0 ORDER BY p.kpi_id, d.target_date"
    )
    regular = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {table} (kpi_id, target_date, fiscal_year, value) "
        "SELECT p.kpi_id, t.period_end, NULL, 1 FROM bench_kpi_profile p "
        "JOIN bench_period t ON t.frequency = p.frequency AND t.j = p.due_at "
        "WHERE p.milestone = 1 ORDER BY p.kpi_id"
    )
    return regular + cursor.rowcount


def _insert_actuals(cursor) -> int:
    """Every actual of the prefecture's KPIs in one statement: the value of period j is
    a + b·min(j, stall_at) + noise·(a pseudo-random number in [−1, 1]), rounded, within
    [low, high]; a milestone's is 1 from achieved_at (NULL compares false: never)."""
    fields = [f for f in KpiActual._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    value = (
        "CASE WHEN p.milestone = 1 THEN "
        "  (CASE WHEN t.j >= p.achieved_at THEN 1 ELSE 0 END) "
        "ELSE ROUND(CAST(CASE WHEN {x} > p.high THEN p.high WHEN {x} < p.low THEN p.low "
        "  ELSE {x} END AS NUMERIC), p.places) END"
    ).format(
        x="(p.a + p.b * (CASE WHEN t.j < p.stall_at THEN t.j ELSE p.stall_at END) "
        "+ p.noise * (((p.kpi_id * 7 + t.j * 13) %% 11) - 5) / 5.0)"
    )
    expressions = {
        "kpi_id": "p.kpi_id",
        "period_start": "t.period_start",
        "period_end": "t.period_end",
        "value": value,
        "comment": "''",
        "version": "1",
        "is_current": "%s",
        "source": "'page'",
        "recorded_by_id": "p.recorder_id",
        "recorded_at": "t.recorded_at",
        "file": "''",
        "file_name": "''",
        "file_type": "''",
        "file_size": "NULL",
        "file_sha256": "''",
    }
    cursor.execute(
        "INSERT INTO {} ({}) SELECT {} FROM bench_kpi_profile p "
        "JOIN bench_period t ON t.frequency = p.frequency AND t.j < p.periods "
        "ORDER BY p.kpi_id, t.j".format(
            quote(KpiActual._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(expressions[f.attname] for f in fields),
        ),
        [True],
    )
    return cursor.rowcount


def municipality_count(prefectures: list[Organization]) -> int:
    return (
        Organization.objects.filter(prefecture__in=prefectures)
        .exclude(kind__in=[OrgKind.PREFECTURE, OrgKind.WARD])
        .count()
    )


# --- the import's organizations and files ------------------------------------------------------

IMPORT_KPIS = 2000
IMPORT_EXISTING = 10  # months with an actual before the import
IMPORT_FIRST = 5  # the file starts at this month: its first five months correct stored ones
IMPORT_MONTHS = 50  # 2,000 KPIs × 50 months = 100,000 rows


@dataclass
class ImportJob:
    organization: Organization
    user: object
    data: bytes
    rows: int
    corrections: int


def import_jobs(organizations: list[Organization], today=None) -> list[ImportJob]:
    """For each of `organizations` (prefectures, whose own KPIs no other figure reads): a
    `bench-kpi-import-<code>` user (県DX推進課 職員), IMPORT_KPIS monthly KPIs with actuals for
    their first IMPORT_EXISTING months, and the CSV of IMPORT_MONTHS months of actuals to import,
    shaped as the template the import page offers (`excel.TEMPLATE_COLUMNS`, UTF-8 with BOM).
    Its first months correct stored actuals (new values); the others are new."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    today = today or timezone.localdate()
    calendar = Calendar.of(today)
    User = get_user_model()
    users = [
        User(username=f"bench-kpi-import-{org.code}", password=make_password(None))
        for org in organizations
    ]
    User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        Membership(user=u, organization=org, role=Role.PREF_STAFF)
        for u, org in zip(users, organizations, strict=True)
    )
    jobs = []
    _create_work_tables()
    try:
        _fill_periods(calendar)
        for org, user in zip(organizations, users, strict=True):
            owners = {Role.MUNI_ADMIN: user.pk}
            specs = [
                _spec(org, i, calendar, owners, [], existing=IMPORT_EXISTING)
                for i in range(IMPORT_KPIS)
            ]
            with transaction.atomic():
                _without_foreign_key_checks()
                _write(specs, [org], calendar, Built())
            jobs.append(_import_job(org, user, specs, calendar))
    finally:
        _drop_work_tables()
    return jobs


def _import_job(org, user, specs: list[Spec], calendar: Calendar) -> ImportJob:
    from chiikidx.core import tabular
    from chiikidx.monitoring import excel

    months = calendar.periods[Frequency.MONTHLY][IMPORT_FIRST : IMPORT_FIRST + IMPORT_MONTHS]
    frequency_label = str(excel.FREQUENCY_LABELS[Frequency.MONTHLY])
    rows = []
    for spec in specs:
        kpi_id, profile = spec.profile[0], dict(zip(_PROFILE_NAMES, spec.profile, strict=True))
        for j, period in enumerate(months, start=IMPORT_FIRST):
            n = len(rows)
            rows.append(
                {
                    "id": kpi_id,
                    "code": spec.code,
                    "name": spec.row["name"],
                    "unit": spec.row["unit"],
                    "frequency": frequency_label,
                    "period": period.label,
                    "value": _cell(spec.row["kind"], profile, kpi_id, j, n),
                    "comment": "窓口の集計より" if n % 20 == 0 else "",
                    "deadline": period.end + datetime.timedelta(days=30),
                }
            )
    data = tabular.write_csv(excel.TEMPLATE_COLUMNS, rows)
    corrections = len(specs) * (IMPORT_EXISTING - IMPORT_FIRST)
    return ImportJob(org, user, data, len(rows), corrections)


_PROFILE_NAMES = [name for name, _kind in PROFILE_COLUMNS]


def _cell(kind: str, p: dict, kpi_id: int, j: int, n: int) -> str:
    """The value typed in the file: a little above what the database generated for month j
    (so stored months are corrected), as people type it: some with thousands separators,
    percentages with a %, milestones as はい/いいえ."""
    if kind == KpiKind.MILESTONE:
        return "はい" if p["achieved_at"] is not None and j >= p["achieved_at"] else "いいえ"
    x = p["a"] + p["b"] * min(j, p["stall_at"])
    x += p["noise"] * (((kpi_id * 7 + j * 13) % 11) - 5) / 5.0
    if kind == KpiKind.COUNT_CUMULATIVE:
        value = round(min(max(x, p["low"]), p["high"])) + 1  # stays a rising count
    else:
        value = round(min(max(x * 1.01, p["low"]), p["high"]), p["places"])
    if p["places"] == 0:
        value = int(value)
        return f"{value:,}" if n % 7 == 0 else str(value)
    if kind == KpiKind.PERCENTAGE and n % 3 == 0:
        return f"{value}%"
    return str(value)
