"""A declined payment or refund stays declined under its key, though the open platform writes
its own rows with the ledger entry: a retry never turns into money moved."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from ledger import errors as ledger_errors
from ledger.models import Account, DeclinedRequest, JournalEntry
from ledger.service import AccountKind, EntryKind, freeze_account, open_account, unfreeze_account
from openplatform.models import Payment as PaymentRow, Refund as RefundRow
from tests.ledger.support import DEPOSITS, funded_account, paying_customer
from tests.openplatform.support import order_for, pay_order


async def _balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def _top_up(runtime, account_id: int, amount: int, key: str) -> None:
    settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement",
                                    idempotency_key="test-settlement")
    await runtime.ledger.transfer(by=DEPOSITS, from_account_id=settlement.id, to_account_id=account_id,
                                  amount=amount, idempotency_key=key, kind=EntryKind.DEPOSIT)


async def test_a_declined_attempt_stays_declined_and_the_user_may_pay_the_order_after_a_top_up(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_00)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=30_00, order_id="order-9")
    pay = dict(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id),
               from_account_id=account.id, prepay_id=order.prepay_id)

    with pytest.raises(ledger_errors.InsufficientFunds):
        await runtime.openplatform.pay(**pay)
    assert await DeclinedRequest.filter(idempotency_key=f"mp-pay:{partner.app_id}:order-9:0").count() == 1
    await _top_up(runtime, account.id, 50_00, "top-up-1")

    paid = await runtime.openplatform.pay(**pay)  # the next attempt, under its own key

    assert (paid.status, paid.order_id, await _balance(account.id)) == ("succeeded", "order-9", 30_00)
    assert await JournalEntry.filter(kind="mp_payment").count() == 1
    assert await DeclinedRequest.filter(idempotency_key=f"mp-pay:{partner.app_id}:order-9:1").count() == 0


async def test_concurrent_attempts_of_a_declined_payment_are_one_attempt(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_00)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=30_00, order_id="fuel-1")
    pay = dict(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id),
               from_account_id=account.id, prepay_id=order.prepay_id)

    async def attempt():
        try:
            return (await runtime.openplatform.pay(**pay)).payment_id
        except ledger_errors.InsufficientFunds:
            return "declined"

    first = await asyncio.gather(*(attempt() for _ in range(10)))
    await _top_up(runtime, account.id, 100_00, "top-up-1")
    again = await asyncio.gather(*(attempt() for _ in range(10)))

    assert set(first) == {"declined"}
    assert await DeclinedRequest.filter(idempotency_key__startswith=f"mp-pay:{partner.app_id}:fuel-1:").count() == 1
    assert len(set(again)) == 1 and "declined" not in again
    assert await JournalEntry.filter(kind="mp_payment").count() == 1
    assert await PaymentRow.all().count() == 1
    assert await _balance(account.id) == 80_00


async def test_a_declined_refund_stays_declined_under_its_key(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_00)
    payment = await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=4_00,
                              order_id="wash-1", description="Car wash")
    refund = dict(app_id=partner.app_id, payment_id=payment.payment_id, amount_fen=1_00, idempotency_key="r-1")

    await freeze_account(account_id=account.id)
    with pytest.raises(ledger_errors.AccountFrozen):
        await runtime.openplatform.refund(**refund)
    await unfreeze_account(account_id=account.id)
    with pytest.raises(ledger_errors.AccountFrozen):
        await runtime.openplatform.refund(**refund)

    assert await RefundRow.all().count() == 0
    assert (await PaymentRow.get(payment_id=payment.payment_id)).refunded_fen == 0
    assert await _balance(account.id) == 6_00


async def test_a_refund_over_what_was_paid_moves_nothing_though_both_passed_the_first_check(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_00)
    payment, _ = [
        await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=4_00, order_id=key,
                        description="Car wash")
        for key in ("wash-1", "wash-2")  # the merchant account holds enough for both refunds
    ]

    results = await asyncio.gather(
        *(runtime.openplatform.refund(app_id=partner.app_id, payment_id=payment.payment_id, amount_fen=3_00,
                                      idempotency_key=f"r-{n}") for n in range(2)),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Refund", "RefundExceedsPayment"]
    assert (await PaymentRow.get(payment_id=payment.payment_id)).refunded_fen == 3_00
    assert await JournalEntry.filter(kind="mp_refund").count() == 1
    assert await _balance(account.id) == 5_00


async def test_the_ledger_will_not_move_money_inside_a_callers_transaction(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_00)
    payer = await paying_customer(runtime, customer.user_id)

    with pytest.raises(ledger_errors.InsideCallersTransaction):
        async with in_transaction():
            await runtime.ledger.transfer(by=payer, from_account_id=account.id,
                                          to_account_id=(await funded_account(runtime, 2, 0)).id,
                                          amount=30_00, idempotency_key="nested-1", kind=EntryKind.PAYMENT)

    assert await DeclinedRequest.all().count() == 0
    assert await JournalEntry.filter(idempotency_key="nested-1").count() == 0
    assert await _balance(account.id) == 10_00
