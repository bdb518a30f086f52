"""`make bench`: chiikidx's benchmarks on a throwaway database, printed as a table and written
to results/latest.json.

SQLite in a temporary data directory by default. With CHIIKIDX_DATABASE_URL set (PostgreSQL),
a separate database named chiikidx_bench is created on that server and dropped afterwards; the
database named in the URL is only used to connect. BENCH_SCALE=small builds the assessments data
set for three prefectures only (about a minute in all). BENCH_ONLY=challenges runs the
common-issues suite alone (challenges_suite.py, on its own fresh database). Exits 1 when any
target is missed.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from measure import figures, table

BENCH_DATABASE = "chiikidx_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql"}
SCALES = ("full", "small")  # the keys of assessments_datagen.SCALES
ONLY = ("challenges",)  # BENCH_ONLY: suites that also run alone
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main() -> int:
    started = time.perf_counter()
    scale = os.environ.get("BENCH_SCALE") or "full"
    if scale not in SCALES:
        raise SystemExit(f"bench: BENCH_SCALE must be one of {', '.join(SCALES)}, not {scale}")
    only = os.environ.get("BENCH_ONLY") or None
    if only is not None and only not in ONLY:
        raise SystemExit(f"bench: BENCH_ONLY must be one of {', '.join(ONLY)}, not {only}")
    server_url = os.environ.get("CHIIKIDX_DATABASE_URL") or None
    with (
        tempfile.TemporaryDirectory(prefix="chiikidx-bench-") as data_dir,
        throwaway_database(server_url) as database_url,
    ):
        configure(data_dir, database_url)
        results, description, database = run(only)
    targeted = [r for r in results if r.has_target]
    failed = [r for r in targeted if not r.passed]
    print(f"\nchiikidx benchmarks — {description}\n")
    print(table(results))
    elapsed = time.perf_counter() - started
    run_info = {
        "database": database,
        "scale": scale,
        "cpus": os.cpu_count(),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    write_results(figures(results, run_info))
    print(f"\n{len(targeted) - len(failed)}/{len(targeted)} targets met in {elapsed:.0f} s")
    print(f"figures written to {os.path.relpath(RESULTS)}")
    return 1 if failed else 0


def write_results(entries: dict) -> None:
    """Merge this run's figures into results/latest.json: figures of other benchmarks stay."""
    stored = {}
    if RESULTS.exists():
        try:
            stored = json.loads(RESULTS.read_text(encoding="utf-8"))
        except ValueError:
            print(f"bench: {RESULTS} was not JSON; starting it again", file=sys.stderr)
    stored = dict(sorted((stored | entries).items()))  # figures by name, fields in ENTRY_KEYS order
    RESULTS.parent.mkdir(exist_ok=True)
    text = json.dumps(stored, ensure_ascii=False, indent=2)
    RESULTS.write_text(text + "\n", encoding="utf-8")


def configure(data_dir: str, database_url: str | None) -> None:
    """Environment for chiikidx.settings; must be set before django.setup()."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "chiikidx.settings",
            "CHIIKIDX_DATA_DIR": data_dir,
            "CHIIKIDX_SECRET_KEY": secrets.token_urlsafe(50),
            "CHIIKIDX_AUDIT_KEY": secrets.token_urlsafe(50),
            "CHIIKIDX_DEBUG": "0",  # DEBUG would keep every query in memory
            "CHIIKIDX_HTTPS": "0",
            "CHIIKIDX_ALLOWED_HOSTS": "testserver",  # the test client's host name
            "CHIIKIDX_LOG_LEVEL": "ERROR",
        }
    )
    if database_url:
        os.environ["CHIIKIDX_DATABASE_URL"] = database_url
    else:
        os.environ.pop("CHIIKIDX_DATABASE_URL", None)


def run(only: str | None = None):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", interactive=False, verbosity=0)
        import challenges_suite

        if only == "challenges":
            results = challenges_suite.run()
            return results, f"{_platform()}\n{challenges_suite.describe()}", _database()
        import suite

        results = suite.run_all()
        results += challenges_suite.run()  # the common issues (県内の共通課題), last
        described = f"{suite.describe_data()}\n{challenges_suite.describe()}"
        return results, f"{_platform()}\n{described}", _database()
    finally:
        connections.close_all()


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return f"SQLite {connection.Database.sqlite_version}"


def _platform() -> str:
    import django
    from django.db import connection

    where = BENCH_DATABASE if connection.vendor == "postgresql" else "temporary data dir"
    return (
        f"{_database()} ({where}), Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs"
    )


@contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str | None]:
    """Yield the URL of an empty PostgreSQL database of our own (None: SQLite)."""
    if server_url is None:
        yield None
        return
    parts = urlsplit(server_url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"bench: CHIIKIDX_DATABASE_URL must be PostgreSQL, not {parts.scheme}")
    # Connect through the database named in the URL, unless that is the one we drop.
    connect = parts._replace(path="/postgres") if parts.path == f"/{BENCH_DATABASE}" else parts
    admin_url, bench_url = connect.geturl(), parts._replace(path=f"/{BENCH_DATABASE}").geturl()
    _admin(admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")  # left over from a killed run
    _admin(admin_url, "CREATE DATABASE {}")
    try:
        yield bench_url
    finally:
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        _admin(admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")


def _admin(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(BENCH_DATABASE)))
    except psycopg.OperationalError as exc:
        raise SystemExit(f"bench: PostgreSQL refused {statement.split(' ')[0]}: {exc}") from exc


if __name__ == "__main__":
    sys.exit(main())
