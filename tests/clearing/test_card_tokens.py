"""A top-up or withdrawal may name the card by an app's token: the ledger alone maps it back to
the card, and the network is asked with the real number; another app's token, or a suspended
one, asks the network nothing."""

from __future__ import annotations

import pytest

from clearing.service import CardByToken
from ledger.service import (
    CardTokenNotForThisApp, CardTokenSuspended, Customer, card_token_for, close_account,
)

PARKING, FUEL = "mp00000000000000a1", "mp00000000000000b2"


async def test_a_top_up_named_by_the_apps_token_debits_the_real_card(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=10_00)
    token = (await card_token_for(account_id=alice.card.id, app_id=PARKING)).token
    by = Customer(user_id=alice.session.user_id, session_id="s-1")

    started = await bank.runtime.clearing.top_up(by=by, account_id=None, card_account_id=None, amount=50_00,
                                                 idempotency_key="token-topup-1",
                                                 card_token=CardByToken(app_id=PARKING, token=token))

    assert (started.movement.status.value, started.movement.card_account_id) == ("succeeded", alice.card.id)
    assert await alice.balance() == 60_00
    [booked] = await bank.network.movements()
    assert booked["card"] == alice.card_number[:6] + "*" * 9 + alice.card_number[-4:]  # the card, not the token


async def test_another_apps_token_or_a_suspended_one_asks_the_network_nothing(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=10_00)
    token = (await card_token_for(account_id=alice.card.id, app_id=PARKING)).token
    by = Customer(user_id=alice.session.user_id, session_id="s-1")

    with pytest.raises(CardTokenNotForThisApp):
        await bank.runtime.clearing.top_up(by=by, account_id=None, card_account_id=None, amount=50_00,
                                           idempotency_key="token-topup-2",
                                           card_token=CardByToken(app_id=FUEL, token=token))
    await close_account(account_id=alice.card.id)
    with pytest.raises(CardTokenSuspended):
        await bank.runtime.clearing.withdraw(by=by, account_id=None, card_account_id=None, amount=5_00,
                                             idempotency_key="token-withdraw-1",
                                             card_token=CardByToken(app_id=PARKING, token=token))

    assert await bank.network.movements() == [] and await alice.balance() == 10_00
