"""Many rows in one statement, for bulk writes whose rows are already checked and whose
audit entries are recorded by the caller (core.audit): the audit chain itself and imports.

The ORM's `bulk_create` compiles every row's SQL (on SQLite in batches of about 60 rows, the
limit of parameters per statement), which took most of the time of imports of 100,000 rows.
Here the rows go to the database as they are: PostgreSQL reads them with one COPY (about three
times faster than an INSERT per row, even pipelined), other databases (SQLite) get one prepared
INSERT run with `executemany`. Values must be what the driver takes (see each field's
`get_db_prep_save`); table and column names come from the models, never from input.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext

from django.db import connections
from django.db.models import Model, signals
from django.db.models.base import ModelState


def insert(table: str, columns: Sequence[str], rows: Iterable[Sequence], using="default") -> None:
    connection = connections[using]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {quote(table)} ({names}) FROM STDIN"
            # Logged as Django logs its own queries (tests count them), though run by psycopg.
            logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
            with logged, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 (see above)
        cursor.executemany(sql, list(rows))


def object_maker(model: type[Model]) -> Callable[..., Model]:
    """A function making unsaved instances of `model` from the model's defaults and the values
    given (by attname). An import makes one per row, so each instance is filled in directly,
    as Model.__init__ would for a new object without signal receivers (about five times
    faster); with receivers (checked once, when the maker is made), through Model.__init__.
    Relations are not cached: set them on the instance when it is audited."""
    defaults, position, dynamic, attnames = _layout(model)
    plain = not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))

    def make(**values) -> Model:
        row = list(defaults)
        for name, value in values.items():
            row[position[name]] = value
        for name, field in dynamic:  # callable defaults (e.g. a time of recording), unless given
            if name not in values:
                row[position[name]] = field.get_default()
        if not plain:
            return model(*row)
        obj = model.__new__(model)
        obj._state = ModelState()
        obj.__dict__.update(zip(attnames, row, strict=True))
        return obj

    return make


def new_ids(model: type[Model], count: int, using: str = "default") -> list[int]:
    """`count` primary keys for rows of `model` about to be written by `insert_values` or
    `insert_objects` with their ids, taken from the table's own numbering in one statement, so
    the caller knows them without reading the rows back. Call inside the transaction that
    writes the rows.

    PostgreSQL: the id sequence's next `count` values (each is handed out once, whatever other
    connections do). SQLite: the numbers after the largest ever used (AUTOINCREMENT keeps it in
    sqlite_sequence); no other connection can take them, because a transaction holds SQLite's
    write lock from its start (settings: transaction_mode IMMEDIATE), and writing them moves
    sqlite_sequence on."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("bulksql.new_ids must run inside the transaction that writes the rows")
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once (a materialized CTE), not once per value.
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
                "SELECT array_agg(nextval(s.seq)) FROM s, generate_series(1, %s)",
                [table, pk, count],
            )
            return cursor.fetchone()[0]
        quote = connection.ops.quote_name
        largest = f"SELECT MAX({quote(pk)}) FROM {quote(table)}"  # noqa: S608 (the model's names)
        used = "SELECT seq FROM sqlite_sequence WHERE name = %s"
        cursor.execute(f"SELECT MAX(COALESCE(({used}), 0), COALESCE(({largest}), 0))", [table])
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


def insert_values(
    model: type[Model], attnames: Sequence[str], rows: Iterable[Sequence], using: str = "default"
) -> None:
    """Rows of `model` in one statement (see insert), each a sequence of values in the order of
    `attnames`, prepared for the driver here as the fields' get_db_prep_save would."""
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in attnames]
    prepare = [_preparer(f, connection) for f in fields]
    insert(model._meta.db_table, [f.column for f in fields], prepared_rows(rows, prepare), using)


def prepared_rows(rows: Iterable[Sequence], prepare: Sequence[Callable | None]) -> Iterator[list]:
    """Each row as a list, the value in each column with a preparer (`prepare`, by position;
    None: passed as it is) converted by it."""
    converted = [(position, convert) for position, convert in enumerate(prepare) if convert]
    for row in rows:
        values = list(row)
        for position, convert in converted:
            values[position] = convert(values[position])
        yield values


def insert_objects(model: type[Model], objs: Iterable[Model], using: str = "default") -> None:
    """Unsaved instances of `model` in one statement (see insert), with the primary keys they
    were given (new_ids)."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    values = operator.attrgetter(*attnames)
    insert_values(model, attnames, (values(obj) for obj in objs), using)


def _preparer(field, connection) -> Callable | None:
    """What `field.get_db_prep_save` makes of a value, without its per-call overhead where that
    is safe (None: passed as it is; both drivers take str, int, bool, None, date and Decimal,
    which Django's own adapters pass unchanged too)."""
    kind = field.get_internal_type()
    if kind == "FileField":
        return lambda value: str(getattr(value, "name", value) or "")
    if kind == "DateTimeField":  # an import's rows mostly share one time: converted once
        return _memo(connection.ops.adapt_datetimefield_value)
    if kind == "JSONField":  # what get_db_prep_save comes to for a JSON value
        return _json_preparer(connection.ops.adapt_json_value, field.encoder)
    return None


_SCALARS = frozenset({str, int, float, bool})


def _json_preparer(adapt: Callable, encoder) -> Callable:
    """JSON values adapted for the driver; the scalars that come back row after row in an
    import (a level, はい) adapted once each."""
    known: dict = {}

    def adapted(value):
        if value is None:
            return None
        if type(value) not in _SCALARS:
            return adapt(value, encoder)
        key = (type(value), value)  # 1, 1.0 and True are equal, but not the same JSON
        if key not in known:
            known[key] = adapt(value, encoder)
        return known[key]

    return adapted


def _memo(convert: Callable) -> Callable:
    last: list = [object(), None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


_layouts: dict = {}


def _layout(model: type[Model]) -> tuple[tuple, dict[str, int], list, tuple[str, ...]]:
    """Every concrete field's default in model order (None for the id), each attname's
    position, the fields whose default is computed per object, and the attnames in order."""
    if model not in _layouts:
        fields = model._meta.concrete_fields
        # (A field without a default has NOT_PROVIDED, a class, as its default: callable too.)
        computed = {f.attname for f in fields if f.has_default() and callable(f.default)}
        dynamic = [(f.attname, f) for f in fields if f.attname in computed]
        defaults = tuple(
            None if f.primary_key or f.attname in computed else f.get_default() for f in fields
        )
        position = {f.attname: i for i, f in enumerate(fields)}
        _layouts[model] = (defaults, position, dynamic, tuple(f.attname for f in fields))
    return _layouts[model]


def update(table: str, column: str, value, ids: Sequence[int], using="default") -> None:
    """Set `column` to `value` in the rows of `ids`: one statement (on SQLite, one prepared
    statement run for each id, as many ids in one statement would pass its parameter limit)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id"  # noqa: S608 (names only)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{sql} = ANY(%s)", [value, list(ids)])
        else:
            cursor.executemany(f"{sql} = %s", [(value, pk) for pk in ids])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one large import. Reading, checking and
    writing 100,000 rows allocates millions of short-lived objects (cells, model instances,
    audit entries), none of them in reference cycles, so they are freed by reference counting
    anyway; the collector's passes over them cost about a sixth of such an import. It is
    switched back on afterwards, unless it was already off (another import in another thread)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
