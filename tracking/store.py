"""Storing stream entries: one multi-row insert per batch, duplicates ignored by event id.

The same transaction adds the newly inserted events (never a duplicate) to the hourly
rollup, so reports read it current as of the last stored batch.

On PostgreSQL the entries' JSON goes as one jsonb array that ``jsonb_to_recordset`` turns
into rows inside the server, so the worker does no per-event work in Python. SQLite
(embedded mode) gets the portable ``executemany`` of the same insert.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from tortoise import connections
from tortoise.transactions import in_transaction

from tracking.clickhouse import ClickHouseStore
from tracking.records import RECORDSET_COLUMNS, StreamRecord
from tracking.rollups import Dialect
from tracking.vouching import VouchedBy

_COLUMNS = (
    "event_id", "type", "name", "app_id", "user_id", "vouched_by", "anonymous_id", "session_id", "page",
    "referrer", "properties", "context", "device_created_at", "device_sent_at", "received_at", "event_at",
    "event_ms", "ip_hash", "stored_at",
)
# Only a vouched-for identify links a device to a user: an unverified one (written to the stream
# before claims were checked) would attribute the device's events to whoever it named.
_LINKING_KINDS = (VouchedBy.TOKEN, VouchedBy.PARTNER)
_LINKING = ", ".join(f"'{kind.value}'" for kind in _LINKING_KINDS)
_PG_BATCH = f"SELECT * FROM json_to_recordset($1::json) AS r({RECORDSET_COLUMNS})"
_PG_INSERT = f"""
WITH inserted AS (
INSERT INTO tracking_event ({", ".join(_COLUMNS)})
SELECT id, t, n, a, u, COALESCE(v, '{VouchedBy.UNVERIFIED.value}'), an, s, p, r, pr, c, to_timestamp(ca / 1000.0),
       to_timestamp(sa / 1000.0), to_timestamp(ra / 1000.0), to_timestamp(ea / 1000.0), ea, ip, now()
FROM ({_PG_BATCH}) batch
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id, event_ms, app_id, name, page, properties, anonymous_id, user_id
), hourly AS (
{Dialect(postgres=True).rollup_from("inserted")}
), device_hours AS (
{Dialect(postgres=True).device_hours_from("inserted")}
)
"""
_PG_STORE = _PG_INSERT + "SELECT 1"
# with ClickHouse: the new rows, to be written there before this transaction commits
_NEW_EVENT_COLUMNS = (
    f"event_id, name, app_id, page, {Dialect(postgres=True).placement('properties')} AS placement, anonymous_id,"
    " user_id, event_ms"
)
_PG_STORE_RETURNING = _PG_INSERT + f"SELECT {_NEW_EVENT_COLUMNS} FROM inserted"
_PG_LINK = f"""
INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at)
SELECT DISTINCT ON (an) an, u, to_timestamp(ea / 1000.0) FROM ({_PG_BATCH}) batch
WHERE t = 'identify' AND v IN ({_LINKING}) ORDER BY an, ea DESC
ON CONFLICT (anonymous_id) DO UPDATE SET user_id = EXCLUDED.user_id, linked_at = EXCLUDED.linked_at
WHERE tracking_identity_link.linked_at <= EXCLUDED.linked_at
"""
_PORTABLE_INSERT = (
    f"INSERT INTO tracking_event ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
    " ON CONFLICT (event_id) DO NOTHING"
)
_NEW_ROWS = "(SELECT * FROM tracking_event WHERE id > ?)"
_PORTABLE_ROLLUPS = (Dialect(postgres=False).rollup_from(_NEW_ROWS), Dialect(postgres=False).device_hours_from(_NEW_ROWS))
_PORTABLE_NEW_COLUMNS = (
    f"event_id, name, app_id, page, {Dialect(postgres=False).placement('properties')} AS placement, anonymous_id,"
    " user_id, event_ms"
)
_PORTABLE_LINK = (
    "INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at) VALUES (?, ?, ?)"
    " ON CONFLICT (anonymous_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at"
    " WHERE tracking_identity_link.linked_at <= excluded.linked_at"
)


async def store_records(payloads: list[bytes], *, analytics: ClickHouseStore | None = None) -> None:
    """Insert the events (and identify links) in one transaction; known event ids are skipped.

    ``payloads`` are the records as ingest wrote them to the stream (JSON objects). With
    ``analytics``, the events this transaction inserts are written there before it commits:
    a worker dying in between leaves the entries pending, and the next try writes the same
    rows again, which ClickHouse folds by event id. An event PostgreSQL already had is never
    sent, so a late resend is counted in neither.
    """
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        document = (b"[" + b",".join(payloads) + b"]").decode()
        identifies = '"t":"identify"' in document  # orjson writes no spaces
        async with client.acquire_connection() as conn, conn.transaction():
            if analytics is None:
                await conn.execute(_PG_STORE, document)
            else:
                rows = await conn.fetch(_PG_STORE_RETURNING, document)
                await analytics.write(events=[tuple(row) for row in rows],
                                      links=_links(payloads) if identifies else ())
            if identifies:
                await conn.execute(_PG_LINK, document)
        return
    await _store_portably([StreamRecord.from_json(payload) for payload in payloads], analytics)


def _links(payloads: list[bytes]) -> list[tuple]:
    records = [StreamRecord.from_json(p) for p in payloads if b'"t":"identify"' in p]
    return [(r.anonymous_id, r.user_id, r.event_ms) for r in records
            if r.kind == "identify" and r.vouched_by in _LINKING_KINDS and r.user_id]


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


async def _store_portably(records: list[StreamRecord], analytics: ClickHouseStore | None) -> None:
    stored_at = datetime.now(UTC)
    rows = [
        [r.event_id, r.kind, r.name, r.app_id, r.user_id, r.vouched_by.value, r.anonymous_id, r.session_id,
         r.page, r.referrer, orjson.dumps(r.properties).decode(), orjson.dumps(r.context).decode(),
         _moment(r.device_created_ms), _moment(r.device_sent_ms), _moment(r.received_ms), _moment(r.event_ms),
         r.event_ms, r.ip_hash, stored_at]
        for r in records
    ]
    links = {r.anonymous_id: [r.anonymous_id, r.user_id, _moment(r.event_ms)]
             for r in sorted(records, key=lambda r: r.event_ms) if r.kind == "identify" and r.vouched_by in _LINKING_KINDS}
    async with in_transaction() as conn:
        # SQLite writes one transaction at a time: rows past the highest id are this batch's new ones
        before = (await conn.execute_query_dict("SELECT COALESCE(MAX(id), 0) AS id FROM tracking_event"))[0]["id"]
        await conn.execute_many(_PORTABLE_INSERT, rows)
        for rollup in _PORTABLE_ROLLUPS:
            await conn.execute_query(rollup, [before])
        if analytics is not None:
            new = await conn.execute_query_dict(f"SELECT {_PORTABLE_NEW_COLUMNS} FROM tracking_event WHERE id > ?", [before])
            await analytics.write(events=[tuple(row.values()) for row in new],
                                  links=[(an, u, int(at.timestamp() * 1000)) for an, u, at in links.values()])
        if links:
            await conn.execute_many(_PORTABLE_LINK, list(links.values()))
