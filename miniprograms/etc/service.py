"""ETC as the rest of the app sees it: an ``EtcService`` (the composition root builds it as
``runtime.etc``), the values it returns and the errors it raises. Other packages import
only this module.

Customers apply for a card for a plate and suspend, resume or cancel it, read its debits and
dispute one; merchants (open-platform apps an operator registered) debit a card by plate,
hold and capture at car parks and ask the blacklist; operators resolve disputes and read
merchants' daily statements.
"""

from __future__ import annotations

from typing import Protocol
from datetime import date, datetime

from infra.settings import Config
from ledger import service as ledger
from miniprograms.etc import cards, disputes, history, merchants
from miniprograms.etc.cards import SERVICE, Card
from miniprograms.etc.config import EtcSettings
from miniprograms.etc.debits import Debit, Debits, Preauth, cst_day
from miniprograms.etc.disputes import Dispute
from miniprograms.etc.errors import EtcError, EtcErrorCode
from miniprograms.etc.history import Statement, Total
from miniprograms.etc.merchants import Merchant
from miniprograms.etc.models import EtcMerchant
from miniprograms.etc.plates import masked_plate, normalized_plate
from miniprograms.etc.vocabulary import CardStatus, DebitKind, DebitStatus, DisputeStatus, PreauthStatus

__all__ = [
    "Card", "CardStatus", "Debit", "DebitKind", "DebitStatus", "Dispute", "DisputeStatus", "EtcError", "EtcErrorCode",
    "EtcService", "EtcSettings", "Merchant", "Preauth", "PreauthStatus", "SERVICE", "Statement", "Total",
    "cst_day", "masked_plate", "normalized_plate",
]



class Tell(Protocol):
    """How a customer is told (openplatform.service.tell_customer)."""

    async def __call__(self, *, user_id: int, topic: str, title: str, body: str) -> None: ...

MAX_PAGE = 100


class EtcService:
    def __init__(self, *, ledger_service: ledger.LedgerService, settings: EtcSettings, tell: Tell) -> None:
        self.ledger = ledger_service
        self.settings = settings
        self._tell = tell
        self.debits = Debits(ledger_service=ledger_service, settings=settings, tell=tell)
        # An app, once registered, stays its enterprise's merchant (register refuses a change).
        self._merchants: dict[str, EtcMerchant] = {}
        # The next money into a card's account repays its debts first.
        ledger_service.on_credit(self.debits.repay_from)

    @classmethod
    def build(cls, config: Config, *, ledger_service: ledger.LedgerService, tell: Tell) -> EtcService:
        return cls(ledger_service=ledger_service, settings=EtcSettings.from_config(config), tell=tell)

    # Customers

    async def apply(self, *, by: ledger.Customer, plate: str) -> Card:
        """A card for the plate, with the PIN the customer typed for the mandate (``by.pin``):
        MALFORMED_PLATE, CLASS_TWO_ACCOUNT_REQUIRED, PLATE_HAS_CARD, ALREADY_HAS_CARD; the
        ledger's PIN refusals (StepUpRequired, WrongPin, PinLocked, PinNotSet) propagate."""
        return await cards.apply(ledger_service=self.ledger, by=by, plate=plate,
                                 per_debit_max=self.settings.per_debit_max)

    async def cards(self, *, user_id: int) -> list[Card]:
        return await cards.cards_of(user_id=user_id)

    async def suspend(self, *, user_id: int, card_number: str) -> Card:
        return await cards.suspend(user_id=user_id, number=card_number)

    async def resume(self, *, user_id: int, card_number: str) -> Card:
        return await cards.resume(user_id=user_id, number=card_number)

    async def cancel(self, *, user_id: int, card_number: str) -> Card:
        return await cards.cancel(ledger_service=self.ledger, user_id=user_id, number=card_number)

    async def card_debits(self, *, user_id: int, card_number: str, first: int = 20,
                          before_id: int | None = None) -> list[Debit]:
        card = await cards.own_card(user_id=user_id, number=card_number)
        return await history.debits_of_card(card_id=card.id, first=max(1, min(first, MAX_PAGE)), before_id=before_id)

    async def card_totals_by_merchant(self, *, user_id: int, card_number: str) -> list[Total]:
        card = await cards.own_card(user_id=user_id, number=card_number)
        return await history.by_merchant(card_id=card.id)

    async def card_totals_by_day(self, *, user_id: int, card_number: str) -> list[Total]:
        card = await cards.own_card(user_id=user_id, number=card_number)
        return await history.by_day(card_id=card.id)

    async def dispute(self, *, user_id: int, debit_id: int, reason: str) -> Dispute:
        return await disputes.open_dispute(user_id=user_id, debit_id=debit_id, reason=reason,
                                           window_days=self.settings.dispute_window_days)

    # Merchants (the open API has checked the app's signature, token and nonce)

    async def _merchant(self, app_id: str) -> EtcMerchant:
        found = self._merchants.get(app_id)
        if found is None:
            found = self._merchants[app_id] = await merchants.merchant_of_app(app_id)
        return found

    async def debit(self, *, app_id: str, plate: str, amount: int, idempotency_key: str) -> Debit:
        merchant = await self._merchant(app_id)
        return await self.debits.debit(merchant=merchant, plate=plate, amount=amount, idempotency_key=idempotency_key)

    async def hold(self, *, app_id: str, plate: str, amount: int, idempotency_key: str) -> Preauth:
        merchant = await self._merchant(app_id)
        return await self.debits.hold(merchant=merchant, plate=plate, amount=amount, idempotency_key=idempotency_key)

    async def capture(self, *, app_id: str, preauth_id: int, amount: int, idempotency_key: str) -> Debit:
        merchant = await self._merchant(app_id)
        return await self.debits.capture(merchant=merchant, preauth_id=preauth_id, amount=amount,
                                         idempotency_key=idempotency_key)

    async def release(self, *, app_id: str, preauth_id: int) -> Preauth:
        merchant = await self._merchant(app_id)
        return await self.debits.release(merchant=merchant, preauth_id=preauth_id)

    async def blacklisted(self, *, app_id: str, plate: str) -> tuple[bool, datetime | None]:
        """Toll operators ask whether a plate's card is blacklisted; other merchants may not."""
        merchant = await self._merchant(app_id)
        if merchant.category != ledger.MerchantCategory.TOLL_OPERATOR.value:
            raise EtcError(EtcErrorCode.NOT_A_TOLL_OPERATOR)
        return await self.debits.is_blacklisted(plate=plate)

    async def merchant_statement(self, *, app_id: str | None = None, merchant_id: int | None = None,
                                 day: date) -> Statement:
        if app_id is not None:
            merchant = await merchants.merchant_of_app(app_id)
        elif merchant_id is not None:
            merchant = await merchants.get(merchant_id)
        else:
            raise EtcError(EtcErrorCode.NOT_AN_ETC_MERCHANT)
        return await history.statement(merchant=merchant, day=day)

    # Operators

    async def register_merchant(self, *, app_id: str, enterprise_id: int,
                                operator_user_id: int | None = None) -> Merchant:
        return await merchants.register(app_id=app_id, enterprise_id=enterprise_id, operator_user_id=operator_user_id)

    async def disputes(self, *, status: DisputeStatus | None = DisputeStatus.OPEN, first: int = 50) -> list[Dispute]:
        return await disputes.disputes(status=status, first=max(1, min(first, MAX_PAGE)))

    async def disputes_of(self, *, user_id: int, first: int = 50) -> list[Dispute]:
        return await disputes.disputes(status=None, first=max(1, min(first, MAX_PAGE)), user_id=user_id)

    async def resolve_dispute(self, *, operator_user_id: int, dispute_id: int, refund: bool, note: str = "") -> Dispute:
        return await disputes.resolve(ledger_service=self.ledger, operator_user_id=operator_user_id,
                                      dispute_id=dispute_id, refund=refund, note=note, tell=self._tell)
