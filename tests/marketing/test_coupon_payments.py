"""A customer's coupon applied in a mini-program's ``requestPayment``: the sheet shows the
discount, the customer pays the rest, the campaign's budget account the discount, in one
ledger entry; a coupon pays one order only, under concurrency too; expired, used, another
customer's, another app's or too valuable coupons are refused and nothing moves."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from ledger.models import Account, JournalEntry, Posting
from ledger.service import AccountKind, Customer, DebitNotAllowed, InternalService, Subsidy, open_account
from marketing.models import Coupon
from marketing.service import ErrorCode, MarketingError
from openplatform.errors import RefundExceedsPayment
from openplatform.models import Payment as PaymentRow, Refund as RefundRow
from tests.ledger.support import deposit, funded_account
from tests.marketing.campaigns import coupons, live
from tests.miniprogram_runtime.support import call, error_code, released_app
from tests.openplatform.support import order_for

PAY = {"payment": "Pay for your coffee"}
PIN = "135790"


async def budget_account(runtime, amount: int) -> int:
    account = await open_account(owner_user_id=None, kind=AccountKind.ENTERPRISE, name="营销预算",
                                 idempotency_key="test-coupon-budget")
    await deposit(runtime, account.id, amount)
    return account.id


async def payer(runtime, sign_in, phone: str, balance: int = 100_00):
    user = await sign_in(phone)
    account = await funded_account(runtime, user.user_id, balance)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    return user, account


async def coupon_campaign(runtime, app_id: str, budget: int, *, coupon_fen: int = 5_00, **overrides):
    return await live(runtime.marketing, coupons(100, coupon_fen=coupon_fen, coupon_app_id=app_id,
                                                 budget_account_id=budget, **overrides))


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def latte_with_a_coupon(gql, client, sign_in, runtime):
    """An app that takes a 5-yuan coupon of a funded campaign, a customer holding one, their 18-yuan order."""
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    budget = await budget_account(runtime, 1_000_00)
    campaign = await coupon_campaign(runtime, app.app_id, budget)
    user, account = await payer(runtime, sign_in, "13900000001")
    coupon = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=campaign.id)
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=18_00, order_id="latte-1")
    return app, budget, user, account, coupon, order


async def test_the_sheet_shows_the_discount_and_the_budget_pays_it_in_the_same_entry(gql, client, sign_in, runtime):
    app, budget, user, account, coupon, order = await latte_with_a_coupon(gql, client, sign_in, runtime)
    args = {"prepayId": order.prepay_id, "fromAccountId": account.id, "couponId": str(coupon.id)}

    # The sheet: the order, the coupons it could take, and with this one what is left to pay.
    asked = await call(client, user.access_token, app.app_id, "requestPayment", args)
    assert error_code(asked) == "STEP_UP_REQUIRED"
    sheet = asked.json()["error"]["order"]
    assert (sheet["amountFen"], sheet["discountFen"], sheet["payFen"], sheet["couponId"]) == (
        18_00, 5_00, 13_00, str(coupon.id))
    assert [c["couponId"] for c in sheet["coupons"]] == [str(coupon.id)]

    paid = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert paid.status_code == 200, paid.text
    result = paid.json()["result"]
    assert (result["amountFen"], result["discountFen"], result["paidFen"], result["couponId"]) == (
        18_00, 5_00, 13_00, str(coupon.id))
    merchant = (await PaymentRow.get(payment_id=result["paymentId"])).merchant_account_id
    assert (await balance(account.id), await balance(budget), await balance(merchant)) == (
        87_00, 995_00, 18_00)
    # One entry, three legs, balanced: the customer's part, the budget's, the merchant's whole.
    row = await PaymentRow.get(payment_id=result["paymentId"])
    legs = sorted((p.account_id, p.amount) for p in await Posting.filter(entry_id=row.entry_id))
    assert legs == sorted([(account.id, -13_00), (budget, -5_00), (merchant, 18_00)])
    used = await Coupon.get(id=coupon.id)
    assert used.redeemed_at is not None and used.redeemed_for == result["paymentId"]

    # Paying again answers the same payment; the coupon on another order is refused, nothing moves.
    again = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert again.json()["result"]["paymentId"] == result["paymentId"]
    second = await order_for(runtime, app.app_id, user.user_id, amount_fen=18_00, order_id="latte-2")
    refused = await call(client, user.access_token, app.app_id, "requestPayment",
                         {**args, "prepayId": second.prepay_id}, pin=PIN)
    assert (refused.status_code, error_code(refused), refused.json()["error"]["field"]) == (
        409, "COUPON_REDEEMED", "couponId")
    assert (await balance(account.id), await balance(budget)) == (87_00, 995_00)
    sheet = (await call(client, user.access_token, app.app_id, "requestPayment",
                        {"prepayId": second.prepay_id})).json()["error"]["order"]
    assert (sheet["coupons"], sheet["discountFen"], sheet["payFen"]) == ([], 0, 18_00)

    # A refund gives the customer back at most what they paid: the discount was never theirs.
    # It goes back to the campaign's budget, in the same entry.
    refund = runtime.openplatform.refund
    with pytest.raises(RefundExceedsPayment) as too_much:
        await refund(app_id=app.app_id, payment_id=result["paymentId"], amount_fen=18_00, idempotency_key="r1")
    assert too_much.value.refundable == 13_00
    done = await refund(app_id=app.app_id, payment_id=result["paymentId"], amount_fen=13_00, idempotency_key="r2")
    assert (done.payment.status, await balance(account.id)) == ("refunded", 100_00)
    assert (await balance(budget), await balance(merchant)) == (1_000_00, 0)
    row = await PaymentRow.get(payment_id=result["paymentId"])
    legs = sorted((p.account_id, p.amount) for p in await Posting.filter(entry_id=(await RefundRow.get(
        refund_id=done.refund_id)).entry_id))
    assert legs == sorted([(merchant, -18_00), (account.id, 13_00), (budget, 5_00)])
    assert row.discount_refunded_fen == 5_00


async def test_partial_refunds_give_the_budget_its_share_and_all_of_it_in_the_end(gql, client, sign_in, runtime):
    """Refunds of parts of a discounted payment, some at once: the budget gets the same share of
    the discount as the customer gets of what they paid, rounded down, and all of it with the last fen."""
    app, budget, user, account, coupon, order = await latte_with_a_coupon(gql, client, sign_in, runtime)
    payment = await runtime.openplatform.pay(
        app_id=app.app_id, payer=Customer(user_id=user.user_id, session_id="s", pin=PIN),
        from_account_id=account.id, prepay_id=order.prepay_id, coupon_id=coupon.id)
    merchant = (await PaymentRow.get(payment_id=payment.payment_id)).merchant_account_id
    refund = runtime.openplatform.refund

    first = await refund(app_id=app.app_id, payment_id=payment.payment_id, amount_fen=4_00, idempotency_key="a")
    assert first.payment.status == "partially_refunded"
    assert (await balance(account.id), await balance(budget), await balance(merchant)) == (
        87_00 + 4_00, 995_00 + 5_00 * 4_00 // 13_00, 18_00 - 4_00 - 153)
    again = await refund(app_id=app.app_id, payment_id=payment.payment_id, amount_fen=4_00, idempotency_key="a")
    assert again.refund_id == first.refund_id  # the same refund, nothing moved twice
    assert await balance(budget) == 995_00 + 153

    # The other 9 yuan in three refunds at once; each sees what the others gave back.
    racing = await asyncio.gather(*(refund(app_id=app.app_id, payment_id=payment.payment_id, amount_fen=3_00,
                                           idempotency_key=f"b{n}") for n in range(3)), return_exceptions=True)
    assert not [r for r in racing if isinstance(r, BaseException)], racing
    assert (await balance(account.id), await balance(budget), await balance(merchant)) == (100_00, 1_000_00, 0)
    row = await PaymentRow.get(payment_id=payment.payment_id)
    assert (row.status, row.refunded_fen, row.discount_refunded_fen) == ("refunded", 13_00, 5_00)
    with pytest.raises(RefundExceedsPayment):
        await refund(app_id=app.app_id, payment_id=payment.payment_id, amount_fen=1, idempotency_key="c")
    # Every refund entry balances.
    for entry in await JournalEntry.filter(kind="mp_refund"):
        assert sum(p.amount for p in await Posting.filter(entry_id=entry.id)) == 0


async def test_a_coupon_raced_by_two_payments_pays_one(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    budget = await budget_account(runtime, 1_000_00)
    campaign = await coupon_campaign(runtime, app.app_id, budget)
    user, account = await payer(runtime, sign_in, "13900000001")
    coupon = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=campaign.id)
    orders = [await order_for(runtime, app.app_id, user.user_id, amount_fen=10_00, order_id=f"o-{n}")
              for n in range(8)]

    results = await asyncio.gather(*(runtime.openplatform.pay(
        app_id=app.app_id, payer=Customer(user_id=user.user_id, session_id="race", pin=PIN),
        from_account_id=account.id, prepay_id=o.prepay_id, coupon_id=coupon.id) for o in orders),
        return_exceptions=True)

    paid = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(paid) == 1, results
    assert all(isinstance(r, MarketingError) and r.code is ErrorCode.COUPON_REDEEMED for r in refused), refused
    assert (await balance(account.id), await balance(budget)) == (100_00 - 5_00, 1_000_00 - 5_00)
    assert await PaymentRow.filter(coupon_id=coupon.id).count() == 1
    assert (await Coupon.get(id=coupon.id)).redeemed_for == paid[0].payment_id
    # Nothing half-written: the losers' entries rolled back with their refusals.
    assert await JournalEntry.filter(kind="mp_payment").count() == 1


async def test_coupons_it_does_not_take_are_refused_with_their_reason(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    other_app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY, phone="13900000102")
    budget = await budget_account(runtime, 1_000_00)
    here = await coupon_campaign(runtime, app.app_id, budget, name="本店券")
    elsewhere = await coupon_campaign(runtime, other_app.app_id, budget, name="他店券")
    big = await coupon_campaign(runtime, app.app_id, budget, coupon_fen=20_00, name="大额券")
    user, account = await payer(runtime, sign_in, "13900000001")
    other, _ = await payer(runtime, sign_in, "13900000002")
    mine = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=here.id)
    foreign = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=elsewhere.id)
    too_big = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=big.id)
    theirs = await runtime.marketing.claim_coupon(user_id=other.user_id, campaign_id=here.id)
    expired = await runtime.marketing.claim_coupon(user_id=other.user_id, campaign_id=big.id)  # made old below
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=20_00, order_id="o-1")

    async def pay(coupon_id, token=user.access_token, pin=PIN):
        return await call(client, token, app.app_id, "requestPayment",
                          {"prepayId": order.prepay_id, "fromAccountId": account.id, "couponId": coupon_id}, pin=pin)

    assert [(await pay(c.id)).json()["error"]["code"] for c in (foreign, too_big, theirs)] == [
        "COUPON_NOT_FOR_APP", "COUPON_ABOVE_AMOUNT", "COUPON_NOT_FOUND"]
    assert error_code(await pay("coupon-1")) == "COUPON_NOT_FOUND"
    # The sheet refuses them too, and lists only the coupon this order can take.
    sheet = await pay(foreign.id, pin=None)
    assert (sheet.status_code, error_code(sheet)) == (422, "COUPON_NOT_FOR_APP")
    listed = (await call(client, user.access_token, app.app_id, "requestPayment",
                         {"prepayId": order.prepay_id})).json()["error"]["order"]["coupons"]
    assert [c["couponId"] for c in listed] == [str(mine.id)]
    # Expired: the other customer's big coupon, past its date, on their own order.
    await Coupon.filter(id=expired.id).update(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    their_order = await order_for(runtime, app.app_id, other.user_id, amount_fen=50_00, order_id="o-2")
    old = await runtime.openplatform.order_to_pay(app_id=app.app_id, user_id=other.user_id,
                                                  prepay_id=their_order.prepay_id)
    with pytest.raises(MarketingError) as late:
        await runtime.openplatform.discount_for(app_id=app.app_id, user_id=other.user_id, order=old,
                                                coupon_id=expired.id)
    assert late.value.code is ErrorCode.COUPON_EXPIRED
    # Nothing moved, nothing used.
    assert (await balance(account.id), await balance(budget)) == (100_00, 1_000_00)
    assert await Coupon.filter(redeemed_at__isnull=False).count() == 0
    assert str(theirs.id) != str(mine.id)


async def test_a_coupon_campaign_for_payments_names_a_real_app_and_a_budget_account(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    budget = await budget_account(runtime, 1)
    customer = await funded_account(runtime, 777, 0)
    make = runtime.marketing.create_campaign
    cases = [
        (coupons(10, coupon_app_id=app.app_id), ErrorCode.INVALID_INPUT, "budgetAccountId"),
        (coupons(10, coupon_app_id=app.app_id, budget_account_id=customer.id), ErrorCode.INVALID_INPUT,
         "budgetAccountId"),
        (coupons(10, coupon_app_id="mp-nobody", budget_account_id=budget), ErrorCode.NOT_FOUND, "couponAppId"),
    ]
    for data, code, field in cases:
        with pytest.raises(MarketingError) as refused:
            await make(by_user_id=9001, data=data)
        assert (refused.value.code, refused.value.field) == (code, field)
    made = await make(by_user_id=9001, data=coupons(10, coupon_app_id=app.app_id, budget_account_id=budget))
    assert (made.coupon_app_id, made.budget_account_id) == (app.app_id, budget)


async def test_the_ledger_takes_a_subsidy_only_from_the_banks_own_accounts(runtime):
    alice = await funded_account(runtime, 501, 50_00)
    bob = await funded_account(runtime, 502, 50_00)
    merchant = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="shop")
    await runtime.ledger.pins.set_pin(user_id=501, pin=PIN)
    with pytest.raises(DebitNotAllowed):  # Bob's account is no budget of the bank's
        await runtime.ledger.pay_with_subsidy(
            by=Customer(user_id=501, session_id="s", pin=PIN), from_account_id=alice.id, to_account_id=merchant.id,
            amount=10_00, subsidy=Subsidy(by=InternalService("marketing.coupons"), from_account_id=bob.id,
                                          amount=5_00),
            idempotency_key="subsidy-from-a-customer")
    assert (await balance(alice.id), await balance(bob.id), await balance(merchant.id)) == (50_00, 50_00, 0)
