"""Cards: a verified customer applies for a plate, the card goes on their Class II account under
a direct-debit mandate; they suspend, resume or cancel it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError

from kyc.service import verified_masked_name
from ledger import service as ledger
from miniprograms.etc.errors import EtcErrorCode as Code, refused
from miniprograms.etc.models import EtcCard, EtcDebt
from miniprograms.etc.plates import masked_plate, normalized_plate
from miniprograms.etc.vocabulary import CardStatus, DebtStatus

SERVICE = "etc"  # the ledger's InternalService that debits under ETC mandates
ISSUER = "4401"  # the issuing network's region prefix on every card number


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    number: str
    plate: str
    owner_user_id: int
    account_id: int
    status: CardStatus
    blacklisted: bool
    created_at: datetime

    @property
    def masked_plate(self) -> str:
        return masked_plate(self.plate)

    @classmethod
    def of(cls, row: EtcCard) -> Card:
        return cls(row.id, row.number, row.plate, row.owner_user_id, row.account_id, row.status,
                   row.blacklisted_at is not None, row.created_at)


def checked_plate(text: object) -> str:
    plate = normalized_plate(text)
    if plate is None:
        raise refused(Code.MALFORMED_PLATE)
    return plate


def _new_number(now: datetime) -> str:
    """20 digits: the issuer's region, the year, and 14 random digits."""
    return f"{ISSUER}{now:%y}{secrets.randbelow(10**14):014d}"


async def apply(*, ledger_service: ledger.LedgerService, by: ledger.Customer, plate: str,
                per_debit_max: int) -> Card:
    """A card for the plate on the customer's Class II account, with the PIN typed for the mandate.

    The applicant must have opened their Class II account through account opening (KYC): that
    verified them. A plate has one live card: another customer's is PLATE_HAS_CARD.
    """
    plate = checked_plate(plate)
    if await verified_masked_name(user_id=by.user_id) is None:
        raise refused(Code.CLASS_TWO_ACCOUNT_REQUIRED)
    account = await ledger.class_two_account_of(owner_user_id=by.user_id)
    if account is None:
        raise refused(Code.CLASS_TWO_ACCOUNT_REQUIRED)
    live = await EtcCard.get_or_none(live_plate=plate)
    if live is not None:
        raise refused(Code.ALREADY_HAS_CARD if live.owner_user_id == by.user_id else Code.PLATE_HAS_CARD)
    now = datetime.now(timezone.utc)
    number = _new_number(now)
    mandate = await ledger_service.grant_mandate(by=by, account_id=account.id, service=SERVICE, reference=number,
                                                 per_debit_max=per_debit_max)
    try:
        row = await EtcCard.create(number=number, plate=plate, live_plate=plate, owner_user_id=by.user_id,
                                   account_id=account.id, mandate_id=mandate.id)
    except IntegrityError:  # the plate was taken at the same moment
        await ledger_service.revoke_mandate(by=ledger.InternalService(SERVICE), mandate_id=mandate.id)
        live = await EtcCard.get_or_none(live_plate=plate)
        raise refused(Code.ALREADY_HAS_CARD if live is not None and live.owner_user_id == by.user_id
                      else Code.PLATE_HAS_CARD) from None
    return Card.of(row)


async def own_card(*, user_id: int, number: str) -> EtcCard:
    """The customer's card by its number; another customer's is CARD_NOT_FOUND, as if guessed."""
    well_formed = isinstance(number, str) and len(number) == 20 and number.isdigit() and number.isascii()
    row = await EtcCard.get_or_none(number=number, owner_user_id=user_id) if well_formed else None
    if row is None:
        raise refused(Code.CARD_NOT_FOUND)
    return row


async def cards_of(*, user_id: int) -> list[Card]:
    return [Card.of(row) for row in await EtcCard.filter(owner_user_id=user_id).order_by("id")]


async def suspend(*, user_id: int, number: str) -> Card:
    return await _move(user_id, number, CardStatus.ACTIVE, CardStatus.SUSPENDED)


async def resume(*, user_id: int, number: str) -> Card:
    return await _move(user_id, number, CardStatus.SUSPENDED, CardStatus.ACTIVE)


async def _move(user_id: int, number: str, origin: CardStatus, to: CardStatus) -> Card:
    """From ``origin`` to ``to``; a card already there stays; a cancelled one is CARD_CANCELLED."""
    row = await own_card(user_id=user_id, number=number)
    if row.status is CardStatus.CANCELLED:
        raise refused(Code.CARD_CANCELLED)
    await EtcCard.filter(id=row.id, status=origin).update(status=to)
    return Card.of(await EtcCard.get(id=row.id))


async def cancel(*, ledger_service: ledger.LedgerService, user_id: int, number: str) -> Card:
    """Cancel for good and end the mandate; refused while a debt is unpaid (it repays from the account)."""
    row = await own_card(user_id=user_id, number=number)
    if row.status is CardStatus.CANCELLED:
        return Card.of(row)
    if await EtcDebt.exists(card_id=row.id, status=DebtStatus.OPEN):
        raise refused(Code.CARD_HAS_DEBT)
    await EtcCard.filter(id=row.id).update(status=CardStatus.CANCELLED, live_plate=None,
                                           cancelled_at=datetime.now(timezone.utc))
    await ledger_service.revoke_mandate(by=ledger.InternalService(SERVICE), mandate_id=row.mandate_id)
    return Card.of(await EtcCard.get(id=row.id))
