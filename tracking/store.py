"""Storing stream entries: one multi-row insert per batch, duplicates ignored by event id.

On PostgreSQL the entries' JSON goes as one jsonb array that ``jsonb_to_recordset`` turns
into rows inside the server, so the worker does no per-event work in Python. SQLite
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
_PG_BATCH = """
    SELECT * FROM json_to_recordset($1::json) AS r(
        id text, t text, n text, a text, u text, an text, s text, p text, r text, pr jsonb, c jsonb,
        ca bigint, sa bigint, ra bigint, ea bigint, ip text)
"""
_PG_INSERT = f"""
INSERT INTO tracking_event ({", ".join(_COLUMNS)})
SELECT id, t, n, a, u, an, s, p, r, pr, c, to_timestamp(ca / 1000.0), to_timestamp(sa / 1000.0),
       to_timestamp(ra / 1000.0), to_timestamp(ea / 1000.0), ea, ip, now()
FROM ({_PG_BATCH}) batch
ON CONFLICT (event_id) DO NOTHING
"""
_PG_LINK = f"""
INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at)
SELECT DISTINCT ON (an) an, u, to_timestamp(ea / 1000.0) FROM ({_PG_BATCH}) batch
WHERE t = 'identify' ORDER BY an, ea DESC
ON CONFLICT (anonymous_id) DO UPDATE SET user_id = EXCLUDED.user_id, linked_at = EXCLUDED.linked_at
WHERE tracking_identity_link.linked_at <= EXCLUDED.linked_at
"""
_PORTABLE_INSERT = (
    f"INSERT INTO tracking_event ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
    " ON CONFLICT (event_id) DO NOTHING"
)
_PORTABLE_LINK = (
    "INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at) VALUES (?, ?, ?)"
    " ON CONFLICT (anonymous_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at"
    " WHERE tracking_identity_link.linked_at <= excluded.linked_at"
)


async def store_records(payloads: list[bytes]) -> None:
    """Insert the events (and identify links) in one transaction; known event ids are skipped.

    ``payloads`` are the records as ingest wrote them to the stream (JSON objects).
    """
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        document = (b"[" + b",".join(payloads) + b"]").decode()
        async with client.acquire_connection() as conn, conn.transaction():
            await conn.execute(_PG_INSERT, document)
            if '"t":"identify"' in document:  # orjson writes no spaces
                await conn.execute(_PG_LINK, document)
        return
    await _store_portably([orjson.loads(payload) for payload in payloads])


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


async def _store_portably(records: list[dict]) -> None:
    stored_at = datetime.now(UTC)
    rows = [
        [r["id"], r["t"], r["n"], r["a"], r["u"], r["an"], r["s"], r["p"], r["r"],
         orjson.dumps(r["pr"]).decode(), orjson.dumps(r["c"]).decode(), _moment(r["ca"]), _moment(r["sa"]),
         _moment(r["ra"]), _moment(r["ea"]), r["ea"], r["ip"], stored_at]
        for r in records
    ]
    links = {r["an"]: [r["an"], r["u"], _moment(r["ea"])] for r in sorted(records, key=lambda r: r["ea"])
             if r["t"] == "identify"}
    async with in_transaction() as conn:
        await conn.execute_many(_PORTABLE_INSERT, rows)
        if links:
            await conn.execute_many(_PORTABLE_LINK, list(links.values()))
