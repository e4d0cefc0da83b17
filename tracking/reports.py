"""Reports over stored events, computed by the database: PV/UV, click-through and conversion
per page per local hour, funnels, retention. The same statements run on PostgreSQL and SQLite.

Full UTC hours are read from the hourly rollup and the partial hours at the window's edges
from the events, both as "buckets" of one shape (``_buckets``). Local hours and days come from
``tracking.zones``; in a zone whose offset is not a whole number of hours (Asia/Kolkata) the
hour- and day-grouped reports read the events alone. Only funnels, whose steps are ordered
within the hour, always read the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise import connections
from tortoise.transactions import in_transaction

from infra.i18n import Text
from tracking.errors import InvalidReportInput
from tracking.clickhouse import ClickHouseStore
from tracking.rollups import HOUR_MS, Dialect, dialect_of
from tracking.zones import Offsets, local_date, offsets

MAX_RANGE = timedelta(days=93)
MAX_ROWS = 50_000  # rows of one answer; past it the caller narrows the range or picks an app
MAX_NAME = 128
MAX_RETENTION_DAYS = 30
REPORT_WORK_MEM = "256MB"  # per sort or hash of one report on PostgreSQL  # distinct day numbers asked at once
_VISITOR = (
    "CASE WHEN b.user_id <> '' THEN 'u:' || b.user_id WHEN l.user_id IS NOT NULL THEN 'u:' || l.user_id"
    " ELSE 'a:' || b.anonymous_id END"
)
_RAW_VISITOR = (
    "CASE WHEN COALESCE(e.user_id, l.user_id) IS NOT NULL THEN 'u:' || COALESCE(e.user_id, l.user_id)"
    " ELSE 'a:' || e.anonymous_id END"
)


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime
    zone: ZoneInfo

    @property
    def since_ms(self) -> int:
        return int(self.since.timestamp() * 1000)

    @property
    def until_ms(self) -> int:
        return int(self.until.timestamp() * 1000)

    def local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, self.zone)


def window(*, since: datetime, until: datetime, time_zone: str) -> Window:
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidReportInput("timeZone", Text("tracking.time_zone", zone=repr(time_zone))) from None
    for name, moment in (("since", since), ("until", until)):
        if moment.tzinfo is None:
            raise InvalidReportInput(name, Text("tracking.needs_offset", field=name))
    if until <= since or until - since > MAX_RANGE:
        raise InvalidReportInput("until", Text("tracking.range", days=93))
    return Window(since, until, zone)


def event_name(field: str, value: str) -> str:
    if not value or len(value) > MAX_NAME:
        raise InvalidReportInput(field, Text("tracking.report_event_name", field=field, max=MAX_NAME))
    return value


@dataclass(frozen=True, slots=True)
class PageHour:
    page: str
    hour: datetime  # the local hour's start, with its offset
    page_views: int
    visitors: int


@dataclass(frozen=True, slots=True)
class PlacementClickThrough:
    placement: str
    exposures: int
    clicks: int  # clicks preceded by an exposure of the same placement to the same visitor

    @property
    def rate(self) -> float:
        return self.clicks / self.exposures if self.exposures else 0.0


@dataclass(frozen=True, slots=True)
class PageHourClickThrough:
    page: str
    hour: datetime
    exposures: int
    clicks: int  # as above, the click counted on its own page and hour

    @property
    def rate(self) -> float:
        return self.clicks / self.exposures if self.exposures else 0.0


@dataclass(frozen=True, slots=True)
class PageConversion:
    page: str
    visitors: int
    converted: int
    hour: datetime | None = None  # set when broken down per local hour

    @property
    def rate(self) -> float:
        return self.converted / self.visitors if self.visitors else 0.0


@dataclass(frozen=True, slots=True)
class FunnelStep:
    name: str
    visitors: int


@dataclass(frozen=True, slots=True)
class RetentionCohort:
    day: date
    visitors: int
    retained: list[tuple[int, int]]  # (N, visitors seen again on day N)


@dataclass(frozen=True, slots=True)
class _Query:
    """One report's SQL under construction: the dialect, its apps, and the values bound so far."""

    dialect: Dialect
    apps: list[str] | None
    values: list
    store: ClickHouseStore | None = None

    def bind(self, *values) -> str:
        self.values.extend(values)
        return ", ".join("?" for _ in values)

    def apps_clause(self, column: str) -> str:
        if self.apps is None:
            return ""
        return f" AND {column} IN ({self.bind(*self.apps)})" if self.apps else " AND 1 = 0"

    def names_clause(self, column: str, names: list[str] | None) -> str:
        return "" if names is None else f" AND {column} IN ({self.bind(*names)})"

    def buckets(self, lo: int, hi: int, names: list[str] | None, *, rollups: bool = True) -> str:
        """Rows (app_id, name, page, placement, anonymous_id, user_id, events, first_ms, last_ms)
        covering the events with ``lo <= event_ms < hi``: full hours from the rollup, the rest raw."""
        raw = (
            "SELECT e.app_id, e.name, COALESCE(e.page, '') AS page,"
            f" {self.dialect.placement_of('e')} AS placement, e.anonymous_id,"
            " COALESCE(e.user_id, '') AS user_id, 1 AS events, e.event_ms AS first_ms, e.event_ms AS last_ms"
        )
        rolled = (
            "SELECT h.app_id, h.name, h.page, h.placement, h.anonymous_id, h.user_id, h.events, h.first_ms,"
            " h.last_ms FROM tracking_hourly h"
        )
        return self._covering(lo, hi, names, rollups, raw, rolled)

    def device_hours(self, lo: int, hi: int, *, rollups: bool = True) -> str:
        """Rows (app_id, anonymous_id, user_id, first_ms): each device's hours, ``lo <= event_ms < hi``."""
        raw = "SELECT e.app_id, e.anonymous_id, COALESCE(e.user_id, '') AS user_id, e.event_ms AS first_ms"
        rolled = "SELECT h.app_id, h.anonymous_id, h.user_id, h.first_ms FROM tracking_device_hour h"
        return self._covering(lo, hi, None, rollups, raw, rolled)

    def _covering(self, lo: int, hi: int, names: list[str] | None, rollups: bool, raw: str, rolled: str) -> str:
        first_hour, last_hour = -(-lo // HOUR_MS) * HOUR_MS, hi // HOUR_MS * HOUR_MS
        if not rollups or not self.dialect.rollups or first_hour >= last_hour:
            first_hour = last_hour = hi
        parts = []
        if first_hour < last_hour:
            parts.append(f"{rolled} WHERE h.hour_ms >= {self.bind(first_hour)} AND h.hour_ms < {self.bind(last_hour)}"
                         + self.apps_clause("h.app_id") + self.names_clause("h.name", names))
        edges = [(a, b) for a, b in ((lo, first_hour), (last_hour, hi)) if a < b]
        if edges:
            spans = " OR ".join(f"(e.event_ms >= {self.bind(a)} AND e.event_ms < {self.bind(b)})" for a, b in edges)
            parts.append(f"{raw} FROM {self.dialect.events('e')} WHERE ({spans})"
                         + self.apps_clause("e.app_id") + self.names_clause("e.name", names))
        return " UNION ALL ".join(parts)

    def visited(self, buckets: str) -> str:
        """The buckets with the visitor behind each: the user, else the device's linked user, else the device."""
        return (f"SELECT b.*, {_VISITOR} AS visitor FROM ({buckets}) b"
                f" LEFT JOIN {self.dialect.links('l')} ON l.anonymous_id = b.anonymous_id")

    @property
    def shared(self) -> str:
        """How a CTE read more than once is declared: ClickHouse would otherwise run it at each
        reference (a funnel's steps read the one before: 23 s instead of 2 over 2 M events)."""
        return "AS MATERIALIZED" if self.dialect.clickhouse else "AS"

    def raw_visited(self) -> str:
        """The events ``e`` with their visitor, as ``FROM ... JOIN`` of a statement."""
        return f"{self.dialect.events('e')} LEFT JOIN {self.dialect.links('l')} ON l.anonymous_id = e.anonymous_id"

    def hour(self, zone: Offsets, ms: str) -> str:
        return zone.hour_start_sql(ms, self.dialect.div)

    def day(self, zone: Offsets, ms: str) -> str:
        return zone.day_sql(ms, self.dialect.div)

    async def rows(self, sql: str, *, limit: int | None = None) -> list[dict]:
        if limit is not None:
            sql += f" LIMIT {limit + 1}"
        if self.store is not None:
            rows = await self.store.query(sql, self.values)
        elif not self.dialect.postgres:
            rows = await connections.get("default").execute_query_dict(sql, self.values)
        else:
            async with in_transaction() as conn:
                # The planner's guesses about the rollup made it compile the statement (JIT), which
                # took longer than running it, and, with statistics behind, join CTEs row by row
                # (34 s instead of 0.5 s); the aggregations sort more than the default 4 MB. With
                # the goals or links underestimated it sorted millions of visits to merge-join
                # them with a few thousand rows, where hashing the few is a pass over the many
                # (conversion over 10 M events: 19 s, 11 s without merge joins).
                await conn.execute_script(
                    "SET LOCAL jit = off; SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off;"
                    f" SET LOCAL work_mem = '{REPORT_WORK_MEM}'"
                )
                rows = await conn.execute_query_dict(_numbered(sql), self.values)
        if limit is not None and len(rows) > limit:
            raise InvalidReportInput("until", Text("tracking.report_too_large", max=limit))
        return rows


def _query(apps: list[str] | None, store: ClickHouseStore | None) -> _Query:
    """A statement for the database, or for ClickHouse when ``store`` is given."""
    if store is not None:
        return _Query(Dialect(postgres=False, clickhouse_database=store.database), apps, [], store)
    return _Query(dialect_of(connections.get("default")), apps, [])


def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


def _zone(win: Window, until_ms: int | None = None) -> Offsets:
    return offsets(win.zone, win.since_ms, until_ms or win.until_ms)


async def page_views(*, win: Window, apps: list[str] | None, store: ClickHouseStore | None = None) -> list[PageHour]:
    q, zone = _query(apps, store), _zone(win)
    hour = q.hour(zone, "v.first_ms")
    buckets = q.buckets(win.since_ms, win.until_ms, ["$page"], rollups=zone.whole_hours)
    rows = await q.rows(
        f"SELECT v.page AS page, {hour} AS hour, SUM(v.events) AS pv, COUNT(DISTINCT v.visitor) AS uv"
        f" FROM ({q.visited(buckets)}) v GROUP BY 1, 2 ORDER BY 2, 1", limit=MAX_ROWS,
    )
    return [PageHour(r["page"], win.local(int(r["hour"])), int(r["pv"]), int(r["uv"])) for r in rows]


def _clicks_sql(q: _Query, exposure: str, click: str) -> str:
    """Per bucket of clicks, those preceded by the visitor's first exposure of the placement.

    A bucket wholly after that exposure counts whole, one wholly before it not at all; only a
    bucket the first exposure falls inside is counted event by event.
    """
    if not q.dialect.rollups:  # every bucket is one event: wholly after the exposure or not
        exact = "0"
    else:
        exact = (
            "SELECT COUNT(*) FROM tracking_event r WHERE r.name = v.name AND r.app_id = v.app_id"
            " AND r.anonymous_id = v.anonymous_id AND COALESCE(r.user_id, '') = v.user_id"
            f" AND COALESCE(r.page, '') = v.page AND {q.dialect.placement('r.properties')} = v.placement"
            " AND r.event_ms >= f.first_ms AND r.event_ms <= v.last_ms"
        )
    is_click = f"v.name = {q.bind(click)} AND v.name <> {q.bind(exposure)}"
    return (
        f"SUM(CASE WHEN NOT ({is_click}) OR f.first_ms IS NULL OR f.first_ms > v.last_ms THEN 0"
        f" WHEN f.first_ms <= v.first_ms THEN v.events ELSE ({exact}) END)"
    )


async def _click_rows(win: Window, apps: list[str] | None, exposure: str, click: str,
                      zone: Offsets | None, store: ClickHouseStore | None) -> list[dict]:
    """Exposures and followed clicks per placement, or (``zone`` given) per local hour and page."""
    q = _query(apps, store)  # values are bound in the order their marks appear in the statement
    keys = f"{q.hour(zone, 'v.first_ms')} AS hour, v.page AS page" if zone else "v.placement AS placement"
    buckets = q.buckets(win.since_ms, win.until_ms, [exposure, click], rollups=zone is None or zone.whole_hours)
    sql = (
        f"WITH v {q.shared} (SELECT * FROM ({q.visited(buckets)}) w WHERE w.placement <> ''),"
        f" f {q.shared} (SELECT visitor, placement, MIN(first_ms) AS first_ms FROM v WHERE name = {q.bind(exposure)}"
        " GROUP BY 1, 2)"
        f" SELECT {keys}, SUM(CASE WHEN v.name = {q.bind(exposure)} THEN v.events ELSE 0 END) AS exposures,"
        f" {_clicks_sql(q, exposure, click)} AS clicks"
        " FROM v LEFT JOIN f ON f.visitor = v.visitor AND f.placement = v.placement"
        f" GROUP BY {'1, 2 ORDER BY 1, 2' if zone else '1 ORDER BY 1'}"
    )
    return await q.rows(sql, limit=MAX_ROWS)


async def click_through(*, win: Window, apps: list[str] | None, exposure: str, click: str,
                        store: ClickHouseStore | None = None) -> list[PlacementClickThrough]:
    _check_pair(exposure, click)
    rows = await _click_rows(win, apps, exposure, click, None, store)
    return [PlacementClickThrough(r["placement"], int(r["exposures"]), int(r["clicks"]))
            for r in rows if r["exposures"]]


async def click_through_by_hour(*, win: Window, apps: list[str] | None, exposure: str, click: str,
                                store: ClickHouseStore | None = None) -> list[PageHourClickThrough]:
    """Exposures and followed clicks per page per local hour, each counted where it happened."""
    _check_pair(exposure, click)
    rows = await _click_rows(win, apps, exposure, click, _zone(win), store)
    return [PageHourClickThrough(r["page"], win.local(int(r["hour"])), int(r["exposures"]), int(r["clicks"]))
            for r in rows]


def _check_pair(exposure: str, click: str) -> None:
    event_name("exposureEvent", exposure)
    event_name("clickEvent", click)
    if exposure == click:
        raise InvalidReportInput("clickEvent", Text("tracking.click_is_exposure"))


async def conversion(*, win: Window, apps: list[str] | None, goal: str, within: timedelta,
                     by_hour: bool = False, store: ClickHouseStore | None = None) -> list[PageConversion]:
    """Per page (and local hour): visitors who viewed it, and those who reached ``goal`` within
    ``within`` after a view. ``within`` is at least an hour, so a rollup bucket (at most an hour
    wide) holds a qualifying view exactly when a goal falls in [first view, last view + within]."""
    event_name("goalEvent", goal)
    window_ms = int(within.total_seconds() * 1000)
    if window_ms < HOUR_MS:
        raise InvalidReportInput("withinHours", Text("tracking.conversion_window"))
    q, zone = _query(apps, store), _zone(win, win.until_ms + window_ms)
    hour = q.hour(zone, "w.first_ms") if by_hour else "0"
    views = q.buckets(win.since_ms, win.until_ms, ["$page"], rollups=not by_hour or zone.whole_hours)
    goals = f"SELECT e.event_ms AS event_ms, {_RAW_VISITOR} AS visitor FROM {q.raw_visited()}" \
            f" WHERE e.name = {q.bind(goal)} AND e.name <> '$page'" \
            f" AND e.event_ms >= {q.bind(win.since_ms)} AND e.event_ms < {q.bind(win.until_ms + window_ms)}" \
            + q.apps_clause("e.app_id")
    sql = (
        f"WITH v {q.shared} (SELECT w.page AS page, w.visitor AS visitor, w.first_ms AS first_ms, w.last_ms AS last_ms,"
        f" {hour} AS hour FROM ({q.visited(views)}) w),"
        f" g {q.shared} ({goals}),"
        f" c {q.shared} (SELECT DISTINCT v.page AS page, v.hour AS hour, v.visitor AS visitor FROM v"
        f" JOIN g ON g.visitor = v.visitor WHERE g.event_ms >= v.first_ms AND g.event_ms <= v.last_ms + {window_ms}),"
        " seen AS (SELECT page, hour, COUNT(DISTINCT visitor) AS visitors FROM v GROUP BY 1, 2),"
        " won AS (SELECT page, hour, COUNT(*) AS converted FROM c GROUP BY 1, 2)"
        " SELECT seen.page AS page, seen.hour AS hour, seen.visitors AS visitors,"
        " COALESCE(won.converted, 0) AS converted FROM seen"
        " LEFT JOIN won ON won.page = seen.page AND won.hour = seen.hour ORDER BY 2, 1"
    )
    rows = await q.rows(sql, limit=MAX_ROWS)
    return [PageConversion(r["page"], int(r["visitors"]), int(r["converted"]),
                           win.local(int(r["hour"])) if by_hour else None) for r in rows]


async def funnel(*, win: Window, apps: list[str] | None, steps: list[str], within: timedelta,
                 store: ClickHouseStore | None = None) -> list[FunnelStep]:
    """Visitors reaching each step, in order, all steps within ``within`` of the first.

    Events are ordered by time, then by storage order. A visitor reaches step k at an event of
    that name when an earlier event reached step k-1; of the chains that lead there only the
    latest start matters (it leaves the most of the window), so each step is one pass of a
    running maximum over the visitor's events, not a join of every start with every event.
    """
    if not 2 <= len(steps) <= 10:
        raise InvalidReportInput("steps", Text("tracking.funnel_steps"))
    for step in steps:
        event_name("steps", step)
    window_ms = int(within.total_seconds() * 1000)
    q = _query(apps, store)  # values are bound in the order their marks appear in the statement
    ev = (
        f"ev {q.shared} (SELECT {q.dialect.event_order('e')} AS id, e.name AS name, e.event_ms AS event_ms, {_RAW_VISITOR} AS visitor"
        f" FROM {q.raw_visited()}"
        f" WHERE e.event_ms >= {q.bind(win.since_ms)} AND e.event_ms < {q.bind(win.until_ms + window_ms)}"
        + q.apps_clause("e.app_id") + q.names_clause("e.name", sorted(set(steps))) + ")"
    )
    # s{k}: the events that reached step k, with the latest start of a chain reaching them
    levels = [f"s1 {q.shared} (SELECT visitor, id, event_ms, event_ms AS start_ms FROM ev"
              f" WHERE name = {q.bind(steps[0])} AND event_ms < {q.bind(win.until_ms)})"]
    for depth, step in enumerate(steps[1:], start=2):
        # an event that is also the earlier step (steps may repeat) sorts its own copy of that
        # step after it (reached 0 before 1), so no event follows itself
        running = ("MAX(start_ms) OVER (PARTITION BY visitor ORDER BY event_ms, id, reached"
                   " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)")
        levels.append(
            f"s{depth} {q.shared} (SELECT visitor, id, event_ms, latest AS start_ms FROM ("
            f"SELECT visitor, id, event_ms, reached, {running} AS latest FROM ("
            f"SELECT visitor, id, event_ms, start_ms, 1 AS reached FROM s{depth - 1}"
            f" UNION ALL SELECT visitor, id, event_ms, NULL, 0 FROM ev WHERE name = {q.bind(step)}) chain) ran"
            f" WHERE reached = 0 AND latest >= event_ms - {window_ms})"
        )
    counts = " UNION ALL ".join(f"SELECT {d} AS depth, COUNT(DISTINCT visitor) AS visitors FROM s{d}"
                                for d in range(1, len(steps) + 1))
    rows = await q.rows(f"WITH {ev}, {', '.join(levels)} {counts} ORDER BY 1")
    reached = {int(r["depth"]): int(r["visitors"]) for r in rows}
    return [FunnelStep(name, reached.get(depth, 0)) for depth, name in enumerate(steps, start=1)]


async def retention(*, win: Window, apps: list[str] | None, days: list[int],
                    store: ClickHouseStore | None = None) -> list[RetentionCohort]:
    """Visitors first seen on each local day of the window, and how many came back on day N."""
    if not days or len(set(days)) > MAX_RETENTION_DAYS or any(not 1 <= n <= 90 for n in days):
        raise InvalidReportInput("days", Text("tracking.retention_days"))
    horizon = win.until_ms + max(days) * 86_400_000 + 86_400_000
    q, zone = _query(apps, store), _zone(win, horizon)
    # the first event ever is exact in the per-device hours (first_ms), whatever the zone
    if q.dialect.rollups:
        everything = "SELECT h.app_id, h.anonymous_id, h.user_id, h.first_ms FROM tracking_device_hour h WHERE 1 = 1" \
            + q.apps_clause("h.app_id")
    else:  # ClickHouse: each device's first event, and its first of each local day, folded first
        device = "SELECT e.app_id AS app_id, e.anonymous_id AS anonymous_id, COALESCE(e.user_id, '') AS user_id," \
                 f" MIN(e.event_ms) AS first_ms FROM {q.dialect.events('e')}"
        everything = f"{device} WHERE 1 = 1" + q.apps_clause("e.app_id") + " GROUP BY 1, 2, 3"
    since, until = q.bind(win.since_ms), q.bind(win.until_ms)
    if q.dialect.rollups:
        active = q.device_hours(win.since_ms, horizon, rollups=zone.whole_hours)
    else:
        active = (f"{device} WHERE e.event_ms >= {q.bind(win.since_ms)} AND e.event_ms < {q.bind(horizon)}"
                  + q.apps_clause("e.app_id") + f" GROUP BY 1, 2, 3, {q.day(zone, 'e.event_ms')}")
    sql = (
        f"WITH firsts {q.shared} (SELECT v.visitor, MIN(v.first_ms) AS first_ms FROM ({q.visited(everything)}) v"
        f" GROUP BY v.visitor HAVING MIN(v.first_ms) >= {since} AND MIN(v.first_ms) < {until}),"
        f" cohort {q.shared} (SELECT visitor, {q.day(zone, 'first_ms')} AS day FROM firsts),"
        f" active {q.shared} (SELECT DISTINCT v.visitor AS visitor, {q.day(zone, 'v.first_ms')} AS day FROM ({q.visited(active)}) v"
        " JOIN firsts ON firsts.visitor = v.visitor)"
        " SELECT c.day AS day, 0 AS n, COUNT(*) AS visitors FROM cohort c GROUP BY c.day"
        f" UNION ALL SELECT c.day AS day, a.day - c.day AS n, COUNT(*) AS visitors FROM cohort c"
        f" JOIN active a ON a.visitor = c.visitor WHERE a.day - c.day IN ({q.bind(*sorted(set(days)))})"
        " GROUP BY c.day, a.day - c.day ORDER BY 1, 2"
    )
    rows = await q.rows(sql, limit=MAX_ROWS)
    sizes: dict[int, int] = {}
    back: dict[tuple[int, int], int] = {}
    for r in rows:
        day, n = int(r["day"]), int(r["n"])
        if n == 0:
            sizes[day] = int(r["visitors"])
        else:
            back[(day, n)] = int(r["visitors"])
    return [RetentionCohort(local_date(day), size, [(n, back.get((day, n), 0)) for n in days])
            for day, size in sorted(sizes.items())]


@dataclass(frozen=True, slots=True)
class EventCount:
    app_id: str  # "" for the super-app's own events
    name: str
    events: int
    visitors: int  # distinct users, or devices where no user is known
    vouched_users: int  # distinct users whose events were vouched for (token, bridge, partner-signed)


async def event_counts(*, win: Window, apps: list[str] | None) -> list[EventCount]:
    """How many of each event arrived in the window, per app, with distinct visitors and users."""
    q = _query(apps, None)
    rows = await q.rows(
        "SELECT e.app_id AS app_id, e.name AS name, COUNT(*) AS events,"
        f" COUNT(DISTINCT {_RAW_VISITOR}) AS visitors,"
        " COUNT(DISTINCT CASE WHEN e.vouched_by IN ('token', 'bridge', 'partner-signed') THEN e.user_id END)"
        f" AS vouched FROM {q.raw_visited()}"
        f" WHERE e.event_ms >= {q.bind(win.since_ms)} AND e.event_ms < {q.bind(win.until_ms)}"
        + q.apps_clause("e.app_id") + " GROUP BY e.app_id, e.name ORDER BY e.app_id, e.name",
        limit=MAX_ROWS,
    )
    return [EventCount(r["app_id"], r["name"], int(r["events"]), int(r["visitors"]), int(r["vouched"])) for r in rows]
