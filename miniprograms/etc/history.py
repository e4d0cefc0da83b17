"""What a customer reads of their card's debits (each, per merchant, per day) and a merchant's
daily statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.functions import Count, Sum

from miniprograms.etc.debits import Debit, cst_day
from miniprograms.etc.models import EtcDebit, EtcDebt, EtcMerchant
from miniprograms.etc.vocabulary import DebitStatus, DebtStatus

SHOWN = (DebitStatus.SUCCEEDED, DebitStatus.UNPAID, DebitStatus.REFUSED)


@dataclass(frozen=True, slots=True)
class Total:
    """Debits of one group (a merchant, a day): how many, and how much was paid and is unpaid."""

    key: str  # the merchant's name, or the day
    count: int
    paid: int
    unpaid: int


@dataclass(frozen=True, slots=True)
class Statement:
    merchant_id: int
    merchant_name: str
    day: date
    debits: list[Debit]
    paid_count: int
    paid: int
    unpaid_count: int
    unpaid: int
    refused_count: int
    repaid: int  # earlier debts repaid to the merchant on this day


async def debits_of_card(*, card_id: int, first: int, before_id: int | None = None) -> list[Debit]:
    query = EtcDebit.filter(card_id=card_id, status__in=SHOWN)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(first).select_related("merchant")
    return [Debit.of(row, row.merchant.name) for row in rows]


async def _totals(card_id: int, group: str) -> dict[object, dict[str, int]]:
    rows = await (EtcDebit.filter(card_id=card_id, status__in=(DebitStatus.SUCCEEDED, DebitStatus.UNPAID))
                  .group_by(group, "status").annotate(n=Count("id"), total=Sum("amount"))
                  .values_list(group, "status", "n", "total"))
    found: dict[object, dict[str, int]] = {}
    for key, status, n, total in rows:
        entry = found.setdefault(key, {"count": 0, "paid": 0, "unpaid": 0})
        entry["count"] += n
        entry["paid" if DebitStatus(status) is DebitStatus.SUCCEEDED else "unpaid"] += int(total or 0)
    return found


async def by_merchant(*, card_id: int) -> list[Total]:
    found = await _totals(card_id, "merchant_id")
    names = dict(await EtcMerchant.filter(id__in=list(found)).values_list("id", "name"))
    return sorted((Total(names.get(k, str(k)), **v) for k, v in found.items()), key=lambda t: -t.paid)


async def by_day(*, card_id: int) -> list[Total]:
    found = await _totals(card_id, "day")
    return sorted((Total(str(k), **v) for k, v in found.items()), key=lambda t: t.key, reverse=True)


async def statement(*, merchant: EtcMerchant, day: date, most: int = 5_000) -> Statement:
    """The merchant's debits of one China Standard Time day, with totals."""
    rows = await EtcDebit.filter(merchant_id=merchant.id, day=day, status__in=SHOWN).order_by("id").limit(most)
    debits = [Debit.of(row, merchant.name) for row in rows]
    paid = [d for d in debits if d.status is DebitStatus.SUCCEEDED]
    unpaid = [d for d in debits if d.status is DebitStatus.UNPAID]
    repaid_rows = await EtcDebt.filter(debit__merchant_id=merchant.id, status=DebtStatus.REPAID).values_list(
        "amount", "repaid_at")
    repaid = sum(amount for amount, at in repaid_rows if at is not None and cst_day(at) == day)
    return Statement(merchant.id, merchant.name, day, debits, len(paid), sum(d.amount for d in paid), len(unpaid),
                     sum(d.amount for d in unpaid), sum(1 for d in debits if d.status is DebitStatus.REFUSED), repaid)
