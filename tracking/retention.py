"""Events are kept ``TRACKING_RETENTION_DAYS`` (default 400, about 13 months; 0 keeps them
for good): the worker deletes older events and the hourly rollups wholly before the horizon,
in PostgreSQL (or SQLite) and in ClickHouse (whole day partitions), about once an hour.
Reports refuse a ``since`` before the horizon (the invalid-input answer on ``since``), so
no report answers from a half-deleted past.

Deleting goes in chunks of ``CHUNK`` rows, each its own statement, so a first run over a
long backlog never holds a long lock on the table the worker is inserting into.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tortoise import connections

from tracking.clickhouse import ClickHouseStore

CHUNK = 10_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# the table, its time column, and whether a row stands for the hour that starts there
_TABLES = (("tracking_event", "event_ms", False), ("tracking_hourly", "hour_ms", True),
           ("tracking_device_hour", "hour_ms", True))


@dataclass(frozen=True, slots=True)
class Expired:
    events: int
    rollup_rows: int
    clickhouse_days: int


def horizon_ms(retention_days: int, now_ms: int | None = None) -> int | None:
    """The first millisecond still kept, or None when everything is kept."""
    if retention_days <= 0:
        return None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return now_ms - retention_days * DAY_MS


async def expire(*, retention_days: int, analytics: ClickHouseStore | None = None,
                 now_ms: int | None = None) -> Expired:
    """Delete what is older than the horizon; how much went."""
    horizon = horizon_ms(retention_days, now_ms)
    if horizon is None:
        return Expired(0, 0, 0)
    client = connections.get("default")
    deleted = {}
    for table, column, hourly in _TABLES:
        # an hour's rollup row goes only once the whole hour is past the horizon
        before = horizon - HOUR_MS + 1 if hourly else horizon
        deleted[table] = 0
        while True:
            count = await _delete_chunk(client, table, column, before)
            deleted[table] += count
            if count < CHUNK:
                break
    days = await analytics.drop_days_before(horizon // DAY_MS * DAY_MS) if analytics is not None else 0
    return Expired(deleted["tracking_event"], deleted["tracking_hourly"] + deleted["tracking_device_hour"], days)


async def _delete_chunk(client, table: str, column: str, before: int) -> int:
    postgres = client.capabilities.dialect == "postgres"
    mark = "$1" if postgres else "?"
    sql = (f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < {mark}"
           f" ORDER BY {column} LIMIT {CHUNK})")
    count, _ = await client.execute_query(sql, [before])
    return int(count)
