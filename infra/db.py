"""The database: one Tortoise app per domain package, each with its own migrations.

A domain joins by adding its name to ``DOMAINS``; it must have ``models.py`` and a
``migrations`` package (``superapp makemigrations <app label>`` writes it). A first-party
mini-program joins by its dotted package (``miniprograms.payroll``); its Tortoise app label
is the last part (``payroll``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise import context as tortoise_context
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api

from infra.settings import Settings

DOMAINS: tuple[str, ...] = (
    "identity",
    "miniprogram_host",
    "ledger",
    "tracking",
    "openplatform",
    "miniprogram_runtime",
    "kyc",
    "clearing",
    "marketing",
    "miniprograms.payroll",
    "audit",
    "content",
    "miniprograms.parks",
    "miniprograms.etc",
    "miniprograms.lottery",
    "monitoring",
)


def app_label(package: str) -> str:
    """``ledger`` -> ``ledger``; ``miniprograms.payroll`` -> ``payroll``."""
    return package.rsplit(".", 1)[-1]


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection released without asyncpg's reset query.

    asyncpg sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`` each
    time a connection goes back to its pool, and Tortoise takes one from the pool for every
    statement outside a transaction: a second round trip for each of them (7% of the home's
    CPU, measured with py-spy). Nothing here leaves session state behind: no advisory locks,
    cursors, LISTEN or session-level SET (only SET LOCAL, which ends with its transaction), and
    asyncpg still rolls back a transaction left open on release. Code that needs session state
    takes its own connection and does not give it back to the pool.
    """

    def get_reset_query(self) -> str:
        return ""


POOL_MAXSIZE = 10  # connections per process unless the URL says ?maxsize= (Tortoise's default is 5)


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if settings.uses_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    connection: str | dict[str, Any] = url
    if url.startswith("postgres://"):
        connection = expand_db_url(url)
        connection["credentials"].setdefault("maxsize", POOL_MAXSIZE)
        connection["credentials"]["connection_class"] = PooledConnection
    return {
        "connections": {"default": connection},
        "apps": {
            app_label(name): {
                "models": [f"{name}.models"],
                "migrations": f"{name}.migrations",
                "default_connection": "default",
            }
            for name in DOMAINS
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _forget_other_dialects() -> None:
    """Drop the SQL that Tortoise's executors cached for an earlier database of this process.

    Tortoise caches each model's INSERT and DELETE statements process-wide, keyed by the
    connection's name, which is ``default`` on every database here. A process that opened
    SQLite and then PostgreSQL (a test worker does) would send SQLite's ``?`` placeholders to
    PostgreSQL. The cache refills on first use.
    """
    EXECUTOR_CACHE.clear()


async def open_database(settings: Settings) -> TortoiseContext:
    """Connect; the returned context must be passed to ``close_database``.

    Tortoise 1.x keeps connections in a context. The app enters its own context around
    every request (bff.middleware.RequestPipeline). The first context opened in a process
    is also its global fallback, so CLI commands and workers that run outside a request
    find their connections without ceremony.
    """
    _forget_other_dialects()
    context = TortoiseContext()
    with context:
        await context.init(
            config=tortoise_config(settings),
            _enable_global_fallback=tortoise_context._global_context is None,
        )
    return context


async def close_database(context: TortoiseContext) -> None:
    await context.close_connections()


async def migrate(settings: Settings, *, reporter=None) -> None:
    """Apply every domain's migrations; the same files run on SQLite and PostgreSQL."""
    _forget_other_dialects()
    with TortoiseContext() as context:
        await migrate_api(config=tortoise_config(settings), progress=reporter)
        await context.close_connections()


async def database_ready() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        return False
    return True


# A column with one value for every row, ``(name, PostgreSQL type, value)``: PostgreSQL gets
# it once instead of an array of copies (2,000 timestamps cost asyncpg 3.4 ms to encode).
Same = tuple[str, str, Any]


async def insert_rows(conn: Any, table: str, columns: tuple[str, ...], sql_types: tuple[str, ...], rows: list[tuple],
                      tail: str = "", *, same: tuple[Same, ...] = ()) -> list[dict]:
    """INSERT ``rows`` into ``table`` with one statement on ``conn`` (a transaction's, or a
    model's ``_meta.db``); what ``tail`` returns (``RETURNING ...``; ``ON CONFLICT`` may come
    first). ``sql_types`` are PostgreSQL's names of the columns' types: it gets one array a
    column, so the statement's text is the same whatever the row count; SQLite gets a list.
    ``same`` columns take one value in every row."""
    if not rows:
        return []
    dialect = conn.capabilities.dialect
    names = (*columns, *(name for name, _, _ in same))
    if dialect == "postgres":
        values: list = [list(column) for column in zip(*rows, strict=True)] + [value for _, _, value in same]
        statement = _insert_statement(table, names, sql_types, tuple(t for _, t, _ in same), tail)
    else:
        extra = tuple(value for _, _, value in same)
        values = [value for row in rows for value in (*row, *extra)]
        row = "(" + ", ".join("?" for _ in names) + ")"
        statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join(row for _ in rows)} {tail}".rstrip()
    return await conn.execute_query_dict(statement, values)


@lru_cache(maxsize=64)
def _insert_statement(table: str, names: tuple[str, ...], sql_types: tuple[str, ...], same_types: tuple[str, ...],
                      tail: str) -> str:
    """PostgreSQL's: one array a column, then the ``same`` values, whatever the row count."""
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(sql_types, start=1))
    scalars = "".join(f", ${n}::{t}" for n, t in enumerate(same_types, start=len(sql_types) + 1))
    return f"INSERT INTO {table} ({', '.join(names)}) SELECT *{scalars} FROM unnest({arrays}) AS u {tail}".rstrip()


async def update_rows(model: Any, columns: tuple[str, ...], sql_types: tuple[str, ...], rows: list[tuple],
                      *, same: tuple[Same, ...] = ()) -> None:
    """Set ``columns`` of many rows of ``model``'s table, each to its own values, with one
    statement on the connection of the transaction open, if any. Each row of ``rows`` is
    ``(id, *values)``; ``sql_types`` are PostgreSQL's names of the id's and the columns'
    types; ``same`` columns are set to one value in every row. Tortoise's ``bulk_update``
    does the same with a CASE per column that costs more CPU to build than the database
    spends running it (a payroll chunk's lines)."""
    if not rows:
        return
    conn = model._meta.db
    table, key = model._meta.db_table, model._meta.db_pk_column
    if conn.capabilities.dialect == "postgres":
        arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(sql_types, start=1))
        names = ", ".join(("k", *columns))
        sets = [f"{c} = v.{c}" for c in columns]
        sets += [f"{name} = ${n}::{t}" for n, (name, t, _) in enumerate(same, start=len(sql_types) + 1)]
        statement = f"UPDATE {table} AS t SET {', '.join(sets)} FROM unnest({arrays}) AS v({names}) WHERE t.{key} = v.k"
        await conn.execute_query(statement, [list(column) for column in zip(*rows, strict=True)]
                                 + [value for _, _, value in same])
        return
    row = "(" + ", ".join("?" for _ in sql_types) + ")"
    sets = [f"{c} = v.column{n}" for n, c in enumerate(columns, start=2)] + [f"{name} = ?" for name, _, _ in same]
    statement = (f"UPDATE {table} SET {', '.join(sets)} FROM (VALUES {', '.join(row for _ in rows)}) AS v"
                 f" WHERE {table}.{key} = v.column1")
    await conn.execute_query(statement, [value for _, _, value in same] + [value for r in rows for value in r])
