"""Writing many actuals at once (the import): one statement for the versions set aside, one
for the new versions and one to read the new ids back, whatever the number of rows; every row
audited exactly as the ORM's audited bulk writes would (core.audit), in one `audit.record`.

Why not `bulk_create` and a queryset `update`: they compile each row's SQL (on SQLite in
batches of about 60 rows, the database's limit of parameters per statement) and re-read every
updated row; a file of 100,000 actuals spent most of two minutes there. Here each statement is
prepared once and run with `executemany`.
"""

from __future__ import annotations

import operator

from django.db import connection
from django.db.models import signals
from django.db.models.base import ModelState

from chiikidx.core import audit, bulksql
from chiikidx.core.choices import AuditAction

from .models import Kpi, KpiActual


def new_actual(kpi: Kpi, **values) -> KpiActual:
    """An unsaved actual with `kpi` cached on it (str() and the audit read its organization):
    the model's defaults and `values` (by attname). An import makes one per row, so the
    instance is filled in directly, as Model.__init__ would for a new object without signal
    receivers (about five times faster); with receivers, through Model.__init__."""
    defaults, position, dynamic = _layout()
    row = list(defaults)
    for name, value in values.items():
        row[position[name]] = value
    for name, field in dynamic:  # callable defaults (recorded_at), unless given
        if name not in values:
            row[position[name]] = field.get_default()
    row[position["kpi_id"]] = kpi.pk
    if signals.pre_init.has_listeners(KpiActual) or signals.post_init.has_listeners(KpiActual):
        actual = KpiActual(*row)
    else:
        actual = KpiActual.__new__(KpiActual)
        actual._state = ModelState()
        actual.__dict__.update(zip(_attnames(), row, strict=True))
    KpiActual.kpi.field.set_cached_value(actual, kpi)
    return actual


def write(organization, superseded: list[KpiActual], created: list[KpiActual]) -> None:
    """Set `superseded` (current versions read under the KPIs' locks) aside and insert
    `created` (new versions of the organization's KPIs, all with the same `recorded_at`),
    then record an UPDATE entry for each of the first and a CREATE entry for each of the
    second, in that order (as a queryset update followed by a bulk_create would)."""
    head = audit.lock_chain()  # before the rows, as every audited write does
    if superseded:
        _set_aside(superseded)
    if created:
        _insert(created)
        _read_ids(organization, created)
    # Every row is the organization's (given, so not looked up through each row's KPI).
    update, create = AuditAction.UPDATE, AuditAction.CREATE
    changes = [
        audit.Change(update, a, {"is_current": True}, {"is_current": False}, None, organization)
        for a in superseded
    ]
    changes += [
        audit.Change(create, a, None, audit.snapshot(a), None, organization) for a in created
    ]
    audit.record(changes, head=head)


def _set_aside(actuals: list[KpiActual]) -> None:
    bulksql.update(KpiActual._meta.db_table, "is_current", False, [a.pk for a in actuals])
    for actual in actuals:
        actual.is_current = False


def _insert(actuals: list[KpiActual]) -> None:
    fields = _fields()
    prepare = [_preparer(f) for f in fields]
    values = operator.attrgetter(*(f.attname for f in fields))
    rows = (
        [
            value if convert is None else convert(value)
            for convert, value in zip(prepare, values(a), strict=True)
        ]
        for a in actuals
    )
    bulksql.insert(KpiActual._meta.db_table, [f.column for f in fields], rows)


def _preparer(field):
    """What `field.get_db_prep_save` makes of the values an import writes, without its
    per-call overhead (None: passed as they are; both drivers take str, int, bool, None, date
    and Decimal, which Django's own adapters pass unchanged too)."""
    if field.name == "file":
        return lambda value: str(getattr(value, "name", value) or "")
    if field.get_internal_type() == "DateTimeField":  # one recorded_at for the whole import
        return _memo(connection.ops.adapt_datetimefield_value)
    return None


def _memo(convert):
    last: list = [object(), None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _read_ids(organization, actuals: list[KpiActual]) -> None:
    """The new rows' ids by their key (KPI, period, version): one query for all."""
    recorded_at = {a.recorded_at for a in actuals}
    if len(recorded_at) != 1:
        raise ValueError("bulk.write takes new actuals recorded at the same time")
    found = (
        KpiActual.objects.filter(kpi__organization=organization, recorded_at=recorded_at.pop())
        .order_by()
        .values_list("kpi_id", "period_start", "version", "pk")
    )
    ids = {(kpi_id, start, version): pk for kpi_id, start, version, pk in found}
    for actual in actuals:
        actual.pk = ids[(actual.kpi_id, actual.period_start, actual.version)]


_cache: dict = {}


def _fields() -> list:
    if "fields" not in _cache:
        _cache["fields"] = [f for f in KpiActual._meta.concrete_fields if not f.primary_key]
    return _cache["fields"]


def _attnames() -> tuple[str, ...]:
    if "attnames" not in _cache:
        _cache["attnames"] = tuple(f.attname for f in KpiActual._meta.concrete_fields)
    return _cache["attnames"]


def _layout() -> tuple[tuple, dict[str, int], list]:
    """Every concrete field's default in model order (None for the id), each attname's
    position, and the fields whose default is computed per row."""
    if "layout" not in _cache:
        fields = KpiActual._meta.concrete_fields
        # (A field without a default has NOT_PROVIDED, a class, as its default: callable too.)
        computed = {f.attname for f in fields if f.has_default() and callable(f.default)}
        dynamic = [(f.attname, f) for f in fields if f.attname in computed]
        defaults = tuple(
            None if f.primary_key or f.attname in computed else f.get_default() for f in fields
        )
        position = {f.attname: i for i, f in enumerate(fields)}
        _cache["layout"] = (defaults, position, dynamic)
    return _cache["layout"]
