"""Paying another customer by their mobile number, into their Class II account."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    PayeeNotFound,
    PaymentPinLocked,
    PaymentPinNotSet,
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
from infra.i18n import t
from infra.masking import mask_phone
from ledger import errors
from ledger.service import Customer, get_account


@strawberry.input
class PayCustomerInput:
    to_phone: str = strawberry.field(description="The payee's mainland mobile number.")
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


@strawberry.type
class PaymentSent:
    entry_id: strawberry.ID
    replayed: bool = strawberry.field(description="True when this was a retry of a payment already made.")
    from_account: Account
    payee_masked_phone: str = strawberry.field(description="Who was paid, as 138****5678.")


PayCustomerResult = Annotated[
    PaymentSent | PayeeNotFound | InsufficientFunds | LimitExceeded | AccountFrozen | AccountClosed
    | IdempotencyConflict | StepUpRequired | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet | InvalidInput,
    strawberry.union("PayCustomerResult"),
]


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Pay another customer by mobile number, once per idempotency key.",
    )
    async def pay_customer(self, info: Info, input: PayCustomerInput) -> PayCustomerResult:
        principal = info.context.principal
        runtime = info.context.runtime
        source = input.from_account_id
        refused = key_refusal(input.idempotency_key)
        if refused is not None:
            return refused
        try:
            payee = await runtime.identity.user_id_for_phone(phone=input.to_phone)
        except identity_errors.InvalidPhone as exc:
            return InvalidInput(message=str(exc), field="toPhone")
        if payee is None:
            return PayeeNotFound(message=str(errors.PayeeNotFound()))
        if payee == principal.user_id:
            return InvalidInput(message=t("ledger.pay_someone_else"), field="toPhone")
        try:
            entry = await runtime.ledger.pay_customer(
                by=Customer(user_id=principal.user_id, session_id=principal.session_id, pin=input.pin),
                payee_user_id=payee, from_account_id=source,
                amount=input.amount, memo=input.memo,
                idempotency_key=customer_key(principal.user_id, input.idempotency_key),
            )
        except errors.PayeeNotFound as exc:
            return PayeeNotFound(message=str(exc))
        except errors.AccountNotFound:
            return InvalidInput(message=t("ledger.no_such_account_of_yours"), field="fromAccountId")
        except errors.LedgerError as exc:
            return movement_refusal(exc)
        paid_from = next(leg.account_id for leg in entry.legs if leg.amount < 0)
        return PaymentSent(
            entry_id=strawberry.ID(str(entry.id)), replayed=entry.replayed,
            from_account=Account.of(await get_account(account_id=paid_from)),
            payee_masked_phone=mask_phone(normalize_mainland_mobile(input.to_phone)),
        )
