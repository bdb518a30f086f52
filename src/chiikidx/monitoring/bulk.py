"""Writing many actuals at once (the import): one statement for the versions set aside, one
to take the new versions' ids and one to write them, whatever the number of rows; every row
audited exactly as the ORM's audited bulk writes would (core.audit), in one `audit.record`.

Why not `bulk_create` and a queryset `update`: they compile each row's SQL (on SQLite in
batches of about 60 rows, the database's limit of parameters per statement) and re-read every
updated row; a file of 100,000 actuals spent most of two minutes there. Here each statement is
prepared once and run with `executemany`.
"""

from __future__ import annotations

from collections.abc import Callable

from chiikidx.core import audit, bulksql
from chiikidx.core.choices import AuditAction

from .models import Kpi, KpiActual


def new_actual(kpi: Kpi, **values) -> KpiActual:
    """An unsaved actual with `kpi` cached on it (str() and the audit read its organization):
    the model's defaults and `values` (by attname). For one; an import takes `actual_maker`."""
    return actual_maker()(kpi, **values)


def actual_maker() -> Callable[..., KpiActual]:
    """A function making unsaved actuals as new_actual does, for the rows of one import (made
    by core.bulksql.object_maker, which checks for signal receivers once)."""
    make, cache_kpi = bulksql.object_maker(KpiActual), KpiActual.kpi.field.set_cached_value

    def made(kpi: Kpi, **values) -> KpiActual:
        actual = make(kpi_id=kpi.pk, **values)
        cache_kpi(actual, kpi)
        return actual

    return made


def write(organization, superseded: list[KpiActual], created: list[KpiActual]) -> None:
    """Set `superseded` (current versions read under the KPIs' locks) aside and insert
    `created` (new versions of the organization's KPIs) with ids taken for them, then record
    an UPDATE entry for each of the first and a CREATE entry for each of the second, in that
    order (as a queryset update followed by a bulk_create would)."""
    head = audit.lock_chain()  # before the rows, as every audited write does
    if superseded:
        _set_aside(superseded)
    if created:
        for actual, pk in zip(created, bulksql.new_ids(KpiActual, len(created)), strict=True):
            actual.pk = pk
        bulksql.insert_objects(KpiActual, created)
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
