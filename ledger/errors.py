"""What can go wrong when money moves, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar

from infra.i18n import Text, yuan


class LedgerError(Exception):
    message = Text("ledger.error")

    def __init__(self, message: Text | None = None) -> None:
        super().__init__(message or self.message)


class InvalidRequest(LedgerError):
    """An argument is malformed; ``field`` names it."""

    def __init__(self, message: Text, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DeclineCode(str, Enum):
    """Why a movement was declined: stored with the decline, so these values never change."""

    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    ALREADY_REVERSED = "ALREADY_REVERSED"


class Declined(LedgerError):
    """Refused because of the accounts' state when the request ran (not its shape).

    A declined request is remembered under its idempotency key with its ``code``: a retry
    with the same key and request gets the same refusal, even if the state changed since
    (money arrived, an account was unfrozen). A new attempt takes a new key. ``detail``
    rebuilds the error.
    """

    code: ClassVar[DeclineCode]
    detail_fields: tuple[str, ...] = ()

    def detail(self) -> dict:
        return {name: getattr(self, name) for name in self.detail_fields}


class AccountNotFound(Declined):
    code = DeclineCode.ACCOUNT_NOT_FOUND
    detail_fields = ("account_id",)

    def __init__(self, account_id: int | None = None) -> None:
        super().__init__(Text("ledger.no_such_account"))
        self.account_id = account_id


class PayeeNotFound(LedgerError):
    """The person paid has no open Class II account to receive money."""

    message = Text("ledger.payee_not_found")


class EntryNotFound(LedgerError):
    message = Text("ledger.entry_not_found")


class AccountFrozen(Declined):
    code = DeclineCode.ACCOUNT_FROZEN
    detail_fields = ("account_id",)

    def __init__(self, account_id: int) -> None:
        super().__init__(Text("ledger.account_frozen"))
        self.account_id = account_id


class AccountClosed(Declined):
    code = DeclineCode.ACCOUNT_CLOSED
    detail_fields = ("account_id",)

    def __init__(self, account_id: int) -> None:
        super().__init__(Text("ledger.account_closed"))
        self.account_id = account_id


class BalanceNotZero(LedgerError):
    def __init__(self, account_id: int, balance: int) -> None:
        super().__init__(Text("ledger.balance_not_zero", balance=yuan(balance)))
        self.account_id = account_id
        self.balance = balance


class InsufficientFunds(Declined):
    code = DeclineCode.INSUFFICIENT_FUNDS
    detail_fields = ("account_id", "balance", "requested")

    def __init__(self, account_id: int, *, balance: int, requested: int) -> None:
        super().__init__(Text("ledger.insufficient_funds", balance=yuan(balance), requested=yuan(requested)))
        self.account_id = account_id
        self.balance = balance
        self.requested = requested


class LimitExceeded(Declined):
    """A Class II limit would be passed: ``limit`` is per_transaction, daily or yearly."""

    code = DeclineCode.LIMIT_EXCEEDED
    detail_fields = ("account_id", "limit", "limit_amount", "remaining")

    def __init__(self, *, account_id: int, limit: str, limit_amount: int, remaining: int) -> None:
        super().__init__(_limit_message(limit, limit=yuan(limit_amount), remaining=yuan(remaining)))
        self.account_id = account_id
        self.limit = limit
        self.limit_amount = limit_amount
        self.remaining = remaining


def _limit_message(kind: str, *, limit: str, remaining: str) -> Text:
    if kind == "daily":
        return Text("ledger.limit_daily", limit=limit, remaining=remaining)
    if kind == "yearly":
        return Text("ledger.limit_yearly", limit=limit, remaining=remaining)
    return Text("ledger.limit_per_transaction", limit=limit)


class IdempotencyConflict(LedgerError):
    def __init__(self, idempotency_key: str) -> None:
        super().__init__(Text("ledger.idempotency_conflict"))
        self.idempotency_key = idempotency_key


class AlreadyReversed(Declined):
    code = DeclineCode.ALREADY_REVERSED
    message = Text("ledger.already_reversed")


class DebitNotAllowed(LedgerError):
    """An internal service asked to take money out of a customer's account: only they can."""

    def __init__(self, account_id: int) -> None:
        super().__init__(Text("ledger.debit_not_allowed"))
        self.account_id = account_id


class StepUpRequired(LedgerError):
    """The customer must confirm with the payment PIN before this moves.

    ``each_payment``: paying someone else needs the PIN typed for this payment; a transfer
    between their own accounts above ``above_amount`` fen accepts one entered in the last
    few minutes of the same session.
    """

    def __init__(self, *, above_amount: int, each_payment: bool) -> None:
        super().__init__(Text("ledger.step_up_each_payment") if each_payment else Text("ledger.step_up_amount"))
        self.above_amount = above_amount
        self.each_payment = each_payment


class InsideCallersTransaction(RuntimeError):
    """A movement was asked for inside the caller's own transaction.

    The ledger commits each movement itself, so that a decline stays remembered even when
    the caller's work fails; the caller's rows go in through ``also_write`` instead.
    """

    def __init__(self) -> None:
        super().__init__("the ledger runs each movement in its own transaction: pass your rows as also_write")


class InvalidCardNumber(LedgerError):
    message = Text("ledger.invalid_card_number")


class CardAlreadyBound(LedgerError):
    message = Text("ledger.card_already_bound")


class PinNotSet(LedgerError):
    message = Text("ledger.pin_not_set")


class WrongPin(LedgerError):
    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(Text("ledger.wrong_pin") if attempts_left else Text("ledger.wrong_pin_locked"))
        self.attempts_left = attempts_left


class PinLocked(LedgerError):
    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("ledger.pin_locked"))
        self.retry_after_seconds = retry_after_seconds


def declined_from(code: str, detail: dict) -> Declined:
    """The error a remembered decline (its ``code`` and ``detail()``) stands for."""
    kinds = {kind.code: kind for kind in Declined.__subclasses__()}
    return kinds[DeclineCode(code)](**detail)
