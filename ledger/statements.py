"""An account's statement: its postings newest first a page at a time, or a period of whole days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from infra.i18n import Text
from infra.masking import mask_card_number
from ledger import errors
from ledger.limits import CHINA_STANDARD_TIME
from ledger.models import Account, Posting

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class StatementLine:
    posting_id: int
    entry_id: int
    amount: int
    balance_after: int
    kind: str
    memo: str
    created_at: datetime
    reverses_entry_id: int | None


@dataclass(frozen=True, slots=True)
class StatementPage:
    lines: list[StatementLine]
    has_more: bool


async def statement(
    *, account_id: int, owner_user_id: int | None, first: int, before_posting_id: int | None = None
) -> StatementPage:
    """Up to ``first`` postings older than ``before_posting_id``; another customer's account is not found."""
    if not 1 <= first <= MAX_PAGE:
        raise errors.InvalidRequest(Text("ledger.page_size", max=MAX_PAGE), field="first")
    owner = {"owner_user_id": owner_user_id} if owner_user_id is not None else {}
    if not await Account.exists(id=account_id, **owner):
        raise errors.AccountNotFound(account_id)
    query = Posting.filter(account_id=account_id)
    if before_posting_id is not None:
        query = query.filter(id__lt=before_posting_id)
    rows = await query.order_by("-id").limit(first + 1).select_related("entry")
    lines = [_line(p) for p in rows[:first]]
    return StatementPage(lines=lines, has_more=len(rows) > first)


@dataclass(frozen=True, slots=True)
class StatementPeriod:
    """An account's statement for whole days (China Standard Time), oldest line first.

    Only masked identifiers: the holder's name as ``张*``, the account or card number as its
    first 6 and last 4 digits.
    """

    account_kind: str
    account_name: str
    masked_number: str
    holder_masked_name: str | None
    start: date
    end: date
    opening_balance: int
    closing_balance: int
    total_in: int
    total_out: int
    lines: list[StatementLine]
    generated_at: datetime


async def statement_period(
    *, account_id: int, owner_user_id: int, start: date, end: date, max_days: int, max_lines: int,
    holder_masked_name: str | None, now: datetime,
) -> StatementPeriod:
    """The postings of ``start`` to ``end`` (both included); another customer's account is not found."""
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        raise errors.InvalidRequest(Text("ledger.period_order"), field="to")
    if (end - start).days + 1 > max_days:
        raise errors.InvalidRequest(Text("ledger.period_length", days=max_days), field="to")
    if start > now.astimezone(CHINA_STANDARD_TIME).date():
        raise errors.InvalidRequest(Text("ledger.period_in_future"), field="from")
    account = await Account.get_or_none(id=account_id, owner_user_id=owner_user_id)
    if account is None:
        raise errors.AccountNotFound(account_id)
    since = _midnight(start)
    until = _midnight(end + timedelta(days=1))
    before = await Posting.filter(account_id=account_id, created_at__lt=since).order_by("-id").first()
    rows = await (Posting.filter(account_id=account_id, created_at__gte=since, created_at__lt=until)
                  .order_by("id").limit(max_lines + 1).select_related("entry"))
    if len(rows) > max_lines:
        raise errors.StatementTooLarge(max_lines=max_lines)
    lines = [_line(p) for p in rows]
    opening = before.balance_after if before is not None else 0
    return StatementPeriod(
        account_kind=account.kind.value, account_name=account.name,
        masked_number=account.card_masked or (mask_card_number(account.number) if account.number else ""),
        holder_masked_name=holder_masked_name, start=start, end=end, opening_balance=opening,
        closing_balance=lines[-1].balance_after if lines else opening,
        total_in=sum(line.amount for line in lines if line.amount > 0),
        total_out=-sum(line.amount for line in lines if line.amount < 0),
        lines=lines, generated_at=now,
    )


def _midnight(day: date) -> datetime:
    # Stored timestamps are UTC (SQLite compares them as text).
    return datetime.combine(day, time(0), CHINA_STANDARD_TIME).astimezone(timezone.utc)


def _line(p: Posting) -> StatementLine:
    return StatementLine(
        posting_id=p.id, entry_id=p.entry_id, amount=p.amount, balance_after=p.balance_after,
        kind=p.entry.kind, memo=p.entry.memo, created_at=p.created_at, reverses_entry_id=p.entry.reverses_id,
    )
