"""Orders the partner's server creates, paid by prepay id through the ledger, once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from ledger import errors as ledger_errors
from ledger.kinds import AccountKind
from ledger.models import Account, JournalEntry
from ledger.service import Customer, freeze_account
from openplatform import errors
from openplatform.apps import set_webhook_url
from openplatform.models import Order as OrderRow, Payment as PaymentRow, WebhookDelivery
from tests.ledger.support import funded_account, paying_customer
from tests.openplatform.support import order_for, pay_order, register_partner_app


async def _balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def test_an_order_paid_by_prepay_id_moves_its_amount_to_the_apps_merchant_account(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=2_550, order_id="order-1")
    assert (order.status, order.payment_id) == ("unpaid", None) and order.prepay_id.startswith("prepay_")

    payment = await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id),
                                             from_account_id=account.id, prepay_id=order.prepay_id)

    assert (payment.status, payment.amount_fen, payment.order_id, payment.openid) == (
        "succeeded", 2_550, "order-1", order.openid)
    merchant = await Account.get(kind=AccountKind.MERCHANT)
    assert (await _balance(account.id), merchant.balance) == (7_450, 2_550)
    assert await JournalEntry.filter(kind="mp_payment").count() == 1
    paid = await runtime.openplatform.get_order(app_id=partner.app_id, order_id="order-1")
    assert (paid.status, paid.payment_id) == ("paid", payment.payment_id)


async def test_paying_one_prepay_id_many_times_at_once_pays_once(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=1_000, order_id="order-7")
    payer = await paying_customer(runtime, customer.user_id)

    results = await asyncio.gather(*(
        runtime.openplatform.pay(app_id=partner.app_id, payer=payer, from_account_id=account.id,
                                 prepay_id=order.prepay_id) for _ in range(8)
    ))
    again = await runtime.openplatform.pay(app_id=partner.app_id, payer=payer, from_account_id=account.id,
                                           prepay_id=order.prepay_id)

    assert len({p.payment_id for p in [*results, again]}) == 1
    assert await _balance(account.id) == 9_000
    assert await JournalEntry.filter(kind="mp_payment").count() == 1
    assert await PaymentRow.all().count() == 1


async def test_paying_one_prepay_id_from_two_accounts_at_once_pays_once(runtime, partner, customer):
    first = await funded_account(runtime, customer.user_id, 10_000)
    second = await funded_account(runtime, customer.user_id, 10_000, name="second")
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=1_000, order_id="order-8")
    payer = await paying_customer(runtime, customer.user_id)

    results = await asyncio.gather(*(
        runtime.openplatform.pay(app_id=partner.app_id, payer=payer, from_account_id=account.id,
                                 prepay_id=order.prepay_id) for account in (first, second) * 3
    ), return_exceptions=True)

    paid = {r.payment_id for r in results if not isinstance(r, BaseException)}
    assert len(paid) == 1
    assert all(isinstance(r, ledger_errors.IdempotencyConflict) for r in results if isinstance(r, BaseException))
    assert await _balance(first.id) + await _balance(second.id) == 19_000


async def test_the_same_order_id_is_the_same_order_and_other_details_conflict(runtime, partner, customer):
    made = await asyncio.gather(*(
        order_for(runtime, partner.app_id, customer.user_id, amount_fen=500, order_id="o-1") for _ in range(4)
    ))
    assert len({o.prepay_id for o in made}) == 1
    with pytest.raises(errors.OrderConflict):
        await order_for(runtime, partner.app_id, customer.user_id, amount_fen=501, order_id="o-1")
    with pytest.raises(errors.UnknownOpenId):
        await runtime.openplatform.create_order(app_id=partner.app_id, order_id="o-2", openid="onobody",
                                                amount_fen=1, description="x")
    for bad in ({"amount_fen": 0}, {"amount_fen": True}, {"order_id": "has space"}, {"description": " "}):
        with pytest.raises(errors.InvalidArgument):
            await order_for(runtime, partner.app_id, customer.user_id, **{"amount_fen": 1, "order_id": "o-3", **bad})


async def test_each_app_has_one_merchant_account(runtime, gql, sign_in, partner, customer):
    other = await register_partner_app(gql, sign_in)
    account = await funded_account(runtime, customer.user_id, 10_000)
    for n, app in enumerate((partner, partner, other)):
        await pay_order(runtime, app.app_id, customer.user_id, account.id, amount_fen=100, order_id=f"k{n}")
    balances = sorted(a.balance for a in await Account.filter(kind=AccountKind.MERCHANT))
    assert balances == [100, 200]


async def test_ledger_refusals_propagate_and_nothing_is_recorded(runtime, sign_in, partner, customer):
    account = await funded_account(runtime, customer.user_id, 500)

    with pytest.raises(ledger_errors.InsufficientFunds):
        await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=501, order_id="big")

    someone_else = await sign_in("13900000009")
    theirs = await funded_account(runtime, someone_else.user_id, 5_000)
    with pytest.raises(ledger_errors.AccountNotFound):
        await pay_order(runtime, partner.app_id, customer.user_id, theirs.id, amount_fen=100, order_id="theirs")

    await freeze_account(account_id=account.id)
    with pytest.raises(ledger_errors.AccountFrozen):
        await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=100, order_id="frozen")
    assert await JournalEntry.filter(kind="mp_payment").count() == 0
    assert (await _balance(account.id), await _balance(theirs.id)) == (500, 5_000)
    assert {o.status for o in await OrderRow.all()} == {"unpaid"}


async def test_another_users_prepay_id_is_not_found_for_them(runtime, sign_in, partner, customer):
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=100, order_id="mine")
    intruder = await sign_in("13900000009")
    theirs = await funded_account(runtime, intruder.user_id, 5_000)
    with pytest.raises(errors.OrderNotFound):
        await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, intruder.user_id),
                                       from_account_id=theirs.id, prepay_id=order.prepay_id)
    with pytest.raises(errors.InvalidArgument):
        await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, intruder.user_id),
                                       from_account_id=theirs.id, prepay_id="prepay_../../x")
    assert await _balance(theirs.id) == 5_000


async def test_a_closed_order_is_never_paid_and_a_paid_one_is_never_closed(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    payer = await paying_customer(runtime, customer.user_id)
    closed = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=100, order_id="to-close")

    assert (await runtime.openplatform.close_order(app_id=partner.app_id, order_id="to-close")).status == "closed"
    assert (await runtime.openplatform.close_order(app_id=partner.app_id, order_id="to-close")).status == "closed"
    with pytest.raises(errors.OrderClosed):
        await runtime.openplatform.pay(app_id=partner.app_id, payer=payer, from_account_id=account.id,
                                       prepay_id=closed.prepay_id)

    await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=200, order_id="paid")
    with pytest.raises(errors.OrderPaid):
        await runtime.openplatform.close_order(app_id=partner.app_id, order_id="paid")
    with pytest.raises(errors.OrderNotFound):
        await runtime.openplatform.close_order(app_id=partner.app_id, order_id="never-made")
    assert await _balance(account.id) == 9_800


async def test_a_close_and_a_payment_at_once_never_both_win(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 100_000)
    payer = await paying_customer(runtime, customer.user_id)
    for n in range(6):
        order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=100, order_id=f"race-{n}")
        paid, closed = await asyncio.gather(
            runtime.openplatform.pay(app_id=partner.app_id, payer=payer, from_account_id=account.id,
                                     prepay_id=order.prepay_id),
            runtime.openplatform.close_order(app_id=partner.app_id, order_id=order.order_id),
            return_exceptions=True,
        )
        final = await runtime.openplatform.get_order(app_id=partner.app_id, order_id=order.order_id)
        if final.status == "paid":
            assert isinstance(closed, errors.OrderPaid) and paid.order_id == order.order_id
        else:
            assert final.status == "closed" and isinstance(paid, errors.OrderClosed)
    paid_count = await OrderRow.filter(status="paid").count()
    assert await _balance(account.id) == 100_000 - 100 * paid_count
    assert await JournalEntry.filter(kind="mp_payment").count() == paid_count


async def test_an_expired_order_is_refused(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=100, order_id="late")
    await OrderRow.filter(prepay_id=order.prepay_id).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))

    with pytest.raises(errors.OrderExpired):
        await runtime.openplatform.pay(app_id=partner.app_id, payer=await paying_customer(runtime, customer.user_id),
                                       from_account_id=account.id, prepay_id=order.prepay_id)
    assert (await runtime.openplatform.get_order(app_id=partner.app_id, order_id="late")).status == "expired"
    assert await _balance(account.id) == 10_000


async def test_class_two_limits_apply(environ, sign_in_with):
    environ["LEDGER_CLASS_TWO_PER_TRANSACTION_FEN"] = "1000"
    gql, runtime = await sign_in_with()
    partner = await register_partner_app(gql, sign_in_with.sign_in)
    customer = await sign_in_with.sign_in("13900000001")
    account = await funded_account(runtime, customer.user_id, 50_000)

    with pytest.raises(ledger_errors.LimitExceeded):
        await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=1_001, order_id="over")


async def test_a_payment_queues_its_webhook_event_with_order_and_openid(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=100, order_id="a")
    assert await WebhookDelivery.all().count() == 0

    await set_webhook_url(actor=partner.developer, app_id=partner.app_id, url="https://partner.example.com/hook")
    payment = await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=300, order_id="b")

    event = await WebhookDelivery.get()
    assert (event.app_id, event.event_type, event.status) == (partner.app_id, "payment.succeeded", "pending")
    data = event.payload["data"]
    assert (data["paymentId"], data["orderId"], data["amountFen"]) == (payment.payment_id, "b", 300)
    assert data["openid"] == payment.openid and data["openid"].startswith("o")


async def test_a_payment_without_the_payers_pin_is_refused_by_the_ledger_whoever_calls(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    order = await order_for(runtime, partner.app_id, customer.user_id, amount_fen=100, order_id="pin")
    pay = dict(app_id=partner.app_id, from_account_id=account.id, prepay_id=order.prepay_id)

    # Called past the bridge, as any other package could: the ledger still asks for the PIN.
    with pytest.raises(ledger_errors.StepUpRequired) as asked:
        await runtime.openplatform.pay(**pay, payer=Customer(user_id=customer.user_id, session_id="s"))
    await paying_customer(runtime, customer.user_id)
    with pytest.raises(ledger_errors.WrongPin):
        await runtime.openplatform.pay(**pay, payer=Customer(user_id=customer.user_id, session_id="s", pin="246810"))

    assert asked.value.each_payment is True
    assert await JournalEntry.filter(kind="mp_payment").count() == 0
    assert await _balance(account.id) == 10_000
    await runtime.openplatform.pay(**pay, payer=await paying_customer(runtime, customer.user_id))
    assert await _balance(account.id) == 9_900


async def test_the_apps_own_developer_paying_it_is_a_sandbox_payment(runtime, partner, customer):
    account = await funded_account(runtime, customer.user_id, 10_000)
    mine = await funded_account(runtime, partner.developer.user_id, 10_000)

    real = await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=100, order_id="real")
    test = await pay_order(runtime, partner.app_id, partner.developer.user_id, mine.id, amount_fen=100, order_id="test")

    assert (real.sandbox, test.sandbox) == (False, True)
    assert (await runtime.openplatform.get_order(app_id=partner.app_id, order_id="test")).sandbox is True
