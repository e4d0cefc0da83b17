"""Accounts, statements and the money-moving results as the client sees them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import NewType

import strawberry

from bff.context import Context, Info
from bff.ids import record_id_field
from ledger.kinds import AccountKind as DomainAccountKind
from ledger.kinds import AccountStatus as DomainAccountStatus
from ledger.models import Account as AccountRow
from ledger.service import Allowance, StatementLine


def _parse_fen(value: object) -> int | float:
    # A JSON number that is not a whole number of fen (12.5) reaches the mutation, which
    # answers it with its own typed error (InvalidAmount NOT_WHOLE_FEN) instead of a
    # request-level coercion error; anything that is not a number is refused here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("an amount is a number of fen")
    return value


Fen = NewType("Fen", int)
# Not GraphQL's Int: that stops at 2^31 fen (about 21 million yuan).
SCALARS = {
    Fen: strawberry.scalar(
        name="Fen",
        serialize=int,
        parse_value=_parse_fen,
        description="An amount of money in fen (1/100 yuan) as a JSON integer; never a float (an input that is "
                    "not a whole number of fen is answered with InvalidAmount).",
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


async def available_by_account(context: Context, ids: Sequence[int]) -> list[int]:
    found = await context.runtime.ledger.available_balances(account_ids=list(ids))
    return [found[i] for i in ids]


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
        description="Class II: the 19-digit number others pay it by (shown to its owner in full)."
    )
    created_at: datetime
    _class_two: strawberry.Private[bool]
    _held: strawberry.Private[int]

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
            account_number=row.number,
            created_at=row.created_at,
            _class_two=row.kind is DomainAccountKind.CLASS_TWO,
            _held=row.held,
        )

    @strawberry.field(description="What may leave the account now: its balance less its active holds.")
    async def available(self, info: Info) -> Fen:
        if not self._held:
            return self.balance
        return await info.context.loader(available_by_account).load(int(self.id))

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
    from_account_id: int = record_id_field()
    to_account_id: int = record_id_field()
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
