"""Credits other banks send through the network: booked once, or refused so the money goes back.

The notification names the payee by account number. An unknown, closed or frozen account
is refused with a 4xx code, which makes the network return the money to the sender; the
refusal is remembered, so a repeat of the notification gets the same answer.
"""

from __future__ import annotations

from datetime import timezone

from tortoise.exceptions import IntegrityError

from infra.masking import mask_name
from ledger import service as ledger
from infra.i18n import t, yuan
from ledger.service import AccountKind, AccountStatus, EntryKind, LedgerService, account_by_number
from openplatform.service import tell_customer

from clearing.books import CLEARING, Books, settlement_day
from clearing.errors import CallbackCode, CallbackRefused
from clearing.kinds import MovementKind, MovementStatus
from clearing.models import CardMovement
from clearing.notifications import Notification

CURRENCY = "CNY"
_REFUSALS = {
    ledger.AccountFrozen: CallbackCode.ACCOUNT_FROZEN, ledger.AccountClosed: CallbackCode.ACCOUNT_CLOSED,
    ledger.AccountNotFound: CallbackCode.UNKNOWN_ACCOUNT,
}


class InboundCredits:
    def __init__(self, *, ledger_service: LedgerService, books: Books) -> None:
        self.ledger = ledger_service
        self.books = books

    async def receive(self, note: Notification) -> MovementStatus:
        """Credit the payee's Class II account; CallbackRefused when it cannot take the money."""
        movement = note.movement
        existing = await CardMovement.get_or_none(request_id=movement.request_id)
        if existing is not None:
            return _same_answer(existing)
        if movement.currency != CURRENCY:
            return await self._refuse(note, CallbackCode.CURRENCY_NOT_SUPPORTED, None)
        account = await account_by_number(number=note.payee_account or "")
        if account is None or account.kind is not AccountKind.CLASS_TWO:
            return await self._refuse(note, CallbackCode.UNKNOWN_ACCOUNT, None)
        if account.status is not AccountStatus.ACTIVE:
            code = CallbackCode.ACCOUNT_CLOSED if account.status is AccountStatus.CLOSED else CallbackCode.ACCOUNT_FROZEN
            return await self._refuse(note, code, account)
        accounts = await self.books.accounts()
        settled_at = movement.settled_at.astimezone(timezone.utc)
        payer = mask_name(note.payer_name)

        async def record(entry) -> None:
            await CardMovement.create(
                **_row(note, account, MovementStatus.SUCCEEDED), final_entry_id=entry.id, settled_at=settled_at,
            )
            # Stored as written, in the language of the request that wrote it (Chinese by default).
            sender = payer or t("clearing.another_bank")
            await tell_customer(
                user_id=account.owner_user_id, topic="money-received", title=t("clearing.money_received"),
                body=t("clearing.money_received_body", amount=yuan(movement.amount),
                       sender=f"{sender}（{note.payer_bank}）" if note.payer_bank else sender),
            )

        try:
            await self.ledger.transfer(
                by=CLEARING, from_account_id=accounts.network_clearing, to_account_id=account.id,
                amount=movement.amount, kind=EntryKind.INBOUND_TRANSFER,
                idempotency_key=f"clearing:inbound:{movement.request_id}",
                memo=f"transfer from {payer} ({note.payer_bank})"[:140] if payer else "transfer from another bank",
                also_write=record,
            )
        except ledger.Declined as exc:  # frozen or closed between the look-up and the posting
            return await self._refuse(note, _REFUSALS.get(type(exc), CallbackCode.UNKNOWN_ACCOUNT), account)
        except IntegrityError:  # the same notification twice at once: the other one booked it
            return _same_answer(await CardMovement.get(request_id=movement.request_id))
        return MovementStatus.SUCCEEDED

    async def _refuse(self, note: Notification, code: CallbackCode, account) -> MovementStatus:
        """Remember the refusal (the network returns the money: RETURNED) and refuse."""
        try:
            await CardMovement.create(**_row(note, account, MovementStatus.RETURNED), decline_reason=code.value)
        except IntegrityError:
            return _same_answer(await CardMovement.get(request_id=note.movement.request_id))
        raise CallbackRefused(code, "this account cannot receive the transfer")


def _row(note: Notification, account, status: MovementStatus) -> dict:
    movement = note.movement
    return {
        "request_id": movement.request_id, "kind": MovementKind.INBOUND, "status": status,
        "user_id": account.owner_user_id if account else None, "account_id": account.id if account else None,
        "amount": movement.amount, "currency": movement.currency, "network_ref": movement.network_ref,
        "at_network": True, "payer_masked": mask_name(note.payer_name) or None, "payer_bank": note.payer_bank or None,
        "business_day": settlement_day(movement.settled_at),
    }


def _same_answer(row: CardMovement) -> MovementStatus:
    if row.kind is not MovementKind.INBOUND:
        raise CallbackRefused(CallbackCode.MALFORMED_NOTIFICATION, "this requestId is not an inbound credit")
    if row.status is MovementStatus.RETURNED:
        raise CallbackRefused(CallbackCode(row.decline_reason), "this account cannot receive the transfer")
    return row.status
