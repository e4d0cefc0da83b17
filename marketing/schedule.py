"""When a campaign shows: inside its window, and for a recurring one, within an occurrence
of its cron expression read in China Standard Time (``0 9 * * 1``: Mondays from 09:00 CST)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from infra.i18n import Text
from marketing.errors import ErrorCode, MarketingError

CST = ZoneInfo("Asia/Shanghai")
MAX_OCCURRENCE_MINUTES = 24 * 60


def checked_cron(expression: str | None, minutes: int | None) -> tuple[str | None, int | None]:
    """Five fields (minute hour day month weekday), or none at all with no duration."""
    if expression is None:
        if minutes is not None:
            raise MarketingError(ErrorCode.INVALID_CRON, Text("marketing.occurrence_needs_cron"), field="occurrenceMinutes")
        return None, None
    expression = " ".join(expression.split())
    if len(expression.split(" ")) != 5 or len(expression) > 64 or not croniter.is_valid(expression):
        raise MarketingError(ErrorCode.INVALID_CRON, Text("marketing.invalid_cron"), field="cron")
    if type(minutes) is not int or not 1 <= minutes <= MAX_OCCURRENCE_MINUTES:
        raise MarketingError(ErrorCode.INVALID_CRON, Text("marketing.occurrence_minutes", most=MAX_OCCURRENCE_MINUTES), field="occurrenceMinutes")
    return expression, minutes


def showing(*, starts_at: datetime, ends_at: datetime, cron: str | None, minutes: int | None, now: datetime) -> bool:
    if not starts_at <= now < ends_at:
        return False
    if cron is None:
        return True
    local = now.astimezone(CST)
    # An occurrence that began at or before now (croniter's get_prev is strictly before).
    began = croniter(cron, local + timedelta(seconds=1)).get_prev(datetime)
    return local < began + timedelta(minutes=minutes or 0)


def next_start(*, starts_at: datetime, ends_at: datetime, cron: str | None, now: datetime) -> datetime | None:
    """The next time the campaign begins showing after ``now``, or None if never again."""
    if now >= ends_at:
        return None
    if cron is None:
        return starts_at if now < starts_at else None
    start = max(now, starts_at).astimezone(CST)
    upcoming = croniter(cron, start).get_next(datetime)
    return upcoming if upcoming < ends_at else None
