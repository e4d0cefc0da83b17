"""Top-ups, withdrawals and inbound credits, and the settlement report, as clients see them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from bff.errors import Error
from bff.ids import record_id_field
from bff.ledger.types import Fen
from clearing.service import CardMovementView, Mismatch, MismatchKind, MovementKind, MovementStatus, SettlementReport

CardMovementKind = strawberry.enum(MovementKind, name="CardMovementKind", description=(
    "TOPUP: from your bound card into your Class II account; WITHDRAWAL: back to the card; "
    "INBOUND: money another bank sent you."
))
CardMovementStatus = strawberry.enum(MovementStatus, name="CardMovementStatus", description=(
    "PENDING until the card network confirms; SUCCEEDED; DECLINED (nothing moved, a withdrawal's money is back); "
    "RETURNED (an inbound credit sent back); QUARANTINED (the network's result did not match: held for review, "
    "nothing credited)."
))
SettlementMismatchKind = strawberry.enum(MismatchKind, name="SettlementMismatchKind")


@strawberry.type(description="A movement through the card network.")
class CardMovement:
    id: strawberry.ID
    kind: CardMovementKind
    status: CardMovementStatus
    amount: Fen
    currency: str
    account_id: strawberry.ID | None = strawberry.field(description="Your Class II account.")
    card_account_id: strawberry.ID | None = strawberry.field(description="Your bound card (Class I account).")
    masked_card_number: str | None
    decline_reason: str | None
    created_at: datetime
    settled_at: datetime | None = strawberry.field(description="When the network settled it, by its clock.")

    @classmethod
    def of(cls, view: CardMovementView) -> CardMovement:
        def ident(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(
            id=strawberry.ID(view.id), kind=view.kind, status=view.status, amount=view.amount, currency=view.currency,
            account_id=ident(view.account_id), card_account_id=ident(view.card_account_id),
            masked_card_number=view.card_masked, decline_reason=view.decline_reason, created_at=view.created_at,
            settled_at=view.settled_at,
        )


@strawberry.type
class CardMovementStarted:
    movement: CardMovement
    replayed: bool = strawberry.field(description="True when this was a retry: nothing new was asked of the network.")


@strawberry.input
class CardMovementInput:
    amount: Fen
    idempotency_key: str = strawberry.field(description="Chosen by the client, 8-64 characters; a retry reuses it.")
    pin: str | None = strawberry.field(
        default=None, description="The payment PIN, needed above the step-up threshold (or verifyPaymentPin first).",
    )
    account_id: int | None = record_id_field(
        graphql_type=strawberry.ID | None, default=None, description="Your Class II account (the default).",
    )
    card_account_id: int | None = record_id_field(
        graphql_type=strawberry.ID | None, default=None,
        description="Your bound card (Class I account); may be left out when you have one.",
    )


@strawberry.type(description="The card network cannot be reached now; nothing was asked of it. Try again later.")
class CardNetworkUnavailable(Error):
    pass


@strawberry.type(description="The network's settlement file was incomplete, altered or not signed by it.")
class SettlementFileRejected(Error):
    pass


@strawberry.type(description="One difference between our books and the network's settlement file.")
class SettlementMismatch:
    kind: SettlementMismatchKind
    request_id: str | None
    network_ref: str | None
    movement_kind: str | None = strawberry.field(description="DEBIT (top-up), CREDIT (withdrawal) or INBOUND.")
    our_amount: Fen | None
    their_amount: Fen | None
    our_currency: str | None
    their_currency: str | None
    our_status: str | None
    their_status: str | None
    pending_since: datetime | None

    @classmethod
    def of(cls, m: Mismatch) -> SettlementMismatch:
        return cls(kind=m.kind, request_id=m.request_id, network_ref=m.network_ref, movement_kind=m.movement_kind,
                   our_amount=m.our_amount, their_amount=m.their_amount, our_currency=m.our_currency,
                   their_currency=m.their_currency, our_status=m.our_status, their_status=m.their_status,
                   pending_since=m.since)


@strawberry.type
class SettlementMismatchCount:
    kind: SettlementMismatchKind
    count: int


@strawberry.type(description="A China Standard Time day's card movements against the network's settlement file.")
class SettlementReconciliation:
    day: date
    clean: bool
    network_movements: int
    network_total: Fen
    our_movements: int
    counts: list[SettlementMismatchCount]
    mismatches: list[SettlementMismatch] = strawberry.field(description="At most `limit` of each kind.")

    @classmethod
    def of(cls, report: SettlementReport) -> SettlementReconciliation:
        return cls(
            day=report.day, clean=report.clean, network_movements=report.file_lines, network_total=report.file_total,
            our_movements=report.our_movements,
            counts=[SettlementMismatchCount(kind=k, count=n) for k, n in report.counts.items()],
            mismatches=[SettlementMismatch.of(m) for m in report.mismatches],
        )
