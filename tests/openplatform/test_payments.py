"""Payments to an app's merchant account through the ledger, as the bridge makes them."""

from __future__ import annotations

import asyncio

import pytest

from ledger import errors as ledger_errors
from ledger.kinds import AccountKind
from ledger.models import Account, JournalEntry
from ledger.service import Customer, freeze_account
from openplatform import errors
from openplatform.apps import set_webhook_url
from openplatform.models import WebhookDelivery
from tests.ledger.support import funded_account, paying_customer
from tests.openplatform.support import register_partner_app


async def _balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def test_a_payment_moves_money_to_the_apps_merchant_account(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)

    payment = await runtime.openplatform.pay(
        app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id, amount_fen=2_550,
        description="Coffee beans", idempotency_key="order-1",
    )

    assert (payment.status, payment.amount_fen, payment.app_id) == ("succeeded", 2_550, partner.app_id)
    assert payment.payment_id.startswith("pay_")
    merchant = await Account.get(kind=AccountKind.MERCHANT)
    assert (await _balance(account.id), merchant.balance) == (7_450, 2_550)
    assert await JournalEntry.filter(kind="mp_payment").count() == 1


async def test_a_retried_payment_moves_money_once(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    pay = dict(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id, amount_fen=1_000,
               description="Ticket", idempotency_key="order-7")

    results = await asyncio.gather(*(runtime.openplatform.pay(**pay) for _ in range(4)))
    again = await runtime.openplatform.pay(**pay)

    assert len({p.payment_id for p in [*results, again]}) == 1
    assert await _balance(account.id) == 9_000

    with pytest.raises(ledger_errors.IdempotencyConflict):
        await runtime.openplatform.pay(**{**pay, "amount_fen": 1_001})
    assert await _balance(account.id) == 9_000


async def test_each_app_has_one_merchant_account(runtime, gql, sign_in, partner, customer):
    other = await register_partner_app(gql, sign_in)
    account = await funded_account(runtime, customer.user_id, 10_000)
    for n, app in enumerate((partner, partner, other)):
        await runtime.openplatform.pay(app_id=app.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id,
                                       amount_fen=100, description="x", idempotency_key=f"k{n}")
    balances = sorted(a.balance for a in await Account.filter(kind=AccountKind.MERCHANT))
    assert balances == [100, 200]


async def test_ledger_refusals_propagate_and_nothing_is_recorded(runtime, sign_in, partner, customer):
    account = await funded_account(runtime, customer.user_id, 500)
    pay = dict(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id,
               description="Too much")

    with pytest.raises(ledger_errors.InsufficientFunds):
        await runtime.openplatform.pay(**pay, amount_fen=501, idempotency_key="big")

    someone_else = await sign_in("13900000009")
    theirs = await funded_account(runtime, someone_else.user_id, 5_000)
    with pytest.raises(ledger_errors.AccountNotFound):
        await runtime.openplatform.pay(**{**pay, "from_account_id": theirs.id}, amount_fen=100, idempotency_key="theirs")

    await freeze_account(account_id=account.id)
    with pytest.raises(ledger_errors.AccountFrozen):
        await runtime.openplatform.pay(**pay, amount_fen=100, idempotency_key="frozen")

    with pytest.raises(errors.InvalidArgument):
        await runtime.openplatform.pay(**pay, amount_fen=0, idempotency_key="zero")
    assert await JournalEntry.filter(kind="mp_payment").count() == 0
    assert (await _balance(account.id), await _balance(theirs.id)) == (500, 5_000)


async def test_class_two_limits_apply(environ, sign_in_with):
    environ["LEDGER_CLASS_TWO_PER_TRANSACTION_FEN"] = "1000"
    gql, runtime = await sign_in_with()
    partner = await register_partner_app(gql, sign_in_with.sign_in)
    customer = await sign_in_with.sign_in("13900000001")
    account = await funded_account(runtime, customer.user_id, 50_000)

    with pytest.raises(ledger_errors.LimitExceeded):
        await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id,
                                       amount_fen=1_001, description="Over", idempotency_key="over")


async def test_a_payment_queues_its_webhook_event_when_a_url_is_registered(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id,
                                   amount_fen=100, description="Before", idempotency_key="a")
    assert await WebhookDelivery.all().count() == 0

    await set_webhook_url(actor=partner.developer, app_id=partner.app_id, url="https://partner.example.com/hook")
    payment = await runtime.openplatform.pay(
        app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id), from_account_id=account.id, amount_fen=300,
        description="After", idempotency_key="b",
    )

    event = await WebhookDelivery.get()
    assert (event.app_id, event.event_type, event.status) == (partner.app_id, "payment.succeeded", "pending")
    assert event.payload["data"]["paymentId"] == payment.payment_id
    assert event.payload["data"]["amountFen"] == 300
    assert event.payload["data"]["openid"].startswith("o")


async def test_a_payment_without_the_payers_pin_is_refused_by_the_ledger_whoever_calls(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    with_pin = await paying_customer(runtime, customer.user_id)
    pay = dict(app_id=partner.app_id, from_account_id=account.id, amount_fen=100, description="Coffee")

    # Called past the bridge, as any other package could: the ledger still asks for the PIN.
    with pytest.raises(ledger_errors.StepUpRequired) as asked:
        await runtime.openplatform.pay(**pay, payer=Customer(user_id=customer.user_id, session_id="s"),
                                       idempotency_key="no-pin")
    with pytest.raises(ledger_errors.WrongPin):
        await runtime.openplatform.pay(**pay, payer=Customer(user_id=customer.user_id, session_id="s", pin="246810"),
                                       idempotency_key="wrong-pin")

    assert asked.value.each_payment is True
    assert await JournalEntry.filter(kind="mp_payment").count() == 0
    assert await _balance(account.id) == 10_000
    await runtime.openplatform.pay(**pay, payer=with_pin, idempotency_key="with-pin")
    assert await _balance(account.id) == 9_900
