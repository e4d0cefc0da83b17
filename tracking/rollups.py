"""The hourly rollups (``tracking_hourly``, ``tracking_device_hour``) and the SQL that differs between PostgreSQL and SQLite.

A rollup row counts one device's (and user's) events of one name on one page and placement
in one UTC hour. Reports read full hours from it and the partial hours at a window's edges
from the events themselves, in the same shape (see ``tracking.reports``).
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
_KEY = "hour_ms, app_id, name, page, placement, anonymous_id, user_id"
_DEVICE_KEY = "hour_ms, app_id, anonymous_id, user_id"


@dataclass(frozen=True, slots=True)
class Dialect:
    postgres: bool
    clickhouse_database: str | None = None  # set: the statement runs on ClickHouse (no rollups there)

    @property
    def clickhouse(self) -> bool:
        return self.clickhouse_database is not None

    @property
    def rollups(self) -> bool:
        return not self.clickhouse

    def div(self, value: str, by: int) -> str:
        """Integer division (ClickHouse's ``/`` answers a float)."""
        return f"intDiv({value}, {by})" if self.clickhouse else f"({value}) / {by}"

    def events(self, alias: str) -> str:
        """The events table; on ClickHouse FINAL, so a row not merged yet still counts once."""
        if self.clickhouse:
            return f"{self.clickhouse_database}.tracking_event AS {alias} FINAL"
        return f"tracking_event {alias}"

    def event_order(self, alias: str) -> str:
        """What orders events of one millisecond: the id; ClickHouse keeps its hash only."""
        return f"{alias}.event_key" if self.clickhouse else f"{alias}.event_id"

    def links(self, alias: str) -> str:
        if self.clickhouse:
            return f"(SELECT anonymous_id, user_id FROM {self.clickhouse_database}.tracking_identity_link FINAL) {alias}"
        return f"tracking_identity_link {alias}"

    def placement_of(self, alias: str) -> str:
        """The placement of the event row ``alias`` (ClickHouse stores it as a column)."""
        return f"{alias}.placement" if self.clickhouse else self.placement(f"{alias}.properties")

    def placement(self, properties: str) -> str:
        """``properties.placement`` when it is a string (at most 256 characters), else ''."""
        if self.postgres:
            value = f"CASE WHEN jsonb_typeof({properties}->'placement') = 'string' THEN {properties}->>'placement' END"
        else:
            value = f"CASE WHEN json_type({properties}, '$.placement') = 'text' THEN json_extract({properties}, '$.placement') END"
        return f"COALESCE(substr({value}, 1, 256), '')"

    def rollup_from(self, source: str) -> str:
        """Add the events of ``source`` (rows shaped like tracking_event) to the rollup."""
        least, greatest = ("LEAST", "GREATEST") if self.postgres else ("min", "max")
        return (
            f"INSERT INTO tracking_hourly ({_KEY}, events, first_ms, last_ms)"
            f" SELECT (x.event_ms / {HOUR_MS}) * {HOUR_MS}, x.app_id, x.name, COALESCE(x.page, ''),"
            f" {self.placement('x.properties')}, x.anonymous_id, COALESCE(x.user_id, ''),"
            f" COUNT(*), MIN(x.event_ms), MAX(x.event_ms)"
            f" FROM {source} x WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"
            f" ON CONFLICT ({_KEY}) DO UPDATE SET events = tracking_hourly.events + excluded.events,"
            f" first_ms = {least}(tracking_hourly.first_ms, excluded.first_ms),"
            f" last_ms = {greatest}(tracking_hourly.last_ms, excluded.last_ms)"
        )


    def device_hours_from(self, source: str) -> str:
        """Add the events of ``source`` to the per-device hours."""
        least = "LEAST" if self.postgres else "min"
        return (
            f"INSERT INTO tracking_device_hour ({_DEVICE_KEY}, events, first_ms)"
            f" SELECT (x.event_ms / {HOUR_MS}) * {HOUR_MS}, x.app_id, x.anonymous_id, COALESCE(x.user_id, ''),"
            f" COUNT(*), MIN(x.event_ms) FROM {source} x WHERE 1 = 1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            f" ON CONFLICT ({_DEVICE_KEY}) DO UPDATE SET events = tracking_device_hour.events + excluded.events,"
            f" first_ms = {least}(tracking_device_hour.first_ms, excluded.first_ms)"
        )


def dialect_of(client) -> Dialect:
    return Dialect(postgres=client.capabilities.dialect == "postgres")


async def rebuild(client) -> None:
    """Recount the rollup from every stored event (the migration that creates it, repairs)."""
    dialect = dialect_of(client)
    await client.execute_script("DELETE FROM tracking_hourly")
    await client.execute_script("DELETE FROM tracking_device_hour")
    await client.execute_script(dialect.rollup_from("tracking_event"))
    await client.execute_script(dialect.device_hours_from("tracking_event"))
