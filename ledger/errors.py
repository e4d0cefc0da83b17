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


class AmountProblem(str, Enum):
    ZERO = "ZERO"
    NEGATIVE = "NEGATIVE"
    NOT_WHOLE_FEN = "NOT_WHOLE_FEN"  # 12.5 fen, or any amount that is not an integer
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"  # past the most any one movement may carry


class InvalidAmount(InvalidRequest):
    """An amount that no movement can carry; ``problem`` says why."""

    _MESSAGES = {
        AmountProblem.ZERO: Text("ledger.amount_zero"),
        AmountProblem.NEGATIVE: Text("ledger.amount_negative"),
        AmountProblem.NOT_WHOLE_FEN: Text("ledger.amount_not_whole_fen"),
        AmountProblem.ABOVE_MAXIMUM: Text("ledger.amount_above_maximum"),
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
    """``available`` is the balance less the account's holds (declines stored before holds
    existed have none: it was the balance)."""

    code = DeclineCode.INSUFFICIENT_FUNDS
    detail_fields = ("account_id", "balance", "requested", "available")

    def __init__(self, account_id: int, *, balance: int, requested: int, available: int | None = None) -> None:
        self.available = balance if available is None else available
        if self.available == balance:
            super().__init__(Text("ledger.insufficient_funds", balance=yuan(balance), requested=yuan(requested)))
        else:
            super().__init__(Text("ledger.insufficient_funds_held", balance=yuan(balance),
                                  available=yuan(self.available), requested=yuan(requested)))
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


class HoldNotFound(LedgerError):
    message = Text("ledger.no_such_hold")


class HoldNotActive(Declined):
    """The hold was already used up or released: nothing of it is left to capture."""

    code = DeclineCode.HOLD_NOT_ACTIVE
    detail_fields = ("hold_id", "status")

    def __init__(self, hold_id: int, status: str) -> None:
        super().__init__(Text("ledger.hold_not_active"))
        self.hold_id = hold_id
        self.status = status


class HoldExpired(Declined):
    code = DeclineCode.HOLD_EXPIRED
    detail_fields = ("hold_id",)

    def __init__(self, hold_id: int) -> None:
        super().__init__(Text("ledger.hold_expired"))
        self.hold_id = hold_id


class HoldExceeded(Declined):
    """A capture asked for more than what is left of the hold."""

    code = DeclineCode.HOLD_EXCEEDED
    detail_fields = ("hold_id", "remaining", "requested")

    def __init__(self, hold_id: int, *, remaining: int, requested: int) -> None:
        super().__init__(Text("ledger.hold_exceeded", remaining=yuan(remaining), requested=yuan(requested)))
        self.hold_id = hold_id
        self.remaining = remaining
        self.requested = requested


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


class ScreeningRefusal(LedgerError):
    """Transaction monitoring stopped this movement; ``rule`` names the rule, ``reason`` says why."""

    def __init__(self, message: Text, *, rule: str, reason: Text | None) -> None:
        super().__init__(message)
        self.rule = rule
        self.reason = reason


class RiskStepUpRequired(ScreeningRefusal):
    """A monitoring rule asks for the payment PIN typed for this request; retry with the same key and the PIN."""

    def __init__(self, *, rule: str, reason: Text | None) -> None:
        super().__init__(Text("ledger.risk_step_up", reason=reason or ""), rule=rule, reason=reason)


class MovementBlocked(ScreeningRefusal):
    def __init__(self, *, rule: str, reason: Text | None) -> None:
        super().__init__(Text("ledger.movement_blocked", reason=reason or ""), rule=rule, reason=reason)


class MovementHeldForReview(ScreeningRefusal):
    """The amount is reserved on the paying account until an operator releases (posts) or
    reverses (returns) it; a retry with the same key says the same until then."""

    def __init__(self, *, review_id: int, rule: str, reason: Text | None) -> None:
        super().__init__(Text("ledger.movement_held", reason=reason or ""), rule=rule, reason=reason)
        self.review_id = review_id


class MovementReversedOnReview(ScreeningRefusal):
    """An operator reversed this held movement: it will not post under this key."""

    def __init__(self, *, review_id: int, rule: str, reason: Text | None) -> None:
        super().__init__(Text("ledger.movement_reversed_on_review"), rule=rule, reason=reason)
        self.review_id = review_id


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


class PayeeAccountFrozen(LedgerError):
    message = Text("ledger.payee_frozen")


class PayeeAccountClosed(LedgerError):
    message = Text("ledger.payee_closed")


class CannotPayYourself(LedgerError):
    message = Text("ledger.cannot_pay_yourself")


class PayeeLookupsExhausted(LedgerError):
    """Too many payees looked up by this customer in the window (numbers are not to be scanned)."""

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("ledger.payee_lookups_exhausted"))
        self.retry_after_seconds = retry_after_seconds


class StatementTooLarge(LedgerError):
    def __init__(self, *, max_lines: int) -> None:
        super().__init__(Text("ledger.statement_too_large", most=max_lines))
        self.max_lines = max_lines


class StatementFontMissing(LedgerError):
    def __init__(self, path: str) -> None:
        super().__init__(Text("ledger.statement_font_missing"))
        self.path = path


class StatementsExhausted(LedgerError):
    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("ledger.statements_exhausted"))
        self.retry_after_seconds = retry_after_seconds


class InvalidCreditCode(InvalidRequest):
    """Not a unified social credit code: ``reason`` is LENGTH, CHARACTERS, DIVISION or CHECK_CHARACTER."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="credit_code")
        self.reason = reason


class EnterpriseExists(LedgerError):
    """An enterprise with this credit code is open already, under another name or category."""

    def __init__(self, enterprise_id: int) -> None:
        super().__init__(Text("ledger.enterprise_exists"))
        self.enterprise_id = enterprise_id


class EnterpriseNotFound(LedgerError):
    message = Text("ledger.no_such_enterprise")


class NotEnterpriseMember(LedgerError):
    def __init__(self, enterprise_id: int) -> None:
        super().__init__(Text("ledger.not_enterprise_member"))
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


class MandateNotFound(LedgerError):
    """No such direct-debit mandate for this service (or this customer)."""

    message = Text("ledger.mandate_not_found")


class MandateRevoked(LedgerError):
    message = Text("ledger.mandate_revoked")


class MandateCeilingExceeded(LedgerError):
    """A direct debit or hold asked for more than the customer's mandate allows each time."""

    def __init__(self, *, ceiling: int, requested: int) -> None:
        super().__init__(Text("ledger.mandate_ceiling_exceeded", ceiling=yuan(ceiling), requested=yuan(requested)))
        self.ceiling = ceiling
        self.requested = requested


class CardTokenError(LedgerError):
    """An app named a bound card by a token the ledger will not honour; ``code`` says why."""

    code: ClassVar[str] = "CARD_TOKEN_NOT_FOUND"


class CardTokenNotFound(CardTokenError):
    """Malformed, unknown, deleted with its app, or another customer's."""

    code: ClassVar[str] = "CARD_TOKEN_NOT_FOUND"
    message = Text("ledger.card_token_not_found")


class CardTokenNotForThisApp(CardTokenError):
    """A token made for another app: tokens are useless outside the app they were made for."""

    code: ClassVar[str] = "CARD_TOKEN_NOT_FOR_THIS_APP"
    message = Text("ledger.card_token_not_for_this_app")


class CardTokenSuspended(CardTokenError):
    """The card was unbound: its tokens are refused (binding it again makes new ones)."""

    code: ClassVar[str] = "CARD_TOKEN_SUSPENDED"
    message = Text("ledger.card_token_suspended")
