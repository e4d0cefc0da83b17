"""ETC's GraphQL types: the card, its debits, totals, disputes and refusals."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from bff.errors import Error
from miniprograms.etc import service as etc

EtcErrorCode = strawberry.enum(etc.EtcErrorCode, name="EtcErrorCode")
EtcCardStatus = strawberry.enum(etc.CardStatus, name="EtcCardStatus")
EtcDebitStatus = strawberry.enum(etc.DebitStatus, name="EtcDebitStatus")
EtcDebitKind = strawberry.enum(etc.DebitKind, name="EtcDebitKind")
EtcDisputeStatus = strawberry.enum(etc.DisputeStatus, name="EtcDisputeStatus")


@strawberry.enum(name="EtcTotalsBy")
class TotalsBy(Enum):
    MERCHANT = "merchant"
    DAY = "day"


@strawberry.type(description="An ETC refusal: act on `code`, show `message`.")
class EtcRefusal(Error):
    code: EtcErrorCode
    field: str | None = None

    @classmethod
    def of(cls, exc: etc.EtcError) -> EtcRefusal:
        return cls(message=str(exc), code=exc.code, field=exc.field)


@strawberry.type(name="EtcCard", description="An ETC card for one plate, on your Class II account.")
class Card:
    number: str
    plate: str
    status: EtcCardStatus
    blacklisted: bool
    created_at: datetime

    @classmethod
    def of(cls, card: etc.Card) -> Card:
        return cls(number=card.number, plate=card.plate, status=card.status, blacklisted=card.blacklisted,
                   created_at=card.created_at)


@strawberry.type(name="EtcDebit", description="A merchant's debit of your card (amount in fen).")
class Debit:
    id: strawberry.ID
    merchant_name: str
    kind: EtcDebitKind
    amount: int
    status: EtcDebitStatus
    refusal: str | None
    day: date
    created_at: datetime

    @classmethod
    def of(cls, debit: etc.Debit) -> Debit:
        return cls(id=strawberry.ID(str(debit.id)), merchant_name=debit.merchant_name, kind=debit.kind,
                   amount=debit.amount, status=debit.status, refusal=debit.refusal, day=debit.day,
                   created_at=debit.created_at)


@strawberry.type(name="EtcDebitList")
class DebitList:
    debits: list[Debit]


@strawberry.type(name="EtcTotal", description="Debits of one merchant or one day: how many, paid and unpaid fen.")
class Total:
    key: str
    count: int
    paid: int
    unpaid: int


@strawberry.type(name="EtcTotals")
class Totals:
    totals: list[Total]


@strawberry.type(name="EtcDispute")
class Dispute:
    id: strawberry.ID
    debit_id: strawberry.ID
    reason: str
    status: EtcDisputeStatus
    note: str
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, d: etc.Dispute) -> Dispute:
        return cls(id=strawberry.ID(str(d.id)), debit_id=strawberry.ID(str(d.debit_id)), reason=d.reason,
                   status=d.status, note=d.note, created_at=d.created_at, resolved_at=d.resolved_at)


@strawberry.type(name="EtcMerchant")
class Merchant:
    id: strawberry.ID
    app_id: str
    name: str
    category: str


@strawberry.type(name="EtcMerchantStatement", description="A merchant's debits of one China Standard Time day.")
class Statement:
    merchant_name: str
    day: date
    debits: list[Debit]
    paid_count: int
    paid: int
    unpaid_count: int
    unpaid: int
    refused_count: int
    repaid: int

    @classmethod
    def of(cls, s: etc.Statement) -> Statement:
        return cls(merchant_name=s.merchant_name, day=s.day, debits=[Debit.of(d) for d in s.debits],
                   paid_count=s.paid_count, paid=s.paid, unpaid_count=s.unpaid_count, unpaid=s.unpaid,
                   refused_count=s.refused_count, repaid=s.repaid)
