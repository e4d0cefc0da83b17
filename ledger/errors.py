"""What can go wrong when money moves, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar


class LedgerError(Exception):
    message = "ledger error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidRequest(LedgerError):
    """An argument is malformed; ``field`` names it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AmountProblem(str, Enum):
    ZERO = "ZERO"
    NEGATIVE = "NEGATIVE"
    NOT_WHOLE_FEN = "NOT_WHOLE_FEN"  # 12.5 fen, or any amount that is not an integer
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"  # past the most any one movement may carry


class InvalidAmount(InvalidRequest):
    """An amount that no movement can carry; ``problem`` says why."""

    _MESSAGES = {
        AmountProblem.ZERO: "the amount is zero",
        AmountProblem.NEGATIVE: "the amount is negative",
        AmountProblem.NOT_WHOLE_FEN: "the amount is not a whole number of fen",
        AmountProblem.ABOVE_MAXIMUM: "the amount is above the most one movement may carry",
    }

    def __init__(self, problem: AmountProblem, *, field: str = "amount", maximum: int) -> None:
        super().__init__(self._MESSAGES[problem], field=field)
        self.problem = problem
        self.maximum = maximum


def amount_problem(amount: object, *, maximum: int) -> AmountProblem | None:
    """What is wrong with ``amount`` as fen, or None."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        return AmountProblem.NOT_WHOLE_FEN
    if amount == 0:
        return AmountProblem.ZERO
    if amount < 0:
        return AmountProblem.NEGATIVE
    return AmountProblem.ABOVE_MAXIMUM if amount > maximum else None


class DeclineCode(str, Enum):
    """Why a movement was declined: stored with the decline, so these values never change."""

    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    ALREADY_REVERSED = "ALREADY_REVERSED"
    HOLD_NOT_ACTIVE = "HOLD_NOT_ACTIVE"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_EXCEEDED = "HOLD_EXCEEDED"


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
        super().__init__("no such account")
        self.account_id = account_id


class PayeeNotFound(LedgerError):
    """The person paid has no open Class II account to receive money."""

    message = "this person has no account that can receive money"


class EntryNotFound(LedgerError):
    message = "no such journal entry"


class AccountFrozen(Declined):
    code = DeclineCode.ACCOUNT_FROZEN
    detail_fields = ("account_id",)

    def __init__(self, account_id: int) -> None:
        super().__init__(f"account {account_id} is frozen")
        self.account_id = account_id


class AccountClosed(Declined):
    code = DeclineCode.ACCOUNT_CLOSED
    detail_fields = ("account_id",)

    def __init__(self, account_id: int) -> None:
        super().__init__(f"account {account_id} is closed")
        self.account_id = account_id


class BalanceNotZero(LedgerError):
    def __init__(self, account_id: int, balance: int) -> None:
        super().__init__(f"account {account_id} holds {balance} fen: only an empty account can be closed")
        self.account_id = account_id
        self.balance = balance


class InsufficientFunds(Declined):
    """``available`` is the balance less the account's holds (declines stored before holds
    existed have none: it was the balance)."""

    code = DeclineCode.INSUFFICIENT_FUNDS
    detail_fields = ("account_id", "balance", "requested", "available")

    def __init__(self, account_id: int, *, balance: int, requested: int, available: int | None = None) -> None:
        self.available = balance if available is None else available
        held = "" if self.available == balance else f" of which {self.available} fen are not held"
        super().__init__(f"account {account_id} holds {balance} fen{held}, {requested} fen requested")
        self.account_id = account_id
        self.balance = balance
        self.requested = requested


class LimitExceeded(Declined):
    """A Class II limit would be passed: ``limit`` is per_transaction, daily or yearly."""

    code = DeclineCode.LIMIT_EXCEEDED
    detail_fields = ("account_id", "limit", "limit_amount", "remaining")

    def __init__(self, *, account_id: int, limit: str, limit_amount: int, remaining: int) -> None:
        super().__init__(
            f"the {limit.replace('_', '-')} limit of {limit_amount} fen would be exceeded; {remaining} fen remain"
        )
        self.account_id = account_id
        self.limit = limit
        self.limit_amount = limit_amount
        self.remaining = remaining


class IdempotencyConflict(LedgerError):
    def __init__(self, idempotency_key: str) -> None:
        super().__init__("this idempotency key was already used for a different request")
        self.idempotency_key = idempotency_key


class AlreadyReversed(Declined):
    code = DeclineCode.ALREADY_REVERSED
    message = "this entry has already been reversed"


class HoldNotFound(LedgerError):
    message = "no such hold"


class HoldNotActive(Declined):
    """The hold was already used up or released: nothing of it is left to capture."""

    code = DeclineCode.HOLD_NOT_ACTIVE
    detail_fields = ("hold_id", "status")

    def __init__(self, hold_id: int, status: str) -> None:
        super().__init__(f"hold {hold_id} is {status}: nothing is left to capture")
        self.hold_id = hold_id
        self.status = status


class HoldExpired(Declined):
    code = DeclineCode.HOLD_EXPIRED
    detail_fields = ("hold_id",)

    def __init__(self, hold_id: int) -> None:
        super().__init__(f"hold {hold_id} has expired")
        self.hold_id = hold_id


class HoldExceeded(Declined):
    """A capture asked for more than what is left of the hold."""

    code = DeclineCode.HOLD_EXCEEDED
    detail_fields = ("hold_id", "remaining", "requested")

    def __init__(self, hold_id: int, *, remaining: int, requested: int) -> None:
        super().__init__(f"hold {hold_id} has {remaining} fen left, {requested} fen requested")
        self.hold_id = hold_id
        self.remaining = remaining
        self.requested = requested


class DebitNotAllowed(LedgerError):
    """An internal service asked to take money out of a customer's account: only they can."""

    def __init__(self, account_id: int) -> None:
        super().__init__(f"only its customer can take money out of account {account_id}")
        self.account_id = account_id


class StepUpRequired(LedgerError):
    """The customer must confirm with the payment PIN before this moves.

    ``each_payment``: paying someone else needs the PIN typed for this payment; a transfer
    between their own accounts above ``above_amount`` fen accepts one entered in the last
    few minutes of the same session.
    """

    def __init__(self, *, above_amount: int, each_payment: bool) -> None:
        super().__init__("enter your payment PIN for this payment" if each_payment
                         else "enter your payment PIN to send this amount")
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
    message = "not a valid bank card number"


class CardAlreadyBound(LedgerError):
    message = "this card is already bound to one of your accounts"


class PinNotSet(LedgerError):
    message = "set a payment PIN first"


class WrongPin(LedgerError):
    def __init__(self, *, attempts_left: int) -> None:
        super().__init__("the payment PIN is wrong" if attempts_left else "the payment PIN is wrong and now locked")
        self.attempts_left = attempts_left


class PinLocked(LedgerError):
    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__("too many wrong payment PINs: try again later")
        self.retry_after_seconds = retry_after_seconds


class PayeeAccountFrozen(LedgerError):
    message = "the payee's account is frozen and cannot receive money"


class PayeeAccountClosed(LedgerError):
    message = "the payee's account is closed"


class CannotPayYourself(LedgerError):
    message = "this is your own account: move money between your accounts with a transfer"


class PayeeLookupsExhausted(LedgerError):
    """Too many payees looked up by this customer in the window (numbers are not to be scanned)."""

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__("too many payees looked up: try again later")
        self.retry_after_seconds = retry_after_seconds


class StatementTooLarge(LedgerError):
    def __init__(self, *, max_lines: int) -> None:
        super().__init__(f"this period has more than {max_lines} transactions: ask for a shorter one")
        self.max_lines = max_lines


class StatementFontMissing(LedgerError):
    def __init__(self, path: str) -> None:
        super().__init__("statement PDFs are unavailable: the CJK font is not installed")
        self.path = path


class StatementsExhausted(LedgerError):
    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__("too many statements downloaded: try again later")
        self.retry_after_seconds = retry_after_seconds


class InvalidCreditCode(InvalidRequest):
    """Not a unified social credit code: ``reason`` is LENGTH, CHARACTERS, DIVISION or CHECK_CHARACTER."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="credit_code")
        self.reason = reason


class EnterpriseExists(LedgerError):
    """An enterprise with this credit code is open already, under another name or category."""

    def __init__(self, enterprise_id: int) -> None:
        super().__init__("an enterprise with this unified social credit code is already open")
        self.enterprise_id = enterprise_id


class EnterpriseNotFound(LedgerError):
    message = "no such enterprise"


class NotEnterpriseMember(LedgerError):
    def __init__(self, enterprise_id: int) -> None:
        super().__init__("you hold no role in this enterprise")
        self.enterprise_id = enterprise_id


class EnterpriseRoleRequired(LedgerError):
    def __init__(self, enterprise_id: int, roles: list[str]) -> None:
        super().__init__("this needs the enterprise role " + " or ".join(roles))
        self.enterprise_id = enterprise_id
        self.roles = roles


class LastAdministrator(LedgerError):
    def __init__(self, enterprise_id: int) -> None:
        super().__init__("an enterprise keeps at least one administrator: appoint another first")
        self.enterprise_id = enterprise_id


def declined_from(code: str, detail: dict) -> Declined:
    """The error a remembered decline (its ``code`` and ``detail()``) stands for."""
    kinds = {kind.code: kind for kind in Declined.__subclasses__()}
    return kinds[DeclineCode(code)](**detail)
