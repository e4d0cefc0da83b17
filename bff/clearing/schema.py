"""Money in and out through the card network: ``topUp``, ``withdraw``, ``cardMovement``, and
operators' ``settlementReconciliation``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from bff.clearing.types import (
    CardMovement, CardMovementInput, CardMovementStarted, CardNetworkUnavailable, SettlementFileRejected,
    SettlementReconciliation,
)
from bff.context import Info
from bff.errors import InvalidInput
from bff.ledger.errors import (
    AccountClosed, AccountFrozen, IdempotencyConflict, InsufficientFunds, InvalidAmount, LimitExceeded, MovementBlocked,
    PaymentPinLocked, PaymentPinNotSet, RiskStepUpRequired, StepUpRequired, WrongPaymentPin,
)
from bff.ledger.mutations import key_refusal, movement_refusal
from bff.ids import ParsedIds
from bff.permissions import requires
from clearing import service as clearing
from infra.i18n import t
from identity.roles import Role
from ledger import service as ledger

TopUpResult = Annotated[
    CardMovementStarted | LimitExceeded | AccountFrozen | AccountClosed | IdempotencyConflict | StepUpRequired
    | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet | CardNetworkUnavailable | InvalidAmount | InvalidInput,
    strawberry.union("TopUpResult"),
]
WithdrawResult = Annotated[
    CardMovementStarted | InsufficientFunds | LimitExceeded | AccountFrozen | AccountClosed | IdempotencyConflict
    | StepUpRequired | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet | CardNetworkUnavailable
    | InvalidAmount | InvalidInput | RiskStepUpRequired | MovementBlocked,
    strawberry.union("WithdrawResult"),
]
SettlementReconciliationResult = Annotated[
    SettlementReconciliation | SettlementFileRejected | CardNetworkUnavailable | InvalidInput,
    strawberry.union("SettlementReconciliationResult"),
]
MAX_LISTED = 1_000
_FIELDS = {"idempotency_key": "idempotencyKey", "card_account_id": "cardAccountId", "account_id": "accountId"}


async def _start(info: Info, input: CardMovementInput, start):
    principal = info.context.principal
    account, card = input.account_id, input.card_account_id
    refused = key_refusal(input.idempotency_key)
    if refused is not None:
        return refused
    try:
        started = await start(
            by=ledger.Customer(user_id=principal.user_id, session_id=principal.session_id, pin=input.pin),
            account_id=account, card_account_id=card, amount=input.amount, idempotency_key=input.idempotency_key,
        )
    except clearing.MovementConflict as exc:
        return IdempotencyConflict(message=str(exc))
    except clearing.InvalidMovement as exc:
        return InvalidInput(message=str(exc), field=_FIELDS.get(exc.field, exc.field))
    except (clearing.NetworkNotConfigured, clearing.NetworkUnavailable) as exc:
        return CardNetworkUnavailable(message=str(exc))
    except ledger.LedgerError as exc:
        return movement_refusal(exc)
    return CardMovementStarted(movement=CardMovement.of(started.movement), replayed=started.replayed)


@strawberry.type
class ClearingMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Top up your Class II account from your bound card through the card network, once per "
                    "idempotency key. Credited only when the network confirms: the answer says PENDING until then.",
    )
    async def top_up(self, info: Info, input: CardMovementInput) -> TopUpResult:
        return await _start(info, input, info.context.runtime.clearing.top_up)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Send money from your Class II account to your bound card through the card network, once per "
                    "idempotency key. It leaves the account at once and comes back if the network declines.",
    )
    async def withdraw(self, info: Info, input: CardMovementInput) -> WithdrawResult:
        return await _start(info, input, info.context.runtime.clearing.withdraw)


@strawberry.type
class ClearingQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="One of your top-ups, withdrawals or inbound credits; null if it is not yours.")
    async def card_movement(self, info: Info, id: strawberry.ID) -> CardMovement | None:
        try:
            view = await info.context.runtime.clearing.movement(user_id=info.context.principal.user_id,
                                                                 movement_id=str(id))
        except clearing.MovementNotFound:
            return None
        return CardMovement.of(view)

    @strawberry.field(
        extensions=requires(Role.OPERATOR),
        description="Operators: a China Standard Time day's card movements against the network's signed settlement "
                    "file (fetched now), with every mismatch by kind and movements pending too long.",
    )
    async def settlement_reconciliation(self, info: Info, day: date, limit: int = 100) -> SettlementReconciliationResult:
        if not 1 <= limit <= MAX_LISTED:
            return InvalidInput(message=t("clearing.limit_range", most=MAX_LISTED), field="limit")
        try:
            report = await info.context.runtime.clearing.reconcile_day(day, limit=limit)
        except clearing.SettlementFileRejected as exc:
            return SettlementFileRejected(message=str(exc))
        except (clearing.NetworkNotConfigured, clearing.NetworkUnavailable) as exc:
            return CardNetworkUnavailable(message=str(exc))
        return SettlementReconciliation.of(report)
