"""ETC's roots, joined in ``bff/schema.py``: customers' cards, debits and disputes; operators'
merchants, disputes and statements. Refusals are ``EtcRefusal`` with a stable code."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import MiniAppId, ParsedIds, RecordId
from bff.ledger.errors import PaymentPinLocked, PaymentPinNotSet, StepUpRequired, WrongPaymentPin
from bff.ledger.mutations import movement_refusal
from bff.permissions import requires
from identity.roles import Role
from ledger import service as ledger
from miniprograms.etc import service as etc
from miniprograms.etc.graphql.access import etc_service
from miniprograms.etc.graphql.types import (
    Card, Debit, DebitList, Dispute, EtcDisputeStatus, EtcRefusal, Merchant, Statement, Total, Totals, TotalsBy,
)

CardResult = Annotated[Card | EtcRefusal, strawberry.union("EtcCardResult")]
ApplyResult = Annotated[
    Card | EtcRefusal | StepUpRequired | WrongPaymentPin | PaymentPinLocked | PaymentPinNotSet,
    strawberry.union("ApplyEtcCardResult"),
]
DebitsResult = Annotated[DebitList | EtcRefusal, strawberry.union("EtcDebitsResult")]
TotalsResult = Annotated[Totals | EtcRefusal, strawberry.union("EtcTotalsResult")]
DisputeResult = Annotated[Dispute | EtcRefusal | InvalidInput, strawberry.union("EtcDisputeResult")]
MerchantResult = Annotated[Merchant | EtcRefusal | InvalidInput, strawberry.union("EtcMerchantResult")]
StatementResult = Annotated[Statement | EtcRefusal | InvalidInput, strawberry.union("EtcStatementResult")]


@strawberry.input(name="ApplyEtcCardInput")
class ApplyInput:
    plate: str = strawberry.field(description="The plate, as 粤B12345 or the 8-character new-energy 粤BD12345.")
    pin: str = strawberry.field(description="The payment PIN, typed to sign the card's direct-debit mandate.")


def _user(info: Info) -> int:
    return info.context.principal.user_id


def _etc(info: Info) -> etc.EtcService:
    return etc_service(info.context.runtime)


@strawberry.type
class EtcQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER), description="Your ETC cards.")
    async def etc_cards(self, info: Info) -> list[Card]:
        return [Card.of(c) for c in await _etc(info).cards(user_id=_user(info))]

    @strawberry.field(extensions=requires(Role.CUSTOMER), description="Your card's debits, newest first.")
    async def etc_card_debits(self, info: Info, card_number: str, first: int = 20) -> DebitsResult:
        try:
            found = await _etc(info).card_debits(user_id=_user(info), card_number=card_number, first=first)
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)
        return DebitList(debits=[Debit.of(d) for d in found])

    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="Your card's debits totalled per merchant or per China Standard Time day.")
    async def etc_card_totals(self, info: Info, card_number: str, by: TotalsBy) -> TotalsResult:
        service = _etc(info)
        read = service.card_totals_by_merchant if by is TotalsBy.MERCHANT else service.card_totals_by_day
        try:
            found = await read(user_id=_user(info), card_number=card_number)
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)
        return Totals(totals=[Total(key=t.key, count=t.count, paid=t.paid, unpaid=t.unpaid) for t in found])

    @strawberry.field(extensions=requires(Role.CUSTOMER), description="Your disputes of ETC debits.")
    async def etc_my_disputes(self, info: Info) -> list[Dispute]:
        return [Dispute.of(d) for d in await _etc(info).disputes_of(user_id=_user(info))]

    @strawberry.field(extensions=requires(Role.OPERATOR), description="Operators: ETC disputes, newest first.")
    async def etc_disputes(self, info: Info, status: EtcDisputeStatus | None = None, first: int = 50) -> list[Dispute]:
        return [Dispute.of(d) for d in await _etc(info).disputes(status=status, first=first)]

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                      description="Operators: a merchant's ETC debits of one China Standard Time day, with totals.")
    async def etc_merchant_statement(self, info: Info, merchant_id: RecordId, day: date) -> StatementResult:
        try:
            return Statement.of(await _etc(info).merchant_statement(merchant_id=merchant_id, day=day))
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)


@strawberry.type
class EtcMutation:
    @strawberry.mutation(extensions=requires(Role.CUSTOMER),
                         description="Apply for an ETC card for a plate on your Class II account, signing its "
                                     "direct-debit mandate with your payment PIN.")
    async def apply_etc_card(self, info: Info, input: ApplyInput) -> ApplyResult:
        principal = info.context.principal
        by = ledger.Customer(user_id=principal.user_id, session_id=principal.session_id, pin=input.pin)
        try:
            return Card.of(await _etc(info).apply(by=by, plate=input.plate))
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)
        except ledger.LedgerError as exc:
            return movement_refusal(exc)

    @strawberry.mutation(extensions=requires(Role.CUSTOMER), description="Suspend your card: debits are refused.")
    async def suspend_etc_card(self, info: Info, card_number: str) -> CardResult:
        return await _card_change(_etc(info).suspend, info, card_number)

    @strawberry.mutation(extensions=requires(Role.CUSTOMER), description="Resume your suspended card.")
    async def resume_etc_card(self, info: Info, card_number: str) -> CardResult:
        return await _card_change(_etc(info).resume, info, card_number)

    @strawberry.mutation(extensions=requires(Role.CUSTOMER),
                         description="Cancel your card for good (not while a debt is unpaid); its mandate ends.")
    async def cancel_etc_card(self, info: Info, card_number: str) -> CardResult:
        return await _card_change(_etc(info).cancel, info, card_number)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="Dispute one of your card's paid debits within the window; an operator decides.")
    async def dispute_etc_debit(self, info: Info, debit_id: RecordId, reason: str) -> DisputeResult:
        try:
            return Dispute.of(await _etc(info).dispute(user_id=_user(info), debit_id=debit_id, reason=reason))
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: refund a disputed debit (its entry reversed) or reject the dispute.")
    async def resolve_etc_dispute(self, info: Info, dispute_id: RecordId, refund: bool,
                                  note: str = "") -> DisputeResult:
        try:
            return Dispute.of(await _etc(info).resolve_dispute(operator_user_id=_user(info), dispute_id=dispute_id,
                                                               refund=refund, note=note))
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: let an open-platform app debit ETC cards for a toll, parking, "
                                     "fuel or car-wash merchant enterprise.")
    async def register_etc_merchant(self, info: Info, app_id: MiniAppId, enterprise_id: RecordId) -> MerchantResult:
        try:
            m = await _etc(info).register_merchant(app_id=app_id, enterprise_id=enterprise_id,
                                                   operator_user_id=_user(info))
        except etc.EtcError as exc:
            return EtcRefusal.of(exc)
        except ledger.EnterpriseNotFound as exc:
            return InvalidInput(message=str(exc), field="enterpriseId")
        return Merchant(id=strawberry.ID(str(m.id)), app_id=m.app_id, name=m.name, category=m.category)


async def _card_change(change, info: Info, card_number: str) -> CardResult:
    try:
        return Card.of(await change(user_id=_user(info), card_number=card_number))
    except etc.EtcError as exc:
        return EtcRefusal.of(exc)
