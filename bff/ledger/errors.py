"""The expected failures of money movement, PINs and cards, as the client sees them."""

from __future__ import annotations

import strawberry

from bff.errors import Error
from bff.ledger.types import Fen, LimitKind
from ledger.service import AmountProblem as DomainAmountProblem

AmountProblem = strawberry.enum(DomainAmountProblem, name="AmountProblem")


@strawberry.type(description="The paying account holds less than the amount (`available`: its balance less its holds).")
class InsufficientFunds(Error):
    balance: Fen
    requested: Fen
    available: Fen


@strawberry.type(description="No movement can carry this amount: zero, negative, not a whole number of fen, "
                             "or above `maximum`.")
class InvalidAmount(Error):
    problem: AmountProblem
    maximum: Fen


@strawberry.type(description="A Class II limit would be passed; `remaining` is what is left under it.")
class LimitExceeded(Error):
    limit: LimitKind
    limit_amount: Fen
    remaining: Fen


@strawberry.type(description="One of the accounts is frozen.")
class AccountFrozen(Error):
    account_id: strawberry.ID


@strawberry.type(description="One of the accounts is closed.")
class AccountClosed(Error):
    account_id: strawberry.ID


@strawberry.type(description="This idempotency key was already used for a different transfer.")
class IdempotencyConflict(Error):
    pass


@strawberry.type(description="Enter the payment PIN (verifyPaymentPin) and retry with the same key.")
class StepUpRequired(Error):
    above_amount: Fen


@strawberry.type(description="The payment PIN is wrong; after the last attempt it locks.")
class WrongPaymentPin(Error):
    attempts_left: int


@strawberry.type(description="Too many wrong PINs; the PIN is locked for `retryAfterSeconds`.")
class PaymentPinLocked(Error):
    retry_after_seconds: int


@strawberry.type(description="No payment PIN has been set yet.")
class PaymentPinNotSet(Error):
    pass


@strawberry.type(description="This card is already bound to one of your accounts.")
class CardAlreadyBound(Error):
    pass


@strawberry.type(description="Only an account with a zero balance can be closed.")
class BalanceNotZero(Error):
    balance: Fen


@strawberry.type(description="The person paid has no account that can receive money.")
class PayeeNotFound(Error):
    pass


@strawberry.type(description="That is your own account: move money between your accounts with `transfer`.")
class CannotPayYourself(Error):
    pass


@strawberry.type(description="The payee's account is frozen and cannot receive money now.")
class PayeeAccountFrozen(Error):
    pass


@strawberry.type(description="The payee's account is closed.")
class PayeeAccountClosed(Error):
    pass


@strawberry.type(description="Transaction monitoring asks for the payment PIN typed for this movement: retry with "
                             "the same key and `pin`. `rule` names the rule; `reason` says why.")
class RiskStepUpRequired(Error):
    rule: str
    reason: str


@strawberry.type(description="Transaction monitoring blocked this movement; `rule` names the rule, `reason` says why.")
class MovementBlocked(Error):
    rule: str
    reason: str


@strawberry.type(description="Held for an operator's review: the amount is reserved on the paying account until it "
                             "is released (posted) or reversed (returned). A retry with the same key says the same.")
class MovementHeldForReview(Error):
    review_id: strawberry.ID
    rule: str
    reason: str


@strawberry.type(description="An operator reversed this held movement: it will not post under this key.")
class MovementReversedOnReview(Error):
    review_id: strawberry.ID
    rule: str
