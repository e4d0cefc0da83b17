"""Accounts, statements and the money-moving results as the client sees them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import NewType

import strawberry

from bff.context import Context, Info
from ledger.kinds import AccountKind as DomainAccountKind
from ledger.kinds import AccountStatus as DomainAccountStatus
from ledger.models import Account as AccountRow
from ledger.service import Allowance, StatementLine, account_number


def _parse_fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("an amount is a whole number of fen")
    return value


Fen = NewType("Fen", int)
# Not GraphQL's Int: that stops at 2^31 fen (about 21 million yuan).
SCALARS = {
    Fen: strawberry.scalar(
        name="Fen",
        serialize=int,
        parse_value=_parse_fen,
        description="An amount of money in fen (1/100 yuan) as a JSON integer; never a float.",
    )
}

AccountKind = strawberry.enum(DomainAccountKind, name="AccountKind")
AccountStatus = strawberry.enum(DomainAccountStatus, name="AccountStatus")


@strawberry.enum
class LimitKind(Enum):
    PER_TRANSACTION = "per_transaction"
    DAILY = "daily"
    YEARLY = "yearly"


@strawberry.type(description="What a Class II account may still send out.")
class AccountLimits:
    per_transaction: Fen
    daily_remaining: Fen
    yearly_remaining: Fen

    @classmethod
    def of(cls, allowance: Allowance) -> AccountLimits:
        return cls(
            per_transaction=allowance.per_transaction,
            daily_remaining=allowance.daily_remaining,
            yearly_remaining=allowance.yearly_remaining,
        )


async def limits_by_account(context: Context, ids: Sequence[int]) -> list[AccountLimits | None]:
    """Class II allowances of the requested accounts in two grouped queries."""
    found = await context.runtime.ledger.allowances(account_ids=list(ids))
    return [AccountLimits.of(found[i]) if i in found else None for i in ids]


@strawberry.type
class Account:
    id: strawberry.ID
    kind: AccountKind
    name: str
    currency: str
    balance: Fen
    status: AccountStatus
    masked_card_number: str | None = strawberry.field(
        description="Class I only: the bound card as its first 6 and last 4 digits."
    )
    account_number: str | None = strawberry.field(
        description="Class II only: the number other banks send money to (19 digits)."
    )
    created_at: datetime
    _class_two: strawberry.Private[bool]

    @classmethod
    def of(cls, row: AccountRow) -> Account:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            name=row.name,
            currency=row.currency,
            balance=row.balance,
            status=row.status,
            masked_card_number=row.card_masked,
            account_number=account_number(row.id) if row.kind is DomainAccountKind.CLASS_TWO else None,
            created_at=row.created_at,
            _class_two=row.kind is DomainAccountKind.CLASS_TWO,
        )

    @strawberry.field(description="Class II only: what may still be sent now, today and this year.")
    async def available_limits(self, info: Info) -> AccountLimits | None:
        if not self._class_two:
            return None
        return await info.context.loader(limits_by_account).load(int(self.id))


@strawberry.type(description="One posting on the account: negative amounts went out.")
class AccountTransaction:
    id: strawberry.ID
    entry_id: strawberry.ID
    kind: str
    memo: str
    amount: Fen
    balance_after: Fen
    created_at: datetime
    reverses_entry_id: strawberry.ID | None

    @classmethod
    def of(cls, line: StatementLine) -> AccountTransaction:
        return cls(
            id=strawberry.ID(str(line.posting_id)),
            entry_id=strawberry.ID(str(line.entry_id)),
            kind=line.kind,
            memo=line.memo,
            amount=line.amount,
            balance_after=line.balance_after,
            created_at=line.created_at,
            reverses_entry_id=strawberry.ID(str(line.reverses_entry_id)) if line.reverses_entry_id else None,
        )


@strawberry.type
class AccountTransactionEdge:
    cursor: str
    node: AccountTransaction


@strawberry.type
class TransactionPageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="Newest first; pass `pageInfo.endCursor` as `after` for the next page.")
class AccountTransactionConnection:
    edges: list[AccountTransactionEdge]
    page_info: TransactionPageInfo


def account_id_of(raw: str) -> int | None:
    """An account id from the client, or None when it cannot be one."""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def encode_cursor(posting_id: int) -> str:
    return base64.urlsafe_b64encode(f"posting:{posting_id}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        return int(value) if kind == "posting" and value.isdigit() else None
    except (ValueError, UnicodeError):
        return None


@strawberry.input
class TransferInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Fen
    idempotency_key: str = strawberry.field(
        description="Chosen by the client per transfer, 8-64 characters; a retry reuses it."
    )
    memo: str = ""


@strawberry.type
class TransferSucceeded:
    entry_id: strawberry.ID
    replayed: bool = strawberry.field(description="True when this was a retry of a transfer already made.")
    from_account: Account
    to_account: Account


@strawberry.type
class PaymentPinSet:
    ok: bool


@strawberry.type(description="The PIN is confirmed: amounts above the step-up threshold are allowed for a while.")
class StepUpGranted:
    expires_in_seconds: int


@strawberry.type
class CardBound:
    account: Account


@strawberry.type
class AccountUpdated:
    account: Account
