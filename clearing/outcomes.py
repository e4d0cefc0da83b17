"""Booking what the network decided about a top-up or withdrawal, exactly once.

The network's word arrives by several roads (the answer to the request, a notification,
copies of it, a query) and they can race. Each outcome is one ledger movement under a key
derived from the request id, and the movement's row changes from PENDING in the same
transaction, conditionally: of two roads, one books and the other finds the outcome
already there. A result that does not match the request is quarantined, never booked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from ledger import service as ledger
from ledger.service import EntryKind, LedgerService

from clearing.books import CLEARING, Books, settlement_day
from clearing.kinds import MovementKind, MovementStatus, QuarantineReason
from clearing.models import CardMovement, QuarantinedNotification
from clearing.network import NetworkMovement

log = logging.getLogger("clearing.outcomes")
PENDING = MovementStatus.PENDING


class _AlreadyDecided(Exception):
    """Raised inside the ledger's transaction to undo an entry whose movement is no longer pending."""


class Outcomes:
    def __init__(self, *, ledger_service: LedgerService, books: Books, published) -> None:
        self.ledger = ledger_service
        self.books = books
        self.published = published  # async (request_id, status) -> None, after a change is committed

    async def apply(self, row: CardMovement, result: NetworkMovement, *, source: str) -> MovementStatus:
        """Book the network's view of a movement (from ``source``) unless it contradicts the request."""
        if result.amount != row.amount:
            return await self.quarantine(row, QuarantineReason.AMOUNT_DIFFERS, result, source=source)
        if result.currency != row.currency:
            return await self.quarantine(row, QuarantineReason.CURRENCY_DIFFERS, result, source=source)
        if result.status == "SUCCEEDED":
            return await self.settle(row, result)
        if result.status == "DECLINED":
            return await self.decline(row, result.decline_reason or "DECLINED", at_network=True, result=result)
        if result.status == "PENDING":
            await CardMovement.filter(id=row.id, status=PENDING).update(network_ref=result.network_ref, at_network=True)
            return (await CardMovement.get(id=row.id)).status
        return await self.quarantine(row, QuarantineReason.KIND_DIFFERS, result, source=source)

    async def settle(self, row: CardMovement, result: NetworkMovement) -> MovementStatus:
        settled_at = result.settled_at or datetime.now(timezone.utc)
        accounts = await self.books.accounts()

        async def booked(entry) -> None:
            changed = await CardMovement.filter(id=row.id, status=PENDING).update(
                status=MovementStatus.SUCCEEDED, final_entry_id=entry.id, network_ref=result.network_ref,
                at_network=True, settled_at=settled_at, business_day=settlement_day(settled_at), next_query_at=None,
            )
            if not changed:
                raise _AlreadyDecided()

        try:
            if row.kind is MovementKind.TOPUP:
                await self.ledger.transfer(
                    by=CLEARING, from_account_id=accounts.network_clearing, to_account_id=row.account_id,
                    amount=row.amount, kind=EntryKind.TOPUP, idempotency_key=f"clearing:{row.request_id}:credit",
                    memo=f"top-up from card {row.card_masked or ''}".strip(), also_write=booked,
                )
            else:
                await self.ledger.transfer(
                    by=CLEARING, from_account_id=accounts.in_transit, to_account_id=accounts.network_clearing,
                    amount=row.amount, kind=EntryKind.WITHDRAWAL_SETTLEMENT,
                    idempotency_key=f"clearing:{row.request_id}:settle", memo="withdrawal settled by the network",
                    also_write=booked,
                )
        except _AlreadyDecided:
            return await self._already_decided(row, MovementStatus.SUCCEEDED, result)
        except ledger.Declined:  # the account froze or closed while the money was on its way
            return await self.quarantine(row, QuarantineReason.ACCOUNT_UNAVAILABLE, result, source="ledger")
        await self.published(row.request_id, MovementStatus.SUCCEEDED)
        return MovementStatus.SUCCEEDED

    async def decline(self, row: CardMovement, reason: str, *, at_network: bool,
                      result: NetworkMovement | None = None) -> MovementStatus:
        """The network refused it or never had it: nothing was credited, a withdrawal's money goes back."""
        changes = {"status": MovementStatus.DECLINED, "decline_reason": reason[:64], "at_network": at_network,
                   "next_query_at": None}
        if result is not None:
            changes.update(network_ref=result.network_ref)
            if result.settled_at is not None:
                changes.update(settled_at=result.settled_at, business_day=settlement_day(result.settled_at))
        if row.kind is MovementKind.TOPUP:
            if not await CardMovement.filter(id=row.id, status=PENDING).update(**changes):
                return await self._already_decided(row, MovementStatus.DECLINED, result)
        else:
            async def reversed_(entry) -> None:
                if not await CardMovement.filter(id=row.id, status=PENDING).update(final_entry_id=entry.id, **changes):
                    raise _AlreadyDecided()

            try:
                await self.ledger.reverse_entry(
                    by=CLEARING, entry_id=row.pending_entry_id, idempotency_key=f"clearing:{row.request_id}:reverse",
                    memo=f"withdrawal not made: {reason[:100]}", also_write=reversed_,
                )
            except (_AlreadyDecided, ledger.AlreadyReversed):
                return await self._already_decided(row, MovementStatus.DECLINED, result)
            except ledger.Declined:  # the Class II account froze or closed meanwhile: the money waits in transit
                return await self.quarantine(row, QuarantineReason.ACCOUNT_UNAVAILABLE, result, source="ledger")
        await self.published(row.request_id, MovementStatus.DECLINED)
        return MovementStatus.DECLINED

    async def quarantine(self, row: CardMovement, reason: QuarantineReason, result: NetworkMovement | None, *,
                         source: str) -> MovementStatus:
        """Keep what the network said for an operator and hold the movement: nothing is credited."""
        await QuarantinedNotification.get_or_create(
            request_id=row.request_id, reason=reason,
            defaults={
                "network_ref": result.network_ref if result else None, "expected_amount": row.amount,
                "notified_amount": result.amount if result else None, "expected_currency": row.currency,
                "notified_currency": result.currency if result else None,
                "notified_status": result.status if result else None,
            },
        )
        # No names, cards or accounts here: the request id leads an operator to the rest.
        log.warning(
            "card network result quarantined: request %s (%s) %s from %s; expected %s %s, told %s %s %s",
            row.request_id, row.kind.value, reason.value, source, row.amount, row.currency,
            result.amount if result else "-", result.currency if result else "-", result.status if result else "-",
        )
        if await CardMovement.filter(id=row.id, status=PENDING).update(
            status=MovementStatus.QUARANTINED, at_network=result is not None, next_query_at=None,
        ):
            await self.published(row.request_id, MovementStatus.QUARANTINED)
        return (await CardMovement.get(id=row.id)).status

    async def _already_decided(self, row: CardMovement, wanted: MovementStatus,
                               result: NetworkMovement | None) -> MovementStatus:
        """Another road booked this movement first: a repeat of its outcome is fine, another one an alert."""
        current = (await CardMovement.get(id=row.id)).status
        if current is not wanted and current is not MovementStatus.QUARANTINED:
            await self.quarantine(row, QuarantineReason.OUTCOME_CONFLICT, result, source=f"late {wanted.value}")
        return current
