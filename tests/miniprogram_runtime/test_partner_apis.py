"""login, requestPayment and requestSubscribeMessage: the bridge side of the open platform."""

from __future__ import annotations

import pytest

from ledger.models import Account
from openplatform import errors as platform_errors
from tests.miniprogram_runtime.support import call, error_code, released_app
from tests.ledger.support import funded_account

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


async def test_a_payment_needs_the_pin_and_moves_money_once_per_order(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    user = await sign_in("13900000001")
    account = await funded_account(runtime, user.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    args = {"amountFen": 2_500, "description": "Parking, 2 hours", "orderId": "order-1", "fromAccountId": account.id}

    assert error_code(await call(client, user.access_token, app.app_id, "requestPayment", args)) == "STEP_UP_REQUIRED"
    wrong = await call(client, user.access_token, app.app_id, "requestPayment", args, pin="246810")
    assert error_code(wrong) == "WRONG_PIN" and wrong.json()["error"]["attemptsLeft"] >= 1
    assert (await Account.get(id=account.id)).balance == 10_000

    paid = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert paid.status_code == 200, paid.text
    payment = paid.json()["result"]
    assert payment["status"] == "succeeded" and payment["amountFen"] == 2_500
    again = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert again.json()["result"]["paymentId"] == payment["paymentId"]
    assert (await Account.get(id=account.id)).balance == 7_500

    changed = await call(client, user.access_token, app.app_id, "requestPayment", {**args, "amountFen": 1}, pin=PIN)
    assert error_code(changed) == "ORDER_CONFLICT"


async def test_a_refused_payment_says_why_but_not_the_balance(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["requestPayment"], scopes=PAY)
    user, other = await sign_in("13900000001"), await sign_in("13900000002")
    account = await funded_account(runtime, user.user_id, 1_000)
    others = await funded_account(runtime, other.user_id, 50_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    args = {"amountFen": 5_000, "description": "Car wash", "orderId": "order-2", "fromAccountId": account.id}

    short = await call(client, user.access_token, app.app_id, "requestPayment", args, pin=PIN)
    assert short.status_code == 402 and error_code(short) == "INSUFFICIENT_FUNDS"
    assert "1000" not in short.text
    theirs = await call(client, user.access_token, app.app_id, "requestPayment",
                        {**args, "orderId": "order-3", "fromAccountId": others.id}, pin=PIN)
    assert error_code(theirs) == "ACCOUNT_NOT_FOUND"
    assert (await Account.get(id=others.id)).balance == 50_000


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
