"""Transfers between a customer's own accounts, with typed failures the app can show."""

import asyncio

import pytest

from ledger.models import Account, JournalEntry
from ledger.service import AccountKind, freeze_account
from tests.ledger.support import funded_account
from tests.ledger.test_accounts_api import TRANSFER


def transfer_input(source, target, amount, key, memo=""):
    return {"input": {"fromAccountId": str(source.id), "toAccountId": str(target.id), "amount": amount,
                      "idempotencyKey": key, "memo": memo}}


@pytest.fixture
def environ(environ):
    """This module's app allows a Class II account 200 yuan a day (the default is 10,000)."""
    environ["LEDGER_CLASS_TWO_DAILY_FEN"] = "20000"
    return environ


@pytest.fixture
async def alice(sign_in):
    return await sign_in("13900000001")


async def test_money_moves_between_own_accounts_once_per_key(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 300_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)

    first = await gql(TRANSFER, transfer_input(wallet, card, 120_00, "move-0001"), token=alice.access_token)
    retry = await gql(TRANSFER, transfer_input(wallet, card, 120_00, "move-0001"), token=alice.access_token)

    assert first["data"]["transfer"] == {
        "__typename": "TransferSucceeded", "entryId": first["data"]["transfer"]["entryId"], "replayed": False,
        "fromAccount": {"balance": 180_00}, "toAccount": {"balance": 120_00},
    }
    assert retry["data"]["transfer"]["entryId"] == first["data"]["transfer"]["entryId"]
    assert retry["data"]["transfer"]["replayed"] is True
    assert [(await Account.get(id=a.id)).balance for a in (wallet, card)] == [180_00, 120_00]


async def test_reusing_a_key_for_another_amount_is_an_idempotency_conflict(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 300_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    await gql(TRANSFER, transfer_input(wallet, card, 120_00, "move-0001"), token=alice.access_token)

    result = await gql(TRANSFER, transfer_input(wallet, card, 99_00, "move-0001"), token=alice.access_token)

    assert result["data"]["transfer"]["__typename"] == "IdempotencyConflict"
    assert (await Account.get(id=wallet.id)).balance == 180_00


async def test_two_customers_may_use_the_same_client_key(gql, alice, sign_in, runtime):
    bob = await sign_in("13900000002")
    moves = []
    for who in (alice, bob):
        wallet = await funded_account(runtime, who.user_id, 10_00)
        card = await funded_account(runtime, who.user_id, 0, kind=AccountKind.CLASS_ONE)
        moves.append(await gql(TRANSFER, transfer_input(wallet, card, 5_00, "same-key-1"), token=who.access_token))

    assert [m["data"]["transfer"]["replayed"] for m in moves] == [False, False]
    assert await JournalEntry.filter(kind="transfer").count() == 2


async def test_more_than_the_balance_is_insufficient_funds(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 50_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)

    result = await gql(
        TRANSFER.replace("... on Error { message }", "... on Error { message } ... on InsufficientFunds { balance requested }"),
        transfer_input(wallet, card, 50_01, "too-much-1"), token=alice.access_token,
    )

    assert result["data"]["transfer"]["__typename"] == "InsufficientFunds"
    assert (result["data"]["transfer"]["balance"], result["data"]["transfer"]["requested"]) == (50_00, 50_01)


async def test_a_class_two_daily_limit_says_how_much_is_left(gql, environ, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 500_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    await gql(TRANSFER, transfer_input(wallet, card, 150_00, "limit-0001"), token=alice.access_token)

    result = await gql(
        TRANSFER.replace("... on Error { message }", "... on LimitExceeded { limit limitAmount remaining }"),
        transfer_input(wallet, card, 60_00, "limit-0002"), token=alice.access_token,
    )
    limits = await gql('query A($id: ID!) { account(id: $id) { availableLimits { dailyRemaining } } }',
                       {"id": str(wallet.id)}, token=alice.access_token)

    assert result["data"]["transfer"] == {
        "__typename": "LimitExceeded", "limit": "DAILY", "limitAmount": 200_00, "remaining": 50_00,
    }
    assert limits["data"]["account"]["availableLimits"] == {"dailyRemaining": 50_00}
    assert (await Account.get(id=wallet.id)).balance == 350_00


async def test_a_frozen_account_is_reported_as_frozen(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 50_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    await freeze_account(account_id=wallet.id)

    result = await gql(
        TRANSFER.replace("... on Error { message }", "... on AccountFrozen { accountId }"),
        transfer_input(wallet, card, 1_00, "frozen-001"), token=alice.access_token,
    )

    assert result["data"]["transfer"] == {"__typename": "AccountFrozen", "accountId": str(wallet.id)}


async def test_malformed_transfers_name_the_field(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 50_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    fields = "... on InvalidInput { field } ... on InvalidAmount { problem }"

    for variables, expected in (
        (transfer_input(wallet, card, 0, "zero-amount"), {"__typename": "InvalidAmount", "problem": "ZERO"}),
        (transfer_input(wallet, card, -5_00, "negative-1"), {"__typename": "InvalidAmount", "problem": "NEGATIVE"}),
        (transfer_input(wallet, card, 10**19, "beyond-bigint"),
         {"__typename": "InvalidAmount", "problem": "ABOVE_MAXIMUM"}),
        (transfer_input(wallet, card, 1.5, "float-amount"), {"__typename": "InvalidAmount", "problem": "NOT_WHOLE_FEN"}),
        (transfer_input(wallet, wallet, 1_00, "same-account"), {"__typename": "InvalidInput", "field": "toAccountId"}),
        (transfer_input(wallet, card, 1_00, "short"), {"__typename": "InvalidInput", "field": "idempotencyKey"}),
    ):
        result = await gql(TRANSFER.replace("... on Error { message }", fields), variables, token=alice.access_token)
        assert result["data"]["transfer"] == expected, variables
    not_a_number = await gql(TRANSFER, transfer_input(wallet, card, "1.5", "string-amount"), token=alice.access_token)
    assert not_a_number["data"] is None
    assert (await Account.get(id=wallet.id)).balance == 50_00


async def test_twenty_simultaneous_retries_of_one_transfer_move_money_once(gql, alice, runtime):
    wallet = await funded_account(runtime, alice.user_id, 100_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)

    results = await asyncio.gather(
        *(gql(TRANSFER, transfer_input(wallet, card, 40_00, "tap-twice-1"), token=alice.access_token) for _ in range(20))
    )

    outcomes = [r["data"]["transfer"] for r in results]
    assert {o["__typename"] for o in outcomes} == {"TransferSucceeded"}
    assert len({o["entryId"] for o in outcomes}) == 1
    assert sum(not o["replayed"] for o in outcomes) == 1
    assert [(await Account.get(id=a.id)).balance for a in (wallet, card)] == [60_00, 40_00]
