"""Events in ClickHouse when ``ANALYTICS_URL`` names one: the worker writes them there too,
and reports are answered from it (``tracking.reports`` with the ClickHouse dialect).

``clickhouse://user:password@host:8123/db`` talks to a server through clickhouse-connect;
``chdb:///path/to/dir[?database=name]`` runs ClickHouse's own engine in this process (chDB), for embedded
use and the tests, with the same SQL. See tracking/CLICKHOUSE.md for the tables, the cluster
variant and why counts read ``FINAL``.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

import orjson

EVENT_COLUMNS = ("event_id", "name", "app_id", "page", "placement", "anonymous_id", "user_id", "event_ms")
LINK_COLUMNS = ("anonymous_id", "user_id", "linked_ms")
# given to clickhouse-connect, which otherwise asks the server (and would see no type to send
# for the ephemeral id)
COLUMN_TYPES = {
    "tracking_event": ("String", "LowCardinality(String)", "LowCardinality(String)", "Nullable(String)",
                       "LowCardinality(String)", "String", "Nullable(String)", "Int64"),
    "tracking_identity_link": ("String", "String", "Int64"),
}


def schema(database: str, *, cluster: str | None = None) -> list[str]:
    """The DDL, single node; with ``cluster``, ON CLUSTER with replicated local tables and
    Distributed tables of the same names in front (``{database}_local`` holds the shards)."""
    on = f" ON CLUSTER '{cluster}'" if cluster else ""
    local = f"{database}_local" if cluster else database
    replicated = "Replicated" if cluster else ""
    zk = "'/clickhouse/tables/{shard}/%s/%s', '{replica}'"
    events_engine = f"{replicated}ReplacingMergeTree({zk % (local, 'tracking_event')})" if cluster else "ReplacingMergeTree"
    links_engine = (f"{replicated}ReplacingMergeTree({zk % (local, 'tracking_identity_link')}, linked_ms)" if cluster
                    else "ReplacingMergeTree(linked_ms)")
    hourly_engine = f"{replicated}SummingMergeTree({zk % (local, 'tracking_hourly')})" if cluster else "SummingMergeTree"
    statements = [
        f"CREATE DATABASE IF NOT EXISTS {local}{on}",
        # One row per event id: a batch stored again after a worker died between writing here and
        # committing in PostgreSQL is the same rows again (same time too, so the same day and
        # sort key), which the engine folds; reports read FINAL, so the fold is exact before
        # merges run too. Days are partitions: dropping old data is dropping partitions.
        # The id is written (EPHEMERAL) but kept as its 64-bit SipHash, the last part of the sort
        # key: an SDK's id is 16 random bytes that no codec shrinks, 16.4 of 21.5 bytes an event;
        # the key is 8. Two events fold only if they share app, name, millisecond and hash.
        f"CREATE TABLE IF NOT EXISTS {local}.tracking_event{on} ("
        " event_id String EPHEMERAL, event_key UInt64 DEFAULT sipHash64(event_id),"
        " name LowCardinality(String), app_id LowCardinality(String),"
        " page Nullable(String) CODEC(ZSTD(3)), placement LowCardinality(String),"
        " anonymous_id String CODEC(ZSTD(3)), user_id Nullable(String) CODEC(ZSTD(3)),"
        " event_ms Int64 CODEC(Delta, ZSTD(3))"
        f") ENGINE = {events_engine} PARTITION BY toYYYYMMDD(fromUnixTimestamp64Milli(event_ms, 'UTC'))"
        " ORDER BY (app_id, name, event_ms, event_key)",
        f"CREATE TABLE IF NOT EXISTS {local}.tracking_identity_link{on} ("
        " anonymous_id String, user_id String, linked_ms Int64"
        f") ENGINE = {links_engine} ORDER BY anonymous_id",
        # Page views per UTC hour, kept by ClickHouse as events arrive, for dashboards; the
        # reports' exact counts read the events FINAL instead, since a view counts every insert
        # of a row, a refolded duplicate included.
        f"CREATE TABLE IF NOT EXISTS {local}.tracking_hourly{on} ("
        " hour DateTime('UTC'), app_id LowCardinality(String), name LowCardinality(String), page String,"
        f" events UInt64) ENGINE = {hourly_engine} PARTITION BY toYYYYMM(hour) ORDER BY (app_id, name, page, hour)",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {local}.tracking_hourly_mv{on} TO {local}.tracking_hourly AS"
        " SELECT toStartOfHour(fromUnixTimestamp64Milli(event_ms, 'UTC')) AS hour, app_id, name,"
        f" ifNull(page, '') AS page, count() AS events FROM {local}.tracking_event GROUP BY hour, app_id, name, page",
    ]
    if cluster:
        statements.append(f"CREATE DATABASE IF NOT EXISTS {database}{on}")
        for table, key in (("tracking_event", "cityHash64(app_id, event_key)"),
                           ("tracking_identity_link", "cityHash64(anonymous_id)"),
                           ("tracking_hourly", "cityHash64(app_id, page)")):
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {database}.{table}{on} AS {local}.{table}"
                f" ENGINE = Distributed('{cluster}', '{local}', '{table}', {key})"
            )
    return statements


class ClickHouseStore:
    """One ClickHouse, by URL; calls run off the event loop (both clients block)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self.embedded = parts.scheme == "chdb"
        self._lock = threading.Lock()
        query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
        if self.embedded:
            self.database = query.get("database", "superapp")
            self._session = _session(parts.path)
        elif parts.scheme == "clickhouse":
            import clickhouse_connect

            self.database = (parts.path or "/").strip("/") or "superapp"
            self._client = clickhouse_connect.get_client(
                host=parts.hostname or "127.0.0.1", port=parts.port or 8123,
                username=unquote(parts.username or "default"), password=unquote(parts.password or ""),
            )
        else:
            raise ValueError(f"ANALYTICS_URL must be clickhouse:// or chdb://, not {parts.scheme}://")
        self._ready = False

    # -- writing ----------------------------------------------------------------------------

    async def write(self, *, events: Sequence[Sequence], links: Sequence[Sequence] = ()) -> None:
        """Rows in ``EVENT_COLUMNS`` / ``LINK_COLUMNS`` order."""
        await asyncio.to_thread(self._write, list(events), list(links))

    def _write(self, events: list, links: list) -> None:
        with self._lock:
            self._ensure_schema()
            for table, columns, rows in (("tracking_event", EVENT_COLUMNS, events),
                                         ("tracking_identity_link", LINK_COLUMNS, links)):
                if not rows:
                    continue
                # the columns named: without the list, the ephemeral event_id is not read, and every
                # key would be the hash of ''
                if self.embedded:
                    body = b"\n".join(orjson.dumps(dict(zip(columns, row, strict=True))) for row in rows).decode()
                    self._session.query(f"INSERT INTO {self.database}.{table} ({', '.join(columns)})"
                                        f" FORMAT JSONEachRow {body}")
                else:
                    self._client.insert(f"{self.database}.{table}", rows, column_names=list(columns),
                                        column_type_names=list(COLUMN_TYPES[table]))

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        for statement in schema(self.database):
            self._command(statement)
        self._ready = True

    def _command(self, sql: str) -> None:
        if self.embedded:
            self._session.query(sql)
        else:
            self._client.command(sql)

    # -- reading ----------------------------------------------------------------------------

    async def query(self, sql: str, values: Sequence) -> list[dict]:
        """``sql`` with ``?`` marks, bound to ``values`` as typed server-side parameters."""
        return await asyncio.to_thread(self._query, sql, list(values))

    def _query(self, sql: str, values: list) -> list[dict]:
        parts = sql.split("?")
        params = {f"p{i}": value for i, value in enumerate(values)}
        text = parts[0] + "".join(
            f"{{p{i}:{'Int64' if isinstance(values[i], int) else 'String'}}}{part}" for i, part in enumerate(parts[1:])
        )
        # join_use_nulls: a row without a match reads NULL, as in SQL; FINAL need not merge across
        # partitions, since copies of an event share its time and so its day; materialized CTEs
        # (tracking.reports), read once
        settings = {"join_use_nulls": 1, "output_format_json_quote_64bit_integers": 0,
                    "do_not_merge_across_partitions_select_final": 1, "enable_materialized_cte": 1}
        with self._lock:
            self._ensure_schema()
            if self.embedded:
                setting_sql = ", ".join(f"{k} = {v}" for k, v in settings.items())
                result = self._session.query(f"{text} SETTINGS {setting_sql}", "JSONEachRow", params=params)
                return [orjson.loads(line) for line in result.bytes().splitlines() if line]
            return list(self._client.query(text, parameters=params, settings=settings).named_results())

    async def bytes_per_event(self) -> tuple[int, int]:
        """(rows, bytes on disk) of the events table, for the bench."""
        rows = await self.query(
            f"SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts"
            f" WHERE database = '{self.database}' AND table = 'tracking_event' AND active", [])
        return int(rows[0]["rows"] or 0), int(rows[0]["bytes"] or 0)

    async def drop_days_before(self, day_ms: int) -> int:
        """Drop the events' day partitions before the UTC day starting at ``day_ms``, and the
        hourly counts' month partitions wholly before it; how many days went. (On a cluster
        the same ``DROP PARTITION`` runs ``ON CLUSTER`` against the local tables.)"""
        return await asyncio.to_thread(self._drop_days_before, day_ms)

    def _drop_days_before(self, day_ms: int) -> int:
        cutoff = int(datetime.fromtimestamp(day_ms / 1000, UTC).strftime("%Y%m%d"))
        dropped = 0
        for table, before in (("tracking_event", cutoff), ("tracking_hourly", cutoff // 100)):
            rows = self._query("SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = ?"
                               " AND active", [self.database, table])
            old = sorted(int(row["partition"]) for row in rows if int(row["partition"]) < before)
            with self._lock:
                for partition in old:
                    self._command(f"ALTER TABLE {self.database}.{table} DROP PARTITION {partition}")
            if table == "tracking_event":
                dropped = len(old)
        return dropped

    async def optimize(self) -> None:
        await asyncio.to_thread(self._command, f"OPTIMIZE TABLE {self.database}.tracking_event FINAL")


_stores: dict[str, ClickHouseStore] = {}
_sessions: dict[str, object] = {}


def _session(path: str):
    """chDB keeps one session per process: stores naming the same directory share it."""
    if path not in _sessions:
        from chdb import session  # 500 MB installed: imported only when asked for

        _sessions[path] = session.Session(path)
    return _sessions[path]


def store_for(url: str | None) -> ClickHouseStore | None:
    """The process's store for ``url`` (one client or chDB session each), None when unset."""
    if not url:
        return None
    if url not in _stores:
        _stores[url] = ClickHouseStore(url)
    return _stores[url]
