"""What mini-programs and partners' servers learn of a bound card: this app's token and the last
four digits, never the number, masked or not; removing an app deletes its tokens."""

from __future__ import annotations

import json

from identity.roles import Role
from ledger.luhn import luhn_valid
from ledger.models import CardToken
from ledger.service import TOKEN_BIN, CardTokenNotFound, close_account
from miniprogram_host.models import MiniApp
from tests.ledger.support import PIN, funded_account, luhn_card, paying_customer
from tests.miniprogram_runtime.support import GRANT, call, error_code, released_app
from tests.openplatform.partner_client import PartnerServer
from tests.openplatform.support import PartnerApp

APIS = ["getAccountSummary", "requestPayment"]
SCOPES = {"accountSummary": "Show which card pays", "payment": "Pay for your order"}
REMOVE = """mutation($app: String!, $reason: String!) { removeMiniApp(appId: $app, reason: $reason) {
  __typename ... on MiniApp { appId offline } ... on InvalidInput { field } } }"""


def leaks(body: object, number: str) -> list[str]:
    """Whatever of the card's number shows in a JSON answer: the number, its first six, or a mask of it."""
    text = json.dumps(body)
    masked = number[:6] + "*" * (len(number) - 10) + number[-4:]
    return [piece for piece in (number, number[:6], masked, number[:6] + "******") if piece in text]


async def two_apps_and_a_customer(gql, client, sign_in):
    parking = await released_app(gql, client, sign_in, jsapis=APIS, scopes=SCOPES, phone="13900000101")
    fuel = await released_app(gql, client, sign_in, jsapis=APIS, scopes=SCOPES, phone="13900000102")
    user = await sign_in("13900000001")
    for app in (parking, fuel):
        for scope in SCOPES:
            granted = await gql(GRANT, {"app": app.app_id, "scope": scope}, token=user.access_token)
            assert granted["data"]["grantMiniAppConsent"]["__typename"] == "MiniAppConsent", granted
    return parking, fuel, user


async def test_each_app_sees_its_own_token_and_no_card_number(gql, client, sign_in, runtime):
    parking, fuel, user = await two_apps_and_a_customer(gql, client, sign_in)
    number = luhn_card("6222021234", 19)
    card = await runtime.ledger.bind_card(owner_user_id=user.user_id, card_number=number)
    await funded_account(runtime, user.user_id, 0)

    seen = {}
    for app in (parking, fuel):
        answer = (await call(client, user.access_token, app.app_id, "getAccountSummary")).json()
        assert leaks(answer, number) == [], answer
        [listed] = [a for a in answer["result"]["accounts"] if a["kind"] == "class_one"]
        assert listed["number"] == "****" + number[-4:]
        assert listed["cardToken"].startswith(TOKEN_BIN) and luhn_valid(listed["cardToken"])
        assert [a["cardToken"] for a in answer["result"]["accounts"] if a["kind"] == "class_two"] == [None]
        seen[app.app_id] = listed["cardToken"]
    again = (await call(client, user.access_token, parking.app_id, "getAccountSummary")).json()["result"]
    assert seen[parking.app_id] != seen[fuel.app_id]
    assert [a["cardToken"] for a in again["accounts"] if a["kind"] == "class_one"] == [seen[parking.app_id]]

    # Unbound: the card leaves the summary, and the token the app kept is refused.
    await close_account(account_id=card.id)
    after = (await call(client, user.access_token, parking.app_id, "getAccountSummary")).json()["result"]
    assert [a["kind"] for a in after["accounts"]] == ["class_two"]
    assert {row.status.value for row in await CardToken.filter(account_id=card.id)} == {"suspended"}


async def test_a_partners_open_api_answers_carry_no_card_number(gql, client, sign_in, runtime):
    parking, _, user = await two_apps_and_a_customer(gql, client, sign_in)
    number = luhn_card("6222029876", 19)
    await runtime.ledger.bind_card(owner_user_id=user.user_id, card_number=number)
    account = await funded_account(runtime, user.user_id, 10_000)
    await paying_customer(runtime, user.user_id)
    server = PartnerServer(client, PartnerApp(parking.app_id, parking.secret, parking.org_id,
                                              parking.developer.access_token, None, parking.developer))
    await server.fetch_token()
    identity = await runtime.openplatform.login.identity(app_id=parking.app_id, user_id=user.user_id)

    ordered = await server.call("POST", "/openapi/v1/orders", {"orderId": "park-1", "openid": identity.openid,
                                                              "amountFen": 1_200, "description": "Parking"})
    paid = await call(client, user.access_token, parking.app_id, "requestPayment",
                      {"prepayId": ordered.json()["prepayId"], "fromAccountId": account.id}, pin=PIN)
    payment = await server.call("GET", f"/openapi/v1/payments/{paid.json()['result']['paymentId']}")
    order = await server.call("GET", "/openapi/v1/orders/park-1")

    assert (ordered.status_code, paid.status_code, payment.status_code, order.status_code) == (201, 200, 200, 200)
    for answer in (ordered, paid, payment, order):
        assert leaks(answer.json(), number) == [], answer.text


async def test_removing_an_app_deletes_its_tokens_and_nobody_else_may(gql, client, sign_in, runtime):
    parking, fuel, user = await two_apps_and_a_customer(gql, client, sign_in)
    card = await runtime.ledger.bind_card(owner_user_id=user.user_id, card_number=luhn_card("6222025555", 19))
    tokens = {}
    for app in (parking, fuel):
        summary = (await call(client, user.access_token, app.app_id, "getAccountSummary")).json()["result"]
        tokens[app.app_id] = summary["accounts"][0]["cardToken"]
    operator = await sign_in("13900000808", Role.OPERATOR)

    # Wrong role (a customer), wrong owner (the other app's developer), no reason: refused, nothing deleted.
    by_customer = await gql(REMOVE, {"app": parking.app_id, "reason": "closing down"}, token=user.access_token)
    by_other = await gql(REMOVE, {"app": parking.app_id, "reason": "closing down"},
                         token=fuel.developer.access_token)
    no_reason = await gql(REMOVE, {"app": parking.app_id, "reason": " "}, token=operator.access_token)
    assert by_customer["errors"] and by_customer.get("data") is None
    assert by_other["data"]["removeMiniApp"]["__typename"] == "MiniAppNotPermitted"
    assert no_reason["data"]["removeMiniApp"] == {"__typename": "InvalidInput", "field": "reason"}
    assert await CardToken.filter(account_id=card.id).count() == 2

    removed = await gql(REMOVE, {"app": parking.app_id, "reason": "the partner closed"}, token=operator.access_token)

    assert removed["data"]["removeMiniApp"] == {"__typename": "MiniApp", "appId": parking.app_id, "offline": True}
    assert [row.app_id for row in await CardToken.filter(account_id=card.id)] == [fuel.app_id]
    assert (await MiniApp.get(app_id=parking.app_id)).removed_at is not None
    try:
        await runtime.ledger.card_number_for_token(owner_user_id=user.user_id, app_id=parking.app_id,
                                                   token=tokens[parking.app_id])
    except CardTokenNotFound:
        pass
    else:
        raise AssertionError("a removed app's token still named the card")
    # The removed app is gone for its pages, its server and its developers; the other app is untouched.
    gone = await call(client, user.access_token, parking.app_id, "getAccountSummary")
    assert (gone.status_code, error_code(gone), gone.json()["error"]["reason"]) == (409, "APP_UNAVAILABLE",
                                                                                  "UNKNOWN_APP")
    assert not await CardToken.filter(app_id=parking.app_id).exists()  # and no token made again
    server = PartnerServer(client, PartnerApp(parking.app_id, parking.secret, parking.org_id,
                                              parking.developer.access_token, None, parking.developer))
    refused = await server.call("POST", "/openapi/v1/token", {"appSecret": parking.secret}, token=False)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "UNKNOWN_APP"
    again = await gql(REMOVE, {"app": parking.app_id, "reason": "the partner closed"},
                      token=parking.developer.access_token)
    assert again["data"]["removeMiniApp"]["__typename"] == "MiniAppNotFound"
    kept = (await call(client, user.access_token, fuel.app_id, "getAccountSummary")).json()["result"]
    assert kept["accounts"][0]["cardToken"] == tokens[fuel.app_id]


async def test_an_apps_own_developer_may_remove_it(gql, client, sign_in, runtime):
    parking, _, user = await two_apps_and_a_customer(gql, client, sign_in)
    card = await runtime.ledger.bind_card(owner_user_id=user.user_id, card_number=luhn_card("6222024444", 19))
    await call(client, user.access_token, parking.app_id, "getAccountSummary")
    assert await CardToken.filter(account_id=card.id, app_id=parking.app_id).exists()

    removed = await gql(REMOVE, {"app": parking.app_id, "reason": "we retire this app"},
                        token=parking.developer.access_token)

    assert removed["data"]["removeMiniApp"]["__typename"] == "MiniApp"
    assert not await CardToken.filter(app_id=parking.app_id).exists()
