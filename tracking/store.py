"""Storing stream entries: one multi-row insert per batch, duplicates ignored by event id.

PostgreSQL gets one ``INSERT ... SELECT FROM unnest(arrays)`` through asyncpg; SQLite
(embedded mode) gets the portable ``executemany`` of the same insert.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from tortoise import connections
from tortoise.transactions import in_transaction

_COLUMNS = (
    "event_id", "type", "name", "app_id", "user_id", "anonymous_id", "session_id", "page", "referrer",
    "properties", "context", "device_created_at", "device_sent_at", "received_at", "event_at", "event_ms",
    "ip_hash", "stored_at",
)
_PG_TYPES = (
    "text", "text", "text", "text", "text", "text", "text", "text", "text",
    "jsonb", "jsonb", "timestamptz", "timestamptz", "timestamptz", "timestamptz", "bigint",
    "text", "timestamptz",
)
_PG_INSERT = (
    f"INSERT INTO tracking_event ({', '.join(_COLUMNS)}) SELECT "
    + ", ".join(f"c{i}::jsonb" if t == "jsonb" else f"c{i}" for i, t in enumerate(_PG_TYPES))
    + " FROM unnest("
    + ", ".join(f"${i + 1}::{'text' if t == 'jsonb' else t}[]" for i, t in enumerate(_PG_TYPES))
    + ") AS r(" + ", ".join(f"c{i}" for i in range(len(_PG_TYPES))) + ")"
    + " ON CONFLICT (event_id) DO NOTHING"
)
_PORTABLE_INSERT = (
    f"INSERT INTO tracking_event ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
    " ON CONFLICT (event_id) DO NOTHING"
)
_PG_LINK = (
    "INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
    " ON CONFLICT (anonymous_id) DO UPDATE SET user_id = EXCLUDED.user_id, linked_at = EXCLUDED.linked_at"
    " WHERE tracking_identity_link.linked_at <= EXCLUDED.linked_at"
)
_PORTABLE_LINK = (
    "INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at) VALUES (?, ?, ?)"
    " ON CONFLICT (anonymous_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at"
    " WHERE tracking_identity_link.linked_at <= excluded.linked_at"
)


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _row(record: dict, stored_at: datetime) -> tuple:
    return (
        record["id"], record["t"], record["n"], record["a"], record["u"], record["an"], record["s"],
        record["p"], record["r"], orjson.dumps(record["pr"]).decode(), orjson.dumps(record["c"]).decode(),
        _moment(record["ca"]), _moment(record["sa"]), _moment(record["ra"]), _moment(record["ea"]),
        record["ea"], record["ip"], stored_at,
    )


async def store_records(records: list[dict]) -> None:
    """Insert the events (and identify links) in one transaction; known event ids are skipped."""
    stored_at = datetime.now(UTC)
    rows = [_row(record, stored_at) for record in records]
    links: dict[str, tuple] = {}
    for record in records:
        if record["t"] == "identify":
            links[record["an"]] = (record["an"], record["u"], _moment(record["ea"]))
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        async with client.acquire_connection() as conn, conn.transaction():
            await conn.execute(_PG_INSERT, *[list(column) for column in zip(*rows)])
            if links:
                await conn.execute(_PG_LINK, *[list(column) for column in zip(*links.values())])
        return
    async with in_transaction() as conn:
        await conn.execute_many(_PORTABLE_INSERT, [list(row) for row in rows])
        if links:
            await conn.execute_many(_PORTABLE_LINK, [list(link) for link in links.values()])
