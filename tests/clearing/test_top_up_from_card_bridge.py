"""A mini-program tops up its user's Class II account from a bound card it knows only by its token
(``topUpFromCard``): the container's sheet shows the last four digits and takes the PIN, the
ledger alone maps the token back, the network is asked with the real number. Another app's
token, another customer's, an unbound card's or a removed app's is refused with its own code,
and the network is asked nothing."""

from __future__ import annotations

import json

from identity.roles import Role
from ledger.models import JournalEntry
from ledger.service import close_account
from tests.clearing.support import Customer
from tests.ledger.support import PIN, luhn_card
from tests.miniprogram_runtime.support import CLIENT, GRANT, call, error_code, released_app

APIS = ["getAccountSummary", "topUpFromCard"]
SCOPES = {"accountSummary": "Show your cards", "payment": "Top up from your card"}
REMOVE = """mutation($app: String!, $reason: String!) { removeMiniApp(appId: $app, reason: $reason) {
  __typename ... on MiniApp { appId offline } } }"""


async def apps(bank):
    client = bank.gql.http
    parking = await released_app(bank.gql, client, bank.sign_in, jsapis=APIS, scopes=SCOPES, phone="13900000101")
    fuel = await released_app(bank.gql, client, bank.sign_in, jsapis=APIS, scopes=SCOPES, phone="13900000102")
    return parking, fuel


async def token_of(bank, app, customer: Customer) -> str:
    """The app's token for the customer's card, as getAccountSummary gives it (consent granted first)."""
    for scope in SCOPES:
        granted = await bank.gql(GRANT, {"app": app.app_id, "scope": scope}, token=customer.token)
        assert granted["data"]["grantMiniAppConsent"]["__typename"] == "MiniAppConsent", granted
    summary = await call(bank.gql.http, customer.token, app.app_id, "getAccountSummary")
    [card] = [a for a in summary.json()["result"]["accounts"] if a["kind"] == "class_one"]
    return card["cardToken"]


async def top_up(bank, customer: Customer, app, token: str, amount: int, key: str, *, pin: str | None = PIN,
                 language: str = "zh-CN"):
    body = {"args": {"cardToken": token, "amountFen": amount, "idempotencyKey": key}, **CLIENT}
    if pin is not None:
        body["pin"] = pin
    return await bank.gql.http.post(f"/bridge/v1/{app.app_id}/topUpFromCard", json=body, headers={
        "authorization": f"Bearer {customer.token}", "accept-language": language})


async def test_the_sheet_shows_the_last_four_then_the_pin_tops_up_the_real_card_once(open_bank):
    bank = await open_bank()
    parking, _ = await apps(bank)
    alice = await bank.customer(balance=10_00)
    token = await token_of(bank, parking, alice)

    # without the PIN: what the container's sheet shows, and nothing asked of the network
    asked = await top_up(bank, alice, parking, token, 50_00, "parking-topup-0001", pin=None)
    assert (asked.status_code, error_code(asked)) == (403, "STEP_UP_REQUIRED")
    sheet = asked.json()["error"]["topUp"]
    assert (sheet["amountFen"], sheet["card"], sheet["app"]["appId"]) == (50_00, {"last4": alice.card_number[-4:]},
                                                                          parking.app_id)
    assert alice.card_number[:6] not in asked.text and await bank.network.movements() == []

    # with the PIN typed in the sheet: the network debits the card, the account is credited
    paid = await top_up(bank, alice, parking, token, 50_00, "parking-topup-0001")
    assert paid.status_code == 200, paid.text
    result = paid.json()["result"]
    assert (result["status"], result["amountFen"], result["replayed"]) == ("succeeded", 50_00, False)
    assert result["topUpId"] and alice.card_number[:6] not in paid.text
    assert await alice.balance() == 60_00
    [booked] = await bank.network.movements()
    assert booked["card"] == alice.card_number[:6] + "*" * 9 + alice.card_number[-4:]  # the card, not the token
    assert await JournalEntry.filter(kind="topup").count() == 1

    # the same key again: the same top-up answered, nothing moves twice
    again = await top_up(bank, alice, parking, token, 50_00, "parking-topup-0001")
    assert (again.json()["result"]["topUpId"], again.json()["result"]["replayed"]) == (result["topUpId"], True)
    # the same key for another amount: refused
    other = await top_up(bank, alice, parking, token, 70_00, "parking-topup-0001")
    assert (other.status_code, error_code(other), other.json()["error"]["field"]) == (409, "TOP_UP_CONFLICT",
                                                                                     "idempotencyKey")
    assert await alice.balance() == 60_00 and len(await bank.network.movements()) == 1
    # a wrong PIN: refused by the ledger
    wrong = await top_up(bank, alice, parking, token, 5_00, "parking-topup-0002", pin="999999")
    assert (wrong.status_code, error_code(wrong)) == (403, "WRONG_PIN")


async def test_tokens_of_another_app_customer_unbound_card_or_removed_app_are_refused_by_code(open_bank):
    bank = await open_bank()
    parking, fuel = await apps(bank)
    alice = await bank.customer("13900000001", balance=10_00)
    bob = await bank.customer("13900000002", balance=10_00)
    alices_fuel_token = await token_of(bank, fuel, alice)
    alices_parking_token = await token_of(bank, parking, alice)
    bobs_parking_token = await token_of(bank, parking, bob)

    # another app's token for the same card and customer
    foreign = await top_up(bank, alice, parking, alices_fuel_token, 20_00, "wrong-app-0001")
    assert (foreign.status_code, error_code(foreign), foreign.json()["error"]["field"]) == (
        403, "CARD_TOKEN_NOT_FOR_THIS_APP", "cardToken")
    assert foreign.json()["error"]["message"] == "这个银行卡标记不属于本小程序"
    in_english = await top_up(bank, alice, parking, alices_fuel_token, 20_00, "wrong-app-0002", language="en")
    assert in_english.json()["error"]["message"] == "this card token was not issued to this app"
    # another customer's token, in the same app: as if there were none
    not_hers = await top_up(bank, alice, parking, bobs_parking_token, 20_00, "not-hers-0001")
    assert (not_hers.status_code, error_code(not_hers)) == (404, "CARD_TOKEN_NOT_FOUND")
    # a token that is no token
    made_up = await top_up(bank, alice, parking, "9999010000000000000", 20_00, "made-up-0001")
    assert (made_up.status_code, error_code(made_up)) == (404, "CARD_TOKEN_NOT_FOUND")

    # a removed app's tokens are deleted: presented by anyone, no card is named
    operator = await bank.sign_in("13900000808", Role.OPERATOR)
    removed = await bank.gql(REMOVE, {"app": fuel.app_id, "reason": "the partner closed"}, token=operator.access_token)
    assert removed["data"]["removeMiniApp"]["offline"] is True
    after_removal = await top_up(bank, alice, parking, alices_fuel_token, 20_00, "removed-app-0001")
    assert (after_removal.status_code, error_code(after_removal)) == (404, "CARD_TOKEN_NOT_FOUND")
    gone = await top_up(bank, alice, fuel, alices_fuel_token, 20_00, "removed-app-0002")
    assert (gone.status_code, error_code(gone)) == (409, "APP_UNAVAILABLE")

    # the card unbound: the token the app kept is suspended, with the PIN or without
    await close_account(account_id=alice.card.id)
    for pin in (None, PIN):
        suspended = await top_up(bank, alice, parking, alices_parking_token, 20_00, "unbound-0001", pin=pin)
        assert (suspended.status_code, error_code(suspended)) == (409, "CARD_TOKEN_SUSPENDED")

    # none of these asked the network or moved money
    assert await bank.network.movements() == []
    assert (await alice.balance(), await bob.balance()) == (10_00, 10_00)
    assert await JournalEntry.filter(kind="topup").count() == 0
    assert json.dumps([r.json() for r in (foreign, not_hers, after_removal)]).count(alice.card_number[:6]) == 0


async def test_a_customer_without_a_class_two_account_is_told_so_and_nothing_is_asked(open_bank):
    bank = await open_bank()
    parking, _ = await apps(bank)
    session = await bank.sign_in("13900000003")
    card = await bank.runtime.ledger.bind_card(owner_user_id=session.user_id, card_number=luhn_card("6222031234", 19))
    await bank.runtime.ledger.pins.set_pin(user_id=session.user_id, pin=PIN)
    carol = Customer(session, None, card, "")
    token = await token_of(bank, parking, carol)

    refused = await top_up(bank, carol, parking, token, 20_00, "no-account-0001")

    assert (refused.status_code, error_code(refused)) == (404, "ACCOUNT_NOT_FOUND")
    assert await bank.network.movements() == []
