"""A time zone's UTC offsets over a span of time, as SQL both PostgreSQL and SQLite evaluate.

SQLite knows no time zones, so reports turn epoch milliseconds into local hours and days with
an expression built here: the offsets in force over the span, switched at each transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tracking.rollups import DAY_MS, HOUR_MS

_STEP = timedelta(minutes=15)
Division = Callable[[str, int], str]  # SQL of an integer division, per dialect


def _divide(value: str, by: int) -> str:
    return f"({value}) / {by}"

  # every transition of the tz database falls on a quarter hour


@dataclass(frozen=True, slots=True)
class Offsets:
    """(from_ms, offset_ms) pieces: the offset in force from ``from_ms`` until the next piece."""

    pieces: tuple[tuple[int, int], ...]

    @property
    def whole_hours(self) -> bool:
        """Local hours are UTC hours (shifted): the hourly rollup answers for this zone."""
        return all(offset % HOUR_MS == 0 and start % HOUR_MS == 0 for start, offset in self.pieces[1:]) and \
            self.pieces[0][1] % HOUR_MS == 0

    def offset_sql(self, ms: str) -> str:
        first, *rest = self.pieces
        if not rest:
            return str(first[1])
        cases = " ".join(f"WHEN {ms} < {start} THEN {prev}" for (start, _), (_, prev) in zip(rest, self.pieces, strict=False))
        return f"(CASE {cases} ELSE {rest[-1][1]} END)"

    def hour_start_sql(self, ms: str, div: Division = _divide) -> str:
        """The UTC instant (ms) at which the local hour holding ``ms`` began."""
        offset = self.offset_sql(ms)
        return f"({div(f'{ms} + {offset}', HOUR_MS)} * {HOUR_MS} - {offset})"

    def day_sql(self, ms: str, div: Division = _divide) -> str:
        """The local day holding ``ms``, as days since 1970-01-01."""
        return f"({div(f'{ms} + {self.offset_sql(ms)}', DAY_MS)})"


def offsets(zone: ZoneInfo, since_ms: int, until_ms: int) -> Offsets:
    """The offsets of ``zone`` between the two instants (a day of margin either side)."""
    moment = datetime.fromtimestamp(since_ms / 1000 - 86_400, UTC).replace(second=0, microsecond=0)
    moment -= timedelta(minutes=moment.minute % 15)
    end = datetime.fromtimestamp(until_ms / 1000 + 86_400, UTC)
    pieces = [(0, _offset_ms(zone, moment))]
    while moment < end:
        moment += _STEP
        offset = _offset_ms(zone, moment)
        if offset != pieces[-1][1]:
            pieces.append((int(moment.timestamp() * 1000), offset))
    return Offsets(tuple(pieces))


def _offset_ms(zone: ZoneInfo, moment: datetime) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds() * 1000) if delta is not None else 0


def local_date(day: int) -> date:
    """The date of ``day_sql``'s answer."""
    return date(1970, 1, 1) + timedelta(days=day)
