"""The reports as they were computed before they moved into SQL: rows loaded into Python and
counted there. Kept only as the oracle that the SQL reports are compared with, on events a
seeded generator makes (visitors on several devices, identifies that come after the events
they attribute, duplicates, events at the window's edges, placements that are not strings).

``python -m tests.tracking.report_oracle DATA_DIR`` runs the comparison on SQLite (embedded
mode) in a process of its own and prints the outcome as JSON.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import orjson
from tortoise import connections

from tracking import reports
from tracking.reports import (
    FunnelStep, PageConversion, PageHour, PageHourClickThrough, PlacementClickThrough, RetentionCohort, Window,
)
from tracking.store import store_records

_VISITOR = (
    "CASE WHEN COALESCE(e.user_id, l.user_id) IS NOT NULL THEN 'u:' || COALESCE(e.user_id, l.user_id)"
    " ELSE 'a:' || e.anonymous_id END"
)
_FROM = "FROM tracking_event e LEFT JOIN tracking_identity_link l ON l.anonymous_id = e.anonymous_id"
START = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = 3_600_000


# -- the events -------------------------------------------------------------------------------

def generated_batches(seed: int = 19, events: int = 6000) -> list[list[bytes]]:
    """Stream records in batches as the worker stores them; some are sent twice."""
    rng = random.Random(seed)
    start_ms = int(START.timestamp() * 1000)
    devices = [f"dev-{i:03d}" for i in range(240)]
    users = {d: str(1000 + i % 60) for i, d in enumerate(devices) if i % 3 == 0}  # a user on several devices
    records: list[dict] = []
    for i in range(events):
        device = rng.choice(devices)
        at = start_ms + rng.randrange(0, 6 * 86_400_000)
        if rng.random() < 0.3:
            at -= at % HOUR  # exactly on the hour, as the window's edges are
        roll = rng.random()
        app = rng.choice(["", "mp-a", "mp-b"])
        page = rng.choice(["/home", "/cards", "/loan", "/fund", "/me"])
        properties: dict = {}
        if roll < 0.45:
            kind, name = "page", "$page"
        elif roll < 0.70:
            kind, name = "track", "$exposure"
            properties = {"placement": rng.choice(["banner-1", "banner-2", "feed-3", 7])}
        elif roll < 0.85:
            kind, name = "track", "$click"
            properties = {"placement": rng.choice(["banner-1", "banner-2", "feed-3"])}
        elif roll < 0.95:
            kind, name = "track", "order_paid"
        else:
            kind, name = "track", "signup"
        vouched = device in users and rng.random() < 0.3
        records.append(_record(f"e{i}", kind, name, app, users[device] if vouched else None, device, page,
                               properties, at))
    for device, user in users.items():  # the sign-in on a device, at some moment of the week
        at = start_ms + rng.randrange(0, 6 * 86_400_000)
        records.append(_record(f"id-{device}", "identify", "$identify", "", user, device, None, {}, at))
    rng.shuffle(records)
    payloads = [orjson.dumps(r) for r in records]
    batches = [payloads[i:i + 300] for i in range(0, len(payloads), 300)]
    batches.append(rng.sample(payloads, 400))  # resent: stored once, counted once
    return batches


def _record(event_id, kind, name, app, user, device, page, properties, at) -> dict:
    return {"id": event_id, "t": kind, "n": name, "a": app, "u": user, "v": "token" if user else "anonymous",
            "an": device, "s": None, "p": page, "r": None, "pr": properties, "c": {}, "ca": at, "sa": at,
            "ra": at, "ea": at, "ip": None}


async def store(batches: list[list[bytes]], analytics=None) -> None:
    for batch in batches:
        await store_records(batch, analytics=analytics)


# -- the comparison ---------------------------------------------------------------------------

def windows() -> list[Window]:
    """Whole days, windows that cut hours, zones ahead of and behind UTC, one on half hours."""
    def w(since: datetime, until: datetime, zone: str) -> Window:
        return reports.window(since=since, until=until, time_zone=zone)
    return [
        w(START, START + timedelta(days=7), "Asia/Shanghai"),
        w(START + timedelta(hours=5, minutes=17), START + timedelta(days=3, hours=2, minutes=41), "UTC"),
        w(START + timedelta(days=1, minutes=30), START + timedelta(days=4, hours=7), "America/New_York"),
        w(START + timedelta(hours=10), START + timedelta(days=2, hours=10, minutes=15), "Asia/Kolkata"),
    ]


async def compare(store=None) -> dict:
    """Every report, new against old, over the windows and app scopes; the differences found.

    ``store``: the new answers come from that ClickHouse, the old ones from the database."""
    checked, differences, answered = 0, [], defaultdict(int)
    for win in windows():
        for apps in (None, ["mp-a"], ["", "mp-b"], []):
            pairs = [
                ("page_views", await reports.page_views(win=win, apps=apps, store=store), await page_views(win, apps)),
                ("click_through", await reports.click_through(win=win, apps=apps, exposure="$exposure", click="$click", store=store),
                 await click_through(win, apps, "$exposure", "$click")),
                ("click_through_by_hour",
                 await reports.click_through_by_hour(win=win, apps=apps, exposure="$exposure", click="$click", store=store),
                 await click_through_by_hour(win, apps, "$exposure", "$click")),
                ("funnel", await reports.funnel(win=win, apps=apps, steps=["$exposure", "$click", "order_paid"],
                                                within=timedelta(hours=3), store=store),
                 await funnel(win, apps, ["$exposure", "$click", "order_paid"], timedelta(hours=3),
                              clickhouse=store is not None)),
                ("funnel_repeated", await reports.funnel(win=win, apps=apps, steps=["$page", "$page", "signup"],
                                                         within=timedelta(hours=30), store=store),
                 await funnel(win, apps, ["$page", "$page", "signup"], timedelta(hours=30),
                              clickhouse=store is not None)),
                ("retention", await reports.retention(win=win, apps=apps, days=[1, 2, 3], store=store),
                 await retention(win, apps, [1, 2, 3])),
            ]
            for within in (timedelta(hours=1), timedelta(hours=24)):
                pairs.append(("conversion", await reports.conversion(win=win, apps=apps, goal="order_paid", within=within, store=store),
                              await conversion(win, apps, "order_paid", within)))
                pairs.append(("conversion_by_hour",
                              await reports.conversion(win=win, apps=apps, goal="order_paid", within=within, by_hour=True,
                                                 store=store),
                              await conversion(win, apps, "order_paid", within, by_hour=True)))
            for name, new, old in pairs:
                checked += 1
                answered[name] += _counted(new)
                if new != old:
                    differences.append({"report": name, "zone": win.zone.key, "apps": apps,
                                        "new": repr(new)[:600], "old": repr(old)[:600]})
    return {"checked": checked, "differences": differences, "answered": answered}


def _counted(rows: list) -> int:
    """What a report counted in all: zero when it found nothing to compare."""
    total = 0
    for row in rows:
        for value in (getattr(row, name, 0) for name in ("page_views", "clicks", "converted", "visitors")):
            total += value
        total += sum(n for _, n in getattr(row, "retained", ()))
    return total


# -- the old aggregation ----------------------------------------------------------------------

async def _rows(sql: str, values: list) -> list[dict]:
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        parts = sql.split("?")
        sql = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    return await client.execute_query_dict(sql, values)


def _filters(win: Window, apps, names=None, until_ms=None) -> tuple[str, list]:
    clauses = ["e.event_ms >= ?", "e.event_ms < ?"]
    values: list = [win.since_ms, until_ms or win.until_ms]
    if apps is not None:
        if not apps:
            clauses.append("1 = 0")
        else:
            clauses.append(f"e.app_id IN ({', '.join('?' for _ in apps)})")
            values += apps
    if names is not None:
        clauses.append(f"e.name IN ({', '.join('?' for _ in names)})")
        values += names
    return " WHERE " + " AND ".join(clauses), values


def _hour(win: Window, ms: int) -> datetime:
    """The local hour's start as an instant (the two 01:00 hours of a DST fall-back stay two)."""
    start = win.local(ms).replace(minute=0, second=0, microsecond=0)
    return win.local(int(start.timestamp() * 1000))


async def page_views(win: Window, apps) -> list[PageHour]:
    where, values = _filters(win, apps, ["$page"])
    hours: dict = defaultdict(lambda: [0, set()])
    for row in await _rows(f"SELECT e.page, e.event_ms, {_VISITOR} AS visitor {_FROM}{where}", values):
        hour = _hour(win, row["event_ms"])
        bucket = hours[(row["page"], hour.timestamp())]
        bucket[0] += 1
        bucket[1].add(row["visitor"])
    ordered = sorted(hours.items(), key=lambda item: (item[0][1], item[0][0]))
    return [PageHour(page, win.local(int(ts * 1000)), pv, len(seen)) for (page, ts), (pv, seen) in ordered]


async def _placed(win: Window, apps, exposure: str, click: str) -> list[dict]:
    where, values = _filters(win, apps, [exposure, click])
    rows = await _rows(f"SELECT e.name, e.page, e.event_ms, e.properties, {_VISITOR} AS visitor {_FROM}{where}", values)
    for row in rows:
        props = row["properties"]
        props = orjson.loads(props) if isinstance(props, (str, bytes)) else props
        row["placement"] = props.get("placement") if isinstance(props, dict) else None
    # at one instant an exposure comes before a click: that click followed it
    return sorted((r for r in rows if isinstance(r["placement"], str)),
                  key=lambda r: (r["event_ms"], r["name"] != exposure))


async def click_through(win: Window, apps, exposure: str, click: str) -> list[PlacementClickThrough]:
    exposures: dict = defaultdict(int)
    clicks: dict = defaultdict(int)
    exposed: set = set()
    for row in await _placed(win, apps, exposure, click):
        if row["name"] == exposure:
            exposures[row["placement"]] += 1
            exposed.add((row["visitor"], row["placement"]))
        elif (row["visitor"], row["placement"]) in exposed:
            clicks[row["placement"]] += 1
    return [PlacementClickThrough(p, exposures[p], clicks[p]) for p in sorted(exposures)]


async def click_through_by_hour(win: Window, apps, exposure: str, click: str) -> list[PageHourClickThrough]:
    counts: dict = defaultdict(lambda: [0, 0])
    exposed: set = set()
    for row in await _placed(win, apps, exposure, click):
        key = (_hour(win, row["event_ms"]).timestamp(), row["page"] or "")
        if row["name"] == exposure:
            counts[key][0] += 1
            exposed.add((row["visitor"], row["placement"]))
        else:
            counts[key][1] += 1 if (row["visitor"], row["placement"]) in exposed else 0
    return [PageHourClickThrough(page, win.local(int(ts * 1000)), e, c) for (ts, page), (e, c) in sorted(counts.items())]


async def conversion(win: Window, apps, goal: str, within: timedelta, *, by_hour: bool = False) -> list[PageConversion]:
    window_ms = int(within.total_seconds() * 1000)
    where, values = _filters(win, apps, ["$page", goal], until_ms=win.until_ms + window_ms)
    rows = await _rows(f"SELECT e.name, e.page, e.event_ms, {_VISITOR} AS visitor {_FROM}{where}", values)
    views: dict = defaultdict(lambda: defaultdict(list))
    goals: dict = defaultdict(list)
    for row in rows:
        if row["name"] == "$page":
            if row["event_ms"] < win.until_ms:
                hour = _hour(win, row["event_ms"]).timestamp() if by_hour else 0
                views[(hour, row["page"])][row["visitor"]].append(row["event_ms"])
        else:
            goals[row["visitor"]].append(row["event_ms"])
    result = []
    for hour, page in sorted(views):
        seen_by = views[(hour, page)]
        converted = sum(1 for visitor, seen in seen_by.items()
                        if any(0 <= g - s <= window_ms for s in seen for g in goals.get(visitor, ())))
        result.append(PageConversion(page, len(seen_by), converted, win.local(int(hour * 1000)) if by_hour else None))
    return result


async def funnel(win: Window, apps, steps: list[str], within: timedelta, *, clickhouse: bool = False) -> list[FunnelStep]:
    """``clickhouse``: events of one millisecond in the order ClickHouse has them, by the hash of
    their id it keeps (tracking/CLICKHOUSE.md), not by the id."""
    window_ms = int(within.total_seconds() * 1000)
    where, values = _filters(win, apps, sorted(set(steps)), until_ms=win.until_ms + window_ms)
    rows = await _rows(f"SELECT e.event_id, e.name, e.event_ms, {_VISITOR} AS visitor {_FROM}{where}"
                       " ORDER BY e.event_ms, e.event_id", values)
    if clickhouse:
        rows.sort(key=lambda row: (row["event_ms"], sip_hash64(row["event_id"].encode())))
    journeys: dict = defaultdict(list)
    for row in rows:
        journeys[row["visitor"]].append((row["event_ms"], row["name"]))
    reached = [0] * len(steps)
    for journey in journeys.values():
        for i in range(_deepest(journey, steps, window_ms, win.until_ms)):
            reached[i] += 1
    return [FunnelStep(name, count) for name, count in zip(steps, reached, strict=True)]


def _deepest(journey, steps, window_ms, start_before) -> int:
    best = 0
    for start, (started_at, name) in enumerate(journey):
        if name != steps[0] or started_at >= start_before:
            continue
        depth = 1
        for at, later in journey[start + 1:]:
            if at - started_at > window_ms or depth == len(steps):
                break
            if later == steps[depth]:
                depth += 1
        best = max(best, depth)
    return best


async def retention(win: Window, apps, days: list[int]) -> list[RetentionCohort]:
    app_filter, app_values = "", []
    if apps is not None:
        app_filter = f" WHERE e.app_id IN ({', '.join('?' for _ in apps)})" if apps else " WHERE 1 = 0"
        app_values = list(apps)
    firsts = await _rows(
        f"SELECT visitor, MIN(event_ms) AS first_ms FROM (SELECT {_VISITOR} AS visitor, e.event_ms {_FROM}{app_filter}) v"
        " GROUP BY visitor HAVING MIN(event_ms) >= ? AND MIN(event_ms) < ?",
        [*app_values, win.since_ms, win.until_ms],
    )
    cohorts: dict[date, set] = defaultdict(set)
    first_day: dict = {}
    for row in firsts:
        day = win.local(row["first_ms"]).date()
        cohorts[day].add(row["visitor"])
        first_day[row["visitor"]] = day
    horizon = win.until_ms + max(days) * 86_400_000 + 86_400_000
    where, values = _filters(win, apps, until_ms=horizon)
    active: dict = defaultdict(set)
    for row in await _rows(f"SELECT {_VISITOR} AS visitor, e.event_ms {_FROM}{where}", values):
        if row["visitor"] in first_day:
            active[row["visitor"]].add(win.local(row["event_ms"]).date())
    return [RetentionCohort(day, len(members), [(n, sum(1 for v in members if day + timedelta(days=n) in active[v]))
                                                for n in days])
            for day, members in sorted(cohorts.items())]


async def _on_sqlite(data_dir: str) -> dict:
    from infra import db
    from infra.settings import Settings

    settings = Settings.from_env({"SUPERAPP_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"})
    await db.migrate(settings)
    context = await db.open_database(settings)
    try:
        assert connections.get("default").capabilities.dialect == "sqlite"
        await store(generated_batches())
        return await compare()
    finally:
        await db.close_database(context)


if __name__ == "__main__":
    print(orjson.dumps(asyncio.run(_on_sqlite(sys.argv[1]))).decode())


_MASK = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def sip_hash64(data: bytes) -> int:
    """ClickHouse's ``sipHash64``: SipHash-2-4 with a zero key (checked against chDB in
    test_clickhouse), so the oracle can order events as ClickHouse does."""
    v0, v1, v2, v3 = 0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _MASK
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _MASK
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _MASK
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _MASK
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    tail = len(data) % 8
    for i in range(0, len(data) - tail, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m
        rounds(2)
        v0 ^= m
    m = int.from_bytes(data[len(data) - tail:], "little") | ((len(data) & 0xFF) << 56)
    v3 ^= m
    rounds(2)
    v0 ^= m
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3
