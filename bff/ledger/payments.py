"""Paying another customer by mobile number or account number, into their Class II account,
after a preview that shows whom the money goes to (masked)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput, RateLimited
from bff.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    CannotPayYourself,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LimitExceeded,
    MovementBlocked,
    MovementHeldForReview,
    MovementReversedOnReview,
    PayeeAccountClosed,
    PayeeAccountFrozen,
    PayeeNotFound,
    PaymentPinLocked,
    PaymentPinNotSet,
    RiskStepUpRequired,
    StepUpRequired,
    WrongPaymentPin,
)
from bff.ledger.mutations import customer_key, key_refusal, movement_refusal
from bff.ids import ParsedIds, record_id_field
from bff.ledger.types import Account, Fen
from bff.permissions import requires
from identity import errors as identity_errors
from identity.phone import normalize_mainland_mobile
from identity.roles import Role
from ledger import errors
from infra.i18n import t
from ledger.service import Customer, Payee, get_account


@strawberry.input
class PayCustomerInput:
    to_phone: str | None = strawberry.field(default=None, description="The payee's mainland mobile number.")
    to_account_number: str | None = strawberry.field(
        default=None, description="Or the payee's 19-digit account number (one of the two)."
    )
    amount: Fen
    idempotency_key: str = strawberry.field(
        description="Chosen by the client per payment, 8-64 characters; a retry reuses it."
    )
    from_account_id: int | None = record_id_field(
        graphql_type=strawberry.ID | None, default=None,
        description="One of your accounts; your Class II account when left out.",
    )
    memo: str = ""
    pin: str | None = strawberry.field(
        default=None, description="The payment PIN, typed for this payment (StepUpRequired without it)."
    )


@strawberry.type(description="Whom a payment goes to, as the payer confirms it: masked.")
class PayeePreview:
    masked_name: str | None = strawberry.field(
        description="The legal name verified at account opening, as 张*; null when the bank holds none."
    )
    masked_account_number: str = strawberry.field(description="The receiving account, first 6 and last 4 digits.")
    masked_phone: str | None = strawberry.field(description="As 138****5678, when the payee was found by phone.")

    @classmethod
    def of(cls, payee: Payee) -> PayeePreview:
        return cls(masked_name=payee.masked_name, masked_account_number=payee.masked_account_number,
                   masked_phone=payee.masked_phone)


@strawberry.type
class PaymentSent:
    entry_id: strawberry.ID
    replayed: bool = strawberry.field(description="True when this was a retry of a payment already made.")
    from_account: Account
    payee: PayeePreview
    payee_masked_phone: str | None = strawberry.field(description="Who was paid, as 138****5678 (paid by phone).")


_PAYEE_REFUSALS = (PayeeNotFound | CannotPayYourself | PayeeAccountFrozen | PayeeAccountClosed | RateLimited
                   | InvalidInput)
PayeeResult = Annotated[PayeePreview | _PAYEE_REFUSALS, strawberry.union("PayeeResult")]
PayCustomerResult = Annotated[
    PaymentSent | _PAYEE_REFUSALS | InvalidAmount | InsufficientFunds | LimitExceeded | AccountFrozen | AccountClosed
    | IdempotencyConflict | StepUpRequired | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet
    | RiskStepUpRequired | MovementBlocked | MovementHeldForReview | MovementReversedOnReview,
    strawberry.union("PayCustomerResult"),
]


def _payee_args(to_phone: str | None, to_account_number: str | None) -> dict | InvalidInput:
    """The payee as the ledger takes it: exactly one of a normalized phone or an account number."""
    if (to_phone is None) == (to_account_number is None):
        return InvalidInput(message=t("ledger.payee_phone_or_account"), field="toPhone")
    if to_phone is None:
        return {"to_account_number": to_account_number}
    try:
        return {"to_phone": normalize_mainland_mobile(to_phone)}
    except identity_errors.InvalidPhone as exc:
        return InvalidInput(message=str(exc), field="toPhone")


def payee_refusal(exc: errors.LedgerError):
    """The schema type of a refusal about the payee; None when it is about something else."""
    refusals = {errors.PayeeNotFound: PayeeNotFound, errors.CannotPayYourself: CannotPayYourself,
                errors.PayeeAccountFrozen: PayeeAccountFrozen, errors.PayeeAccountClosed: PayeeAccountClosed}
    for domain, schema in refusals.items():
        if isinstance(exc, domain):
            return schema(message=str(exc))
    if isinstance(exc, errors.PayeeLookupsExhausted):
        return RateLimited(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
    return None


def _customer(info: Info, pin: str | None = None) -> Customer:
    principal = info.context.principal
    return Customer(user_id=principal.user_id, session_id=principal.session_id, pin=pin)


@strawberry.type
class PayeeQuery:
    @strawberry.field(
        extensions=requires(Role.CUSTOMER),
        description="Whom a payment to this mobile or account number would reach, masked, before paying. "
                    "Look-ups are limited per customer (RateLimited).",
    )
    async def payee(self, info: Info, to_phone: str | None = None, to_account_number: str | None = None) -> PayeeResult:
        payee = _payee_args(to_phone, to_account_number)
        if isinstance(payee, InvalidInput):
            return payee
        try:
            return PayeePreview.of(await info.context.runtime.ledger.find_payee(by=_customer(info), **payee))
        except errors.LedgerError as exc:
            return payee_refusal(exc) or movement_refusal(exc)


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Pay another customer by mobile number or account number, once per idempotency key.",
    )
    async def pay_customer(self, info: Info, input: PayCustomerInput) -> PayCustomerResult:
        source = input.from_account_id
        refused = key_refusal(input.idempotency_key)
        if refused is not None:
            return refused
        payee = _payee_args(input.to_phone, input.to_account_number)
        if isinstance(payee, InvalidInput):
            return payee
        principal = info.context.principal
        try:
            paid = await info.context.runtime.ledger.pay_customer(
                by=_customer(info, input.pin), from_account_id=source, amount=input.amount, memo=input.memo,
                idempotency_key=customer_key(principal.user_id, input.idempotency_key), **payee,
            )
        except errors.AccountNotFound:
            return InvalidInput(message=t("ledger.no_such_account_of_yours"), field="fromAccountId")
        except errors.LedgerError as exc:
            return payee_refusal(exc) or movement_refusal(exc)
        paid_from = next(leg.account_id for leg in paid.entry.legs if leg.amount < 0)
        return PaymentSent(
            entry_id=strawberry.ID(str(paid.entry.id)), replayed=paid.entry.replayed,
            from_account=Account.of(await get_account(account_id=paid_from)), payee=PayeePreview.of(paid.payee),
            payee_masked_phone=paid.payee.masked_phone,
        )
