"""Reports over stored events: PV/UV per page per hour, click-through, conversion, funnels,
retention. Hours and days are those of the time zone asked for, not UTC.

Rows are filtered and projected in SQL (the same statements on PostgreSQL and SQLite) and
counted here, except PV/UV per hour, which PostgreSQL groups itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from tortoise import connections

from infra.i18n import Text
from tracking.errors import InvalidReportInput

MAX_RANGE = timedelta(days=93)
_VISITOR = (
    "CASE WHEN COALESCE(e.user_id, l.user_id) IS NOT NULL THEN 'u:' || COALESCE(e.user_id, l.user_id)"
    " ELSE 'a:' || e.anonymous_id END"
)
_FROM = "FROM tracking_event e LEFT JOIN tracking_identity_link l ON l.anonymous_id = e.anonymous_id"


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
class PageConversion:
    page: str
    visitors: int
    converted: int

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


async def _rows(sql: str, values: list) -> list[dict]:
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        sql = _numbered(sql)
    return await client.execute_query_dict(sql, values)


def _filters(win: Window, apps: list[str] | None, names: list[str] | None = None,
             until_ms: int | None = None) -> tuple[str, list]:
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


async def page_views(*, win: Window, apps: list[str] | None) -> list[PageHour]:
    where, values = _filters(win, apps, ["$page"])
    if connections.get("default").capabilities.dialect == "postgres":  # the database groups by local hour
        rows = await _rows(
            f"SELECT e.page, date_trunc('hour', e.event_at AT TIME ZONE ?) AS hour,"
            f" count(*) AS pv, count(DISTINCT {_VISITOR}) AS uv {_FROM}{where} GROUP BY 1, 2 ORDER BY 2, 1",
            [win.zone.key, *values],
        )
        return [PageHour(r["page"], r["hour"].replace(tzinfo=win.zone), r["pv"], r["uv"]) for r in rows]
    hours: dict[tuple[str, datetime], list] = defaultdict(lambda: [0, set()])
    for row in await _rows(f"SELECT e.page, e.event_ms, {_VISITOR} AS visitor {_FROM}{where}", values):
        hour = win.local(row["event_ms"]).replace(minute=0, second=0, microsecond=0)
        bucket = hours[(row["page"], hour)]
        bucket[0] += 1
        bucket[1].add(row["visitor"])
    ordered = sorted(hours.items(), key=lambda item: (item[0][1], item[0][0]))
    return [PageHour(page, hour, pv, len(seen)) for (page, hour), (pv, seen) in ordered]


def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


async def click_through(*, win: Window, apps: list[str] | None, exposure: str, click: str) -> list[PlacementClickThrough]:
    where, values = _filters(win, apps, [exposure, click])
    rows = await _rows(
        f"SELECT e.name, e.event_ms, e.properties, {_VISITOR} AS visitor {_FROM}{where} ORDER BY e.event_ms", values
    )
    exposures: dict[str, int] = defaultdict(int)
    clicks: dict[str, int] = defaultdict(int)
    exposed: set[tuple[str, str]] = set()
    for row in rows:
        placement = _properties(row["properties"]).get("placement")
        if not isinstance(placement, str):
            continue
        if row["name"] == exposure:
            exposures[placement] += 1
            exposed.add((row["visitor"], placement))
        elif (row["visitor"], placement) in exposed:
            clicks[placement] += 1
    return [PlacementClickThrough(p, exposures[p], clicks[p]) for p in sorted(exposures)]


async def conversion(*, win: Window, apps: list[str] | None, goal: str, within: timedelta) -> list[PageConversion]:
    """Per page: visitors who viewed it, and those who reached ``goal`` within ``within`` after."""
    window_ms = int(within.total_seconds() * 1000)
    where, values = _filters(win, apps, ["$page", goal], until_ms=win.until_ms + window_ms)
    rows = await _rows(
        f"SELECT e.name, e.page, e.event_ms, {_VISITOR} AS visitor {_FROM}{where} ORDER BY e.event_ms", values
    )
    views: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    goals: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row["name"] == "$page":
            if row["event_ms"] < win.until_ms:
                views[row["page"]][row["visitor"]].append(row["event_ms"])
        else:
            goals[row["visitor"]].append(row["event_ms"])
    result = []
    for page in sorted(views):
        converted = sum(
            1 for visitor, seen in views[page].items()
            if any(0 <= g - s <= window_ms for s in seen for g in goals.get(visitor, ()))
        )
        result.append(PageConversion(page, len(views[page]), converted))
    return result


async def funnel(*, win: Window, apps: list[str] | None, steps: list[str], within: timedelta) -> list[FunnelStep]:
    """Visitors reaching each step, in order, all steps within ``within`` of the first."""
    if not 2 <= len(steps) <= 10:
        raise InvalidReportInput("steps", Text("tracking.funnel_steps"))
    window_ms = int(within.total_seconds() * 1000)
    where, values = _filters(win, apps, sorted(set(steps)), until_ms=win.until_ms + window_ms)
    rows = await _rows(
        f"SELECT e.name, e.event_ms, {_VISITOR} AS visitor {_FROM}{where} ORDER BY e.event_ms", values
    )
    journeys: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        journeys[row["visitor"]].append((row["event_ms"], row["name"]))
    reached = [0] * len(steps)
    for journey in journeys.values():
        depth = _deepest(journey, steps, window_ms, win.until_ms)
        for i in range(depth):
            reached[i] += 1
    return [FunnelStep(name, count) for name, count in zip(steps, reached, strict=True)]


def _deepest(journey: list[tuple[int, str]], steps: list[str], window_ms: int, start_before: int) -> int:
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
        if best == len(steps):
            break
    return best


async def retention(*, win: Window, apps: list[str] | None, days: list[int]) -> list[RetentionCohort]:
    """Visitors first seen on each day of the window, and how many came back on day N."""
    if not days or any(not 1 <= n <= 90 for n in days):
        raise InvalidReportInput("days", Text("tracking.retention_days"))
    app_filter, app_values = "", []
    if apps is not None:
        app_filter = f" WHERE e.app_id IN ({', '.join('?' for _ in apps)})" if apps else " WHERE 1 = 0"
        app_values = list(apps)
    firsts = await _rows(
        f"SELECT visitor, MIN(event_ms) AS first_ms FROM (SELECT {_VISITOR} AS visitor, e.event_ms {_FROM}{app_filter}) v"
        " GROUP BY visitor HAVING MIN(event_ms) >= ? AND MIN(event_ms) < ?",
        [*app_values, win.since_ms, win.until_ms],
    )
    cohorts: dict[date, set[str]] = defaultdict(set)
    first_day: dict[str, date] = {}
    for row in firsts:
        day = win.local(row["first_ms"]).date()
        cohorts[day].add(row["visitor"])
        first_day[row["visitor"]] = day
    horizon = win.until_ms + max(days) * 86_400_000 + 86_400_000
    where, values = _filters(win, apps, until_ms=horizon)
    active: dict[str, set[date]] = defaultdict(set)
    for row in await _rows(f"SELECT {_VISITOR} AS visitor, e.event_ms {_FROM}{where}", values):
        if row["visitor"] in first_day:
            active[row["visitor"]].add(win.local(row["event_ms"]).date())
    return [
        RetentionCohort(
            day, len(members),
            [(n, sum(1 for v in members if day + timedelta(days=n) in active[v])) for n in days],
        )
        for day, members in sorted(cohorts.items())
    ]


def _properties(value) -> dict:
    if isinstance(value, (str, bytes)):
        value = orjson.loads(value)
    return value if isinstance(value, dict) else {}
