"""Tracking reports over 10,000,000 events on ClickHouse (chDB, in-process) and PostgreSQL:
seconds per report, bytes per event in each.

Loads the events in one bulk INSERT ... SELECT inside the server (sessions of eight events:
page views, an exposure, sometimes a click, sometimes an order; 400,000 devices, a third of
them signed in, four apps, 30 days), builds the hourly rollup with the very statement the
worker runs per batch, then times each report as the GraphQL resolvers call it, over the
whole month and for one app. Also the worker's storing rate with the rollup kept, batches
of 2,000 through ``store_records``. Its own database, dropped at the end unless ``--keep``;
``--reuse NAME`` skips the load. Never asserted on; figures vary with the machine's load.

    .venv/bin/python bench/tracking_reports.py [--events 10000000] [--keep] [--reuse NAME] [--only postgres|clickhouse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402
from tracking import reports  # noqa: E402
from tracking.rollups import rebuild  # noqa: E402
from tracking.store import store_records  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
CONTEXT = ('{"platform": "ios", "appVersion": "5.2.0", "os": "iOS", "osVersion": "18.1", "deviceModel": "iPhone15,2",'
           ' "network": "wifi", "locale": "zh-CN", "timeZone": "Asia/Shanghai"}')
# i: the event's number; s = i / 8 its session; k = i % 8 its place in the session
LOAD = f"""
INSERT INTO tracking_event (event_id, type, name, app_id, user_id, vouched_by, anonymous_id, session_id, page,
    referrer, properties, context, device_created_at, device_sent_at, received_at, event_at, event_ms, ip_hash,
    stored_at)
SELECT md5(i::text), CASE WHEN name = '$page' THEN 'page' ELSE 'track' END, name, app, user_id,
       CASE WHEN user_id IS NULL THEN 'anonymous' ELSE 'token' END, 'dev-' || device, 's-' || s, page, NULL,
       CASE WHEN name IN ('$exposure', '$click') THEN jsonb_build_object('placement', 'banner-' || (s % 5))
            ELSE '{{}}'::jsonb END,
       '{CONTEXT}'::jsonb, to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0),
       to_timestamp(ms / 1000.0), ms, NULL, now()
FROM (
  SELECT i, s, device, ms,
         (ARRAY['', 'mp-a', 'mp-b', 'mp-c'])[1 + s % 4] AS app,
         CASE WHEN device % 3 = 0 THEN (100000 + device / 3)::text END AS user_id,
         '/p' || ((s * 7 + k / 3) % 50) AS page,
         CASE WHEN k < 4 THEN '$page' WHEN k = 4 THEN '$exposure'
              WHEN k = 5 AND r < 40 THEN '$click' WHEN k = 7 AND r < 12 THEN 'order_paid' ELSE '$page' END AS name
  FROM (
    SELECT i, i / 8 AS s, i % 8 AS k, (i / 8 * 2654435761) % 400000 AS device, (i * 40503) % 100 AS r,
           {int(START.timestamp() * 1000)} + ((i / 8 * 40503) % ({DAYS} * 86400)) * 1000 + (i % 8) * 40000 AS ms
    FROM generate_series($1::bigint, $2::bigint - 1) AS i
  ) raw
) e
"""
# a quarter of the anonymous devices were signed in on (identify), linking their events to a user
LINKS = """
INSERT INTO tracking_identity_link (anonymous_id, user_id, linked_at)
SELECT 'dev-' || d, (500000 + d)::text, now() FROM generate_series(1, 399999) AS d WHERE d % 3 <> 0 AND d % 4 = 0
"""


async def load(url: str, events: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        began = time.perf_counter()
        step = 1_000_000
        for lo in range(0, events, step):
            await conn.execute(LOAD, lo, min(lo + step, events))
            print(f"  loaded {min(lo + step, events):,} events ({time.perf_counter() - began:.0f} s)", flush=True)
        await conn.execute(LINKS)
        await conn.execute("ANALYZE tracking_event")
        return time.perf_counter() - began
    finally:
        await conn.close()


async def sizes(url: str, events: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        for table in ("tracking_event", "tracking_hourly"):
            total = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            heap = await conn.fetchval("SELECT pg_relation_size($1::regclass)", table)
            rows = await conn.fetchval(f"SELECT COUNT(*) FROM {table}")
            print(f"  {table}: {rows:,} rows, {total / events:.0f} bytes per event with indexes"
                  f" ({heap / events:.0f} heap)")
    finally:
        await conn.close()


async def timed(label: str, call) -> None:
    began = time.perf_counter()
    rows = await call
    print(f"  {label:<44} {time.perf_counter() - began:7.2f} s  ({len(rows):,} rows)", flush=True)


async def run_reports(store=None) -> None:
    month = reports.window(since=START, until=START + timedelta(days=DAYS), time_zone="Asia/Shanghai")
    cut = reports.window(since=START + timedelta(days=3, minutes=20), until=START + timedelta(days=10, minutes=50),
                         time_zone="Asia/Shanghai")
    week = reports.window(since=START, until=START + timedelta(days=7), time_zone="Asia/Shanghai")
    for scope, apps in (("all apps", None), ("one app", ["mp-a"])):
        print(f" {scope}:")
        await timed("PV/UV per page per hour, 30 days", reports.page_views(win=month, apps=apps, store=store))
        await timed("PV/UV per page per hour, 7 days cut mid-hour", reports.page_views(win=cut, apps=apps, store=store))
        await timed("click-through per placement, 30 days",
                    reports.click_through(win=month, apps=apps, exposure="$exposure", click="$click", store=store))
        await timed("click-through per page per hour, 30 days",
                    reports.click_through_by_hour(win=month, apps=apps, exposure="$exposure", click="$click", store=store))
        await timed("conversion per page, 30 days, 24 h",
                    reports.conversion(win=month, apps=apps, goal="order_paid", within=timedelta(hours=24), store=store))
        await timed("conversion per page per hour, 30 days",
                    reports.conversion(win=month, apps=apps, goal="order_paid", within=timedelta(hours=24),
                                       by_hour=True, store=store))
        await timed("funnel page > exposure > click > order, 7 days",
                    reports.funnel(win=week, apps=apps, steps=["$page", "$exposure", "$click", "order_paid"],
                                   within=timedelta(hours=1), store=store))
        await timed("retention days 1, 7 of 7 cohorts",
                    reports.retention(win=week, apps=apps, days=[1, 7], store=store))


# the same events in ClickHouse's SQL: i / 8 there is a float, hence intDiv
CH_LOAD = f"""
INSERT INTO {{db}}.tracking_event (event_id, name, app_id, page, placement, anonymous_id, user_id, event_ms)
SELECT lower(hex(MD5(toString(i)))), name, app, page, if(name IN ('$exposure', '$click'), 'banner-' || toString(s % 5), ''),
       'dev-' || toString(device), user_id, ms
FROM (
  SELECT i, s, device, ms,
         ['', 'mp-a', 'mp-b', 'mp-c'][1 + s % 4] AS app,
         if(device % 3 = 0, toString(100000 + intDiv(device, 3)), NULL) AS user_id,
         '/p' || toString((s * 7 + intDiv(k, 3)) % 50) AS page,
         multiIf(k < 4, '$page', k = 4, '$exposure', k = 5 AND r < 40, '$click', k = 7 AND r < 12, 'order_paid',
                 '$page') AS name
  FROM (
    SELECT number AS i, intDiv(number, 8) AS s, number % 8 AS k, (intDiv(number, 8) * 2654435761) % 400000 AS device,
           (number * 40503) % 100 AS r,
           {int(START.timestamp() * 1000)} + ((intDiv(number, 8) * 40503) % ({DAYS} * 86400)) * 1000
             + (number % 8) * 40000 AS ms
    FROM numbers({{lo}}, {{count}})
  )
)
"""
CH_LINKS = """
INSERT INTO {db}.tracking_identity_link SELECT 'dev-' || toString(number), toString(500000 + number), 0
FROM numbers(1, 399999) WHERE number % 3 <> 0 AND number % 4 = 0
"""


async def on_clickhouse(events: int) -> None:
    from tracking.clickhouse import store_for

    store = store_for(f"chdb:///tmp/bench_tracking_chdb_{os.getpid()}")
    await store.write(events=[])  # creates the tables
    began = time.perf_counter()
    for lo in range(0, events, 2_000_000):
        await asyncio.to_thread(store._command, CH_LOAD.format(db=store.database, lo=lo, count=min(2_000_000, events - lo)))
    await asyncio.to_thread(store._command, CH_LINKS.format(db=store.database))
    await store.optimize()
    rows, size = await store.bytes_per_event()
    print(f"  loaded {rows:,} events in {time.perf_counter() - began:.0f} s; {size / max(rows, 1):.1f} bytes per event"
          " on disk (tracking_event, compressed)")
    print("reports on ClickHouse (chDB, in-process, seconds; ids random like an SDK's):")
    await run_reports(store)


async def worker_rate(batches: int = 25, size: int = 2000) -> None:
    """The worker's storing step with the rollup kept: new events into a loaded table."""
    now = int(time.time() * 1000)
    payloads = [[orjson.dumps({
        "id": f"w{b}-{i}", "t": "page", "n": "$page", "a": "mp-a", "u": None, "v": "anonymous",
        "an": f"dev-{(b * size + i) % 50000}", "s": None, "p": f"/p{i % 50}", "r": None, "pr": {},
        "c": orjson.loads(CONTEXT), "ca": now, "sa": now, "ra": now, "ea": now - i, "ip": None,
    }) for i in range(size)] for b in range(batches)]
    began = time.perf_counter()
    for batch in payloads:
        await store_records(batch)
    elapsed = time.perf_counter() - began
    print(f"  store_records with the rollup: {batches * size / elapsed:,.0f} events/s ({batches} batches of {size})")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse")
    parser.add_argument("--only", choices=("postgres", "clickhouse"))
    args = parser.parse_args()
    if args.only != "postgres":
        print(f"loading {args.events:,} events into chDB", flush=True)
        await on_clickhouse(args.events)
        if args.only == "clickhouse":
            return
    name = args.reuse or f"bench_tracking_reports_{os.getpid()}"
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings.from_env({"DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                                  "SUPERAPP_DATA_DIR": f"/tmp/{name}", "SECRET_KEY": "bench",
                                  "PII_KEYS": "b1:" + "a" * 43 + "="})
    if not args.reuse:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        await db.migrate(settings)
        print(f"loading {args.events:,} events into {name}", flush=True)
        print(f"  loaded in {await load(url, args.events):.0f} s")
    context = await db.open_database(settings)
    try:
        if not args.reuse:
            began = time.perf_counter()
            await rebuild(_client())
            conn = await asyncpg.connect(url)
            await conn.execute("ANALYZE tracking_hourly")
            await conn.execute("ANALYZE tracking_device_hour")
            await conn.close()
            print(f"  rollup built in {time.perf_counter() - began:.0f} s")
        await sizes(url, args.events)
        print("reports on PostgreSQL (seconds):")
        await run_reports()
        await worker_rate()
    finally:
        await db.close_database(context)
        if not args.keep and not args.reuse:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def _client():
    from tortoise import connections
    return connections.get("default")


if __name__ == "__main__":
    asyncio.run(main())
