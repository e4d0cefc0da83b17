"""Class II outbound limits (PBOC rules for non-face-to-face Class II accounts).

Consumption and outbound transfers count together; days and years are counted in
China Standard Time, which is UTC+8 all year (no daylight saving since 1991).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.functions import Sum

from ledger import errors
from ledger.models import Posting

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
YUAN = 100  # fen


@dataclass(frozen=True, slots=True)
class ClassTwoLimits:
    per_transaction: int = 10_000 * YUAN
    daily: int = 10_000 * YUAN
    yearly: int = 200_000 * YUAN

    def __post_init__(self) -> None:
        for name in ("per_transaction", "daily", "yearly"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"the Class II {name} limit must be a positive number of fen")


@dataclass(frozen=True, slots=True)
class Allowance:
    """What a Class II account may still send: in one transaction, today and this year."""

    per_transaction: int
    daily_remaining: int
    yearly_remaining: int

    @property
    def next_transaction(self) -> int:
        return min(self.per_transaction, self.daily_remaining, self.yearly_remaining)


def window_starts(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of this year in Shanghai, as aware datetimes."""
    local = now.astimezone(CHINA_STANDARD_TIME)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(month=1, day=1)


async def _outflow_since(account_id: int, since: datetime) -> int:
    # In UTC like every stored timestamp: SQLite compares them as text.
    since = since.astimezone(timezone.utc)
    rows = await (
        Posting.filter(account_id=account_id, counts_toward_limits=True, created_at__gte=since)
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )
    return -int(rows[0] or 0) if rows else 0


async def allowance(*, account_id: int, limits: ClassTwoLimits, now: datetime) -> Allowance:
    day_start, year_start = window_starts(now)
    yearly_used = await _outflow_since(account_id, year_start)
    daily_used = await _outflow_since(account_id, day_start)
    return _left(limits, daily_used, yearly_used)


async def allowances(*, account_ids: list[int], limits: ClassTwoLimits, now: datetime) -> dict[int, Allowance]:
    """The allowance of many Class II accounts in two grouped queries (for list screens)."""
    day_start, year_start = window_starts(now)
    used = {}
    for since in (day_start, year_start):
        rows = await (
            Posting.filter(account_id__in=account_ids, counts_toward_limits=True,
                           created_at__gte=since.astimezone(timezone.utc))
            .group_by("account_id")
            .annotate(total=Sum("amount"))
            .values_list("account_id", "total")
        )
        used[since] = {account_id: -int(total or 0) for account_id, total in rows}
    return {
        account_id: _left(limits, used[day_start].get(account_id, 0), used[year_start].get(account_id, 0))
        for account_id in account_ids
    }


def _left(limits: ClassTwoLimits, daily_used: int, yearly_used: int) -> Allowance:
    return Allowance(
        per_transaction=limits.per_transaction,
        daily_remaining=max(limits.daily - daily_used, 0),
        yearly_remaining=max(limits.yearly - yearly_used, 0),
    )


async def check_outflow(*, account_id: int, amount: int, limits: ClassTwoLimits, now: datetime) -> None:
    """Raise LimitExceeded naming the first limit that ``amount`` more would pass."""
    if amount > limits.per_transaction:
        raise errors.LimitExceeded(
            account_id=account_id, limit="per_transaction",
            limit_amount=limits.per_transaction, remaining=limits.per_transaction,
        )
    left = await allowance(account_id=account_id, limits=limits, now=now)
    if amount > left.daily_remaining:
        raise errors.LimitExceeded(
            account_id=account_id, limit="daily", limit_amount=limits.daily, remaining=left.daily_remaining
        )
    if amount > left.yearly_remaining:
        raise errors.LimitExceeded(
            account_id=account_id, limit="yearly", limit_amount=limits.yearly, remaining=left.yearly_remaining
        )
