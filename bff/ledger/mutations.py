"""Own-account transfers, the payment PIN, card binding, freezing and closing accounts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import RecordId, ParsedIds
from bff.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    BalanceNotZero,
    CardAlreadyBound,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    MovementBlocked,
    MovementHeldForReview,
    MovementReversedOnReview,
    PaymentPinLocked,
    PaymentPinNotSet,
    RiskStepUpRequired,
    StepUpRequired,
    WrongPaymentPin,
)
from bff.ledger.types import (
    Account,
    AccountUpdated,
    CardBound,
    LimitKind,
    PaymentPinSet,
    StepUpGranted,
    TransferInput,
    TransferSucceeded,
)
from bff.permissions import requires
from identity.roles import Role
from infra.i18n import t
from ledger import errors
from ledger.service import Customer, accounts_of, close_account, freeze_account, get_account, unfreeze_account

TransferResult = Annotated[
    TransferSucceeded | InsufficientFunds | LimitExceeded | AccountFrozen | AccountClosed
    | IdempotencyConflict | StepUpRequired | InvalidAmount | InvalidInput
    | RiskStepUpRequired | MovementBlocked | MovementHeldForReview | MovementReversedOnReview,
    strawberry.union("TransferResult"),
]
SetPaymentPinResult = Annotated[
    PaymentPinSet | WrongPaymentPin | PaymentPinLocked | InvalidInput, strawberry.union("SetPaymentPinResult")
]
VerifyPaymentPinResult = Annotated[
    StepUpGranted | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet | InvalidInput,
    strawberry.union("VerifyPaymentPinResult"),
]
AccountStatusResult = Annotated[
    AccountUpdated | AccountClosed | BalanceNotZero | AccountFrozen | InvalidInput,
    strawberry.union("AccountStatusResult"),
]
BindCardResult = Annotated[CardBound | CardAlreadyBound | InvalidInput, strawberry.union("BindCardResult")]

# Domain argument names as the client spells them.
_FIELDS = {"to_account_id": "toAccountId", "from_account_id": "fromAccountId", "idempotency_key": "idempotencyKey",
           "current_pin": "currentPin", "to_phone": "toPhone", "to_account_number": "toAccountNumber"}
_CLIENT_KEY_LENGTH = range(8, 65)


def _invalid(exc: errors.InvalidRequest) -> InvalidInput:
    return InvalidInput(message=str(exc), field=_FIELDS.get(exc.field, exc.field))


def customer_key(user_id: int, client_key: str) -> str:
    """Keys are the client's own: one customer's key never collides with another's."""
    return f"customer:{user_id}:{client_key}"


def key_refusal(client_key: str) -> InvalidInput | None:
    if len(client_key) not in _CLIENT_KEY_LENGTH:
        return InvalidInput(message=t("ledger.client_key_length"), field="idempotencyKey")
    return None


def movement_refusal(exc: errors.LedgerError):
    """The schema type of a ledger refusal common to every money movement."""
    if isinstance(exc, errors.ScreeningRefusal):
        return screening_refusal(exc)
    if isinstance(exc, errors.StepUpRequired):
        return StepUpRequired(message=str(exc), above_amount=exc.above_amount)
    if isinstance(exc, errors.WrongPin):
        return WrongPaymentPin(message=str(exc), attempts_left=exc.attempts_left)
    if isinstance(exc, errors.PinLocked):
        return PaymentPinLocked(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
    if isinstance(exc, errors.PinNotSet):
        return PaymentPinNotSet(message=str(exc))
    if isinstance(exc, errors.InsufficientFunds):
        return InsufficientFunds(message=str(exc), balance=exc.balance, requested=exc.requested,
                                 available=exc.available)
    if isinstance(exc, errors.LimitExceeded):
        return LimitExceeded(
            message=str(exc), limit=LimitKind(exc.limit), limit_amount=exc.limit_amount, remaining=exc.remaining
        )
    if isinstance(exc, errors.AccountFrozen):
        return AccountFrozen(message=str(exc), account_id=strawberry.ID(str(exc.account_id)))
    if isinstance(exc, errors.AccountClosed):
        return AccountClosed(message=str(exc), account_id=strawberry.ID(str(exc.account_id)))
    if isinstance(exc, errors.IdempotencyConflict):
        return IdempotencyConflict(message=str(exc))
    if isinstance(exc, errors.InvalidAmount):
        return InvalidAmount(message=str(exc), problem=exc.problem, maximum=exc.maximum)
    if isinstance(exc, errors.InvalidRequest):
        return _invalid(exc)
    raise exc


def screening_refusal(exc: errors.ScreeningRefusal):
    """What transaction monitoring said, naming the rule and the reason in the reader's language."""
    reason = str(exc.reason) if exc.reason is not None else ""
    if isinstance(exc, errors.MovementHeldForReview):
        return MovementHeldForReview(message=str(exc), review_id=strawberry.ID(str(exc.review_id)), rule=exc.rule,
                                     reason=reason)
    if isinstance(exc, errors.MovementReversedOnReview):
        return MovementReversedOnReview(message=str(exc), review_id=strawberry.ID(str(exc.review_id)), rule=exc.rule)
    if isinstance(exc, errors.RiskStepUpRequired):
        return RiskStepUpRequired(message=str(exc), rule=exc.rule, reason=reason)
    return MovementBlocked(message=str(exc), rule=exc.rule, reason=reason)


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Move money between two of your own accounts, once per idempotency key.",
    )
    async def transfer(self, info: Info, input: TransferInput) -> TransferResult:
        principal = info.context.principal
        source, target = input.from_account_id, input.to_account_id
        refused = key_refusal(input.idempotency_key)
        if refused is not None:
            return refused
        try:
            # Who acts and in which session; the ledger checks ownership, step-up and limits.
            entry = await info.context.runtime.ledger.transfer(
                by=Customer(user_id=principal.user_id, session_id=principal.session_id),
                from_account_id=source, to_account_id=target, amount=input.amount, memo=input.memo,
                idempotency_key=customer_key(principal.user_id, input.idempotency_key),
            )
        except errors.AccountNotFound as exc:
            field = "fromAccountId" if exc.account_id == source else "toAccountId"
            return InvalidInput(message=t("ledger.no_such_account"), field=field)
        except errors.LedgerError as exc:
            return movement_refusal(exc)
        rows = {a.id: a for a in await accounts_of(owner_user_id=principal.user_id)}
        return TransferSucceeded(
            entry_id=strawberry.ID(str(entry.id)), replayed=entry.replayed,
            from_account=Account.of(rows[source]), to_account=Account.of(rows[target]),
        )

    @strawberry.mutation(
        extensions=requires(Role.CUSTOMER), description="Set the 6-digit payment PIN; changing it needs the current one."
    )
    async def set_payment_pin(self, info: Info, pin: str, current_pin: str | None = None) -> SetPaymentPinResult:
        try:
            await info.context.runtime.ledger.pins.set_pin(
                user_id=info.context.principal.user_id, pin=pin, current_pin=current_pin
            )
        except errors.InvalidRequest as exc:
            return _invalid(exc)
        except errors.WrongPin as exc:
            return WrongPaymentPin(message=str(exc), attempts_left=exc.attempts_left)
        except errors.PinLocked as exc:
            return PaymentPinLocked(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
        return PaymentPinSet(ok=True)

    @strawberry.mutation(
        extensions=requires(Role.CUSTOMER), description="Step up with the payment PIN before a large transfer."
    )
    async def verify_payment_pin(self, info: Info, pin: str) -> VerifyPaymentPinResult:
        principal = info.context.principal
        try:
            seconds = await info.context.runtime.ledger.pins.verify(
                user_id=principal.user_id, session_id=principal.session_id, pin=pin
            )
        except errors.PinNotSet as exc:
            return PaymentPinNotSet(message=str(exc))
        except errors.WrongPin as exc:
            return WrongPaymentPin(message=str(exc), attempts_left=exc.attempts_left)
        except errors.PinLocked as exc:
            return PaymentPinLocked(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
        return StepUpGranted(expires_in_seconds=seconds)

    @strawberry.mutation(
        extensions=requires(Role.CUSTOMER), description="Bind an external bank card as a Class I account."
    )
    async def bind_card(self, info: Info, card_number: str, name: str | None = None) -> BindCardResult:
        try:
            row = await info.context.runtime.ledger.bind_card(
                owner_user_id=info.context.principal.user_id, card_number=card_number, name=name
            )
        except errors.InvalidCardNumber as exc:
            return InvalidInput(message=str(exc), field="cardNumber")
        except errors.CardAlreadyBound as exc:
            return CardAlreadyBound(message=str(exc))
        return CardBound(account=Account.of(row))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Close one of your accounts; only an empty one can be closed.",
    )
    async def close_account(self, info: Info, id: RecordId) -> AccountStatusResult:
        try:
            await get_account(account_id=id, owner_user_id=info.context.principal.user_id)
            return AccountUpdated(account=Account.of(await close_account(account_id=id)))
        except errors.LedgerError as exc:
            return _status_error(exc)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR)],
        description="Freeze or unfreeze any account (operations staff), saying why: the change and its reason "
                    "go into the tamper-evident audit log.",
    )
    async def set_account_frozen(
        self, info: Info, id: RecordId, frozen: bool,
        reason: Annotated[str | None, strawberry.argument(
            description=f"Why (a court order, a fraud report...): required, at most {FREEZE_REASON_MAX} characters.")] = None,
    ) -> AccountStatusResult:
        reason = (reason or "").strip()
        if not reason:  # a freeze or an unfreeze is always explained, in the audit chain
            return InvalidInput(message=t("ledger.freeze_reason_missing"), field="reason")
        if len(reason) > FREEZE_REASON_MAX:
            return InvalidInput(message=t("ledger.freeze_reason_length", max=FREEZE_REASON_MAX), field="reason")
        try:
            change = freeze_account if frozen else unfreeze_account
            operator = f"user:{info.context.principal.user_id}" if info.context.principal else None
            return AccountUpdated(account=Account.of(await change(account_id=id, operator=operator, reason=reason)))
        except errors.LedgerError as exc:
            return _status_error(exc)


FREEZE_REASON_MAX = 200


def _status_error(exc: errors.LedgerError):
    if isinstance(exc, errors.BalanceNotZero):
        return BalanceNotZero(message=str(exc), balance=exc.balance)
    if isinstance(exc, errors.AccountFrozen):
        return AccountFrozen(message=str(exc), account_id=strawberry.ID(str(exc.account_id)))
    if isinstance(exc, errors.AccountClosed):
        return AccountClosed(message=str(exc), account_id=strawberry.ID(str(exc.account_id)))
    if isinstance(exc, errors.AccountNotFound):
        return InvalidInput(message=t("ledger.no_such_account"), field="id")
    raise exc
