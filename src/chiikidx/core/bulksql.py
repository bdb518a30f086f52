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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext

from django.db import connections


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
