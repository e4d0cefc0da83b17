"""Card tokens: one per (card, app), Luhn-valid, in a range no card scheme issues, random, and
useless to any other app; suspended when the card is unbound; deleted with the app."""

from __future__ import annotations

import asyncio

import pytest

from ledger import service as ledger
from ledger.luhn import luhn_valid
from ledger.models import Account, CardToken
from ledger.service import (
    TOKEN_BIN, AccountNotFound, CardTokenNotForThisApp, CardTokenNotFound, CardTokenStatus, CardTokenSuspended,
    InvalidCardNumber, InvalidRequest, card_token_for, close_account, delete_app_card_tokens,
)
from tests.ledger.support import funded_account, luhn_card

PARKING, FUEL = "mp00000000000000a1", "mp00000000000000b2"


async def bound(runtime, user_id: int = 1, prefix: str = "622202") -> tuple[Account, str]:
    number = luhn_card(prefix + f"{user_id:04d}", 19)
    return await runtime.ledger.bind_card(owner_user_id=user_id, card_number=number), number


async def test_each_app_gets_its_own_luhn_valid_token_in_the_reserved_range(runtime):
    card, number = await bound(runtime)

    parking = await card_token_for(account_id=card.id, app_id=PARKING)
    fuel = await card_token_for(account_id=card.id, app_id=FUEL)
    again = await card_token_for(account_id=card.id, app_id=PARKING)

    assert parking.token != fuel.token and again.token == parking.token
    for view in (parking, fuel):
        assert len(view.token) == 19 and view.token.isdigit() and luhn_valid(view.token)
        assert view.token.startswith(TOKEN_BIN) and TOKEN_BIN[0] == "9"  # ISO/IEC 7812 MII 9: no card scheme
        assert view.status is CardTokenStatus.ACTIVE and view.last4 == number[-4:]
    # Random, not derived: nothing of the card's number is in it beyond what chance puts there.
    assert number[6:15] not in parking.token
    assert await CardToken.filter(account_id=card.id).count() == 2


async def test_tokens_are_random_not_derived_from_the_card(runtime):
    """Two customers binding the same card number get unrelated tokens for the same app."""
    first, number = await bound(runtime, user_id=1)
    second = await runtime.ledger.bind_card(owner_user_id=2, card_number=number)

    a = await card_token_for(account_id=first.id, app_id=PARKING)
    b = await card_token_for(account_id=second.id, app_id=PARKING)

    assert a.token != b.token and a.token[:6] == b.token[:6] == TOKEN_BIN


async def test_the_ledger_detokenises_only_for_the_app_the_token_was_made_for(runtime):
    card, number = await bound(runtime, user_id=7)
    token = (await card_token_for(account_id=card.id, app_id=PARKING)).token

    found, full = await runtime.ledger.card_number_for_token(owner_user_id=7, app_id=PARKING, token=token)
    assert found.id == card.id and full == number

    with pytest.raises(CardTokenNotForThisApp) as wrong_app:
        await runtime.ledger.card_number_for_token(owner_user_id=7, app_id=FUEL, token=token)
    assert wrong_app.value.code == "CARD_TOKEN_NOT_FOR_THIS_APP"
    with pytest.raises(CardTokenNotFound):  # another customer cannot use it either
        await runtime.ledger.card_number_for_token(owner_user_id=8, app_id=PARKING, token=token)
    with pytest.raises(CardTokenNotFound):  # nor the card's own number in place of a token
        await runtime.ledger.card_number_for_token(owner_user_id=7, app_id=PARKING, token=number)
    flipped = token[:-1] + str((int(token[-1]) + 1) % 10)
    with pytest.raises(CardTokenNotFound):
        await runtime.ledger.card_number_for_token(owner_user_id=7, app_id=PARKING, token=flipped)


async def test_unbinding_suspends_every_token_and_binding_again_issues_new_ones(runtime):
    card, number = await bound(runtime, user_id=3)
    parking = await card_token_for(account_id=card.id, app_id=PARKING)
    fuel = await card_token_for(account_id=card.id, app_id=FUEL)

    await close_account(account_id=card.id)

    rows = await CardToken.filter(account_id=card.id)
    assert {row.status for row in rows} == {CardTokenStatus.SUSPENDED} and all(row.suspended_at for row in rows)
    for view, app in ((parking, PARKING), (fuel, FUEL)):
        with pytest.raises(CardTokenSuspended) as refused:
            await runtime.ledger.card_number_for_token(owner_user_id=3, app_id=app, token=view.token)
        assert refused.value.code == "CARD_TOKEN_SUSPENDED" and "解绑" in str(refused.value)
    with pytest.raises(AccountNotFound):  # no new token for an unbound card
        await card_token_for(account_id=card.id, app_id="mp00000000000000c3")

    rebound = await runtime.ledger.bind_card(owner_user_id=3, card_number=number)
    renewed = await card_token_for(account_id=rebound.id, app_id=PARKING)
    assert renewed.token != parking.token and renewed.status is CardTokenStatus.ACTIVE
    with pytest.raises(CardTokenSuspended):  # what the app kept from the old binding stays refused
        await runtime.ledger.card_number_for_token(owner_user_id=3, app_id=PARKING, token=parking.token)


async def test_removing_an_app_deletes_its_tokens_and_only_its(runtime):
    card, _ = await bound(runtime, user_id=4)
    parking = await card_token_for(account_id=card.id, app_id=PARKING)
    fuel = await card_token_for(account_id=card.id, app_id=FUEL)

    assert await delete_app_card_tokens(app_id=PARKING) == 1

    assert [row.app_id for row in await CardToken.filter(account_id=card.id)] == [FUEL]
    with pytest.raises(CardTokenNotFound):
        await runtime.ledger.card_number_for_token(owner_user_id=4, app_id=PARKING, token=parking.token)
    found, _ = await runtime.ledger.card_number_for_token(owner_user_id=4, app_id=FUEL, token=fuel.token)
    assert found.id == card.id


async def test_two_concurrent_requests_for_one_card_and_app_make_one_token(runtime):
    card, _ = await bound(runtime, user_id=5)

    views = await asyncio.gather(*(card_token_for(account_id=card.id, app_id=PARKING) for _ in range(8)))

    assert len({view.token for view in views}) == 1
    assert await CardToken.filter(account_id=card.id, app_id=PARKING).count() == 1


async def test_only_an_open_bound_card_has_tokens(runtime):
    savings = await funded_account(runtime, 6, 0)
    with pytest.raises(AccountNotFound):
        await card_token_for(account_id=savings.id, app_id=PARKING)
    with pytest.raises(AccountNotFound):
        await card_token_for(account_id=10 ** 12, app_id=PARKING)
    card, _ = await bound(runtime, user_id=6)
    for bad in ("", "x" * 33, None):
        with pytest.raises(InvalidRequest) as refused:
            await card_token_for(account_id=card.id, app_id=bad)
        assert refused.value.field == "app_id"


async def test_a_number_in_the_token_range_cannot_be_bound_as_a_card(runtime):
    token = (await card_token_for(account_id=(await bound(runtime, user_id=9))[0].id, app_id=PARKING)).token

    with pytest.raises(InvalidCardNumber) as refused:
        await runtime.ledger.bind_card(owner_user_id=10, card_number=token)
    assert "卡标记" in str(refused.value)


def test_the_vault_is_the_ledgers_alone():
    """Other domains reach tokens only through ledger.service; the mapping back is not exported."""
    assert "card_of_token" not in ledger.__all__ and "CardToken" not in ledger.__all__
