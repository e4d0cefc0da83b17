"""An account's statement: its postings, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from infra.i18n import Text
from ledger import errors
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
    lines = [
        StatementLine(
            posting_id=p.id, entry_id=p.entry_id, amount=p.amount, balance_after=p.balance_after,
            kind=p.entry.kind, memo=p.entry.memo, created_at=p.created_at, reverses_entry_id=p.entry.reverses_id,
        )
        for p in rows[:first]
    ]
    return StatementPage(lines=lines, has_more=len(rows) > first)
