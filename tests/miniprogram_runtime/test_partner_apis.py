"""login, requestPayment and requestSubscribeMessage: the bridge side of the open platform."""

from __future__ import annotations

import pytest

from ledger.models import Account
from openplatform import errors as platform_errors
from tests.miniprogram_runtime.support import call, error_code, released_app
from tests.ledger.support import funded_account
from tests.openplatform.support import order_for

PAY = {"payment": "Pay for your parking"}
PIN = "135790"


async def test_login_gives_a_one_time_code_the_partners_server_exchanges(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["login"])
    user = await sign_in("13900000001")
    answer = await call(client, user.access_token, app.app_id, "login")
    assert answer.status_code == 200, answer.text
    code = answer.json()["result"]["code"]
    assert answer.json()["result"]["expiresIn"] == 300

    session = await runtime.openplatform.exchange_login_code(app_id=app.app_id, app_secret=app.secret, code=code)
    assert len(session.openid) >= 16 and session.openid != str(user.user_id)
    with pytest.raises(platform_errors.LoginCodeUsed):
        await runtime.openplatform.exchange_login_code(app_id=app.app_id, app_secret=app.secret, code=code)


async def test_a_payment_pays_the_servers_order_by_prepay_id_with_the_pin(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    user = await sign_in("13900000001")
    account = await funded_account(runtime, user.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=2_500, order_id="order-1",
                            description="Parking, 2 hours")
    args = {"prepayId": order.prepay_id, "fromAccountId": account.id}

    # Without a PIN the container learns what its sheet shows: the server's order and the app.
    asked = await call(client, user.access_token, app.app_id, "requestPayment", args)
    assert error_code(asked) == "STEP_UP_REQUIRED"
    shown = asked.json()["error"]["order"]
    assert (shown["amountFen"], shown["description"], shown["orderId"]) == (2_500, "Parking, 2 hours", "order-1")
    assert shown["app"]["name"] == "Branches" and "iconUrl" in shown["app"]
    wrong = await call(client, user.access_token, app.app_id, "requestPayment", args, pin="246810")
    assert error_code(wrong) == "WRONG_PIN" and wrong.json()["error"]["attemptsLeft"] >= 1
    assert (await Account.get(id=account.id)).balance == 10_000

    paid = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert paid.status_code == 200, paid.text
    payment = paid.json()["result"]
    assert (payment["status"], payment["amountFen"], payment["orderId"]) == ("succeeded", 2_500, "order-1")
    again = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert again.json()["result"]["paymentId"] == payment["paymentId"]
    assert (await Account.get(id=account.id)).balance == 7_500


async def test_a_page_that_names_its_own_amount_is_refused(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    user = await sign_in("13900000001")
    account = await funded_account(runtime, user.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=2_500, order_id="order-1")

    for tampered in ({"prepayId": order.prepay_id, "amountFen": 1}, {"amountFen": 1, "description": "cheap",
                                                                     "orderId": "mine"}):
        refused = await call(client, user.access_token, app.app_id, "requestPayment",
                             {**tampered, "fromAccountId": account.id}, pin=PIN)
        assert (refused.status_code, error_code(refused), refused.json()["error"]["field"]) == (
            400, "INVALID_INPUT", "amountFen")
    no_order = await call(client, user.access_token, app.app_id, "requestPayment",
                          {"prepayId": "prepay_" + "0" * 32, "fromAccountId": account.id}, pin=PIN)
    assert (no_order.status_code, error_code(no_order)) == (404, "ORDER_NOT_FOUND")
    assert (await Account.get(id=account.id)).balance == 10_000


async def test_a_refused_payment_says_why_but_not_the_balance(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    user, other = await sign_in("13900000001"), await sign_in("13900000002")
    account = await funded_account(runtime, user.user_id, 1_000)
    others = await funded_account(runtime, other.user_id, 50_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=5_000, order_id="order-2")
    args = {"prepayId": order.prepay_id, "fromAccountId": account.id}

    short = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert short.status_code == 402 and error_code(short) == "INSUFFICIENT_FUNDS"
    assert "1000" not in short.text
    theirs = await call(client, user.access_token, app.app_id, "requestPayment",
                        {**args, "fromAccountId": others.id}, pin=PIN)
    assert error_code(theirs) == "ACCOUNT_NOT_FOUND"
    assert (await Account.get(id=others.id)).balance == 50_000
    await runtime.openplatform.close_order(app_id=app.app_id, order_id="order-2")
    closed = await call(client, user.access_token, app.app_id, "requestPayment", args)
    assert (closed.status_code, error_code(closed)) == (409, "ORDER_CLOSED")


async def test_a_subscription_needs_the_users_confirmation_and_allows_one_message(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["login", "requestSubscribeMessage"])
    user = await sign_in("13900000001")
    topic = {"topic": "parking.receipt"}
    assert error_code(await call(client, user.access_token, app.app_id, "requestSubscribeMessage", topic)) == "CONFIRMATION_REQUIRED"
    accepted = await call(client, user.access_token, app.app_id, "requestSubscribeMessage", topic, confirmed=True)
    assert accepted.json()["result"] == {"topic": "parking.receipt", "accepted": True}

    code = (await call(client, user.access_token, app.app_id, "login")).json()["result"]["code"]
    openid = (await runtime.openplatform.exchange_login_code(app_id=app.app_id, app_secret=app.secret, code=code)).openid
    await runtime.openplatform.send_message(app_id=app.app_id, openid=openid, topic="parking.receipt",
                                            title="Receipt", body="2 hours, 25.00")
    with pytest.raises(platform_errors.NoSubscription):
        await runtime.openplatform.send_message(app_id=app.app_id, openid=openid, topic="parking.receipt",
                                                title="Receipt", body="again")
