"""Top-ups and withdrawals refuse bad input with a typed error each, and ask the network nothing:
amounts of zero, negative, over the cap, fractional; another customer's accounts; the wrong
role; Class II limits and step-up for top-ups; a frozen or closed account."""

from __future__ import annotations

import pytest

from identity.roles import Role
from ledger.service import close_account, freeze_account
from tests.clearing.support import TOP_UP, WITHDRAW
from tests.ledger.support import PIN

FIELD = "__typename ... on InvalidInput { field }"
AMOUNT = "... on InvalidAmount { problem }"


@pytest.mark.parametrize("document, name", [(TOP_UP, "topUp"), (WITHDRAW, "withdraw")])
async def test_amounts_that_cannot_be_moved_are_refused(open_bank, document, name):
    bank = await open_bank(LEDGER_CLASS_TWO_PER_TRANSACTION_FEN="500000")
    alice = await bank.customer(balance=10_000_00)
    typed = document.replace("... on Error { message }", AMOUNT)

    zero = await bank.gql(typed, alice.money(0, "amount-zero-1"), token=alice.token)
    negative = await bank.gql(typed, alice.money(-5_00, "amount-neg-1"), token=alice.token)
    beyond = await bank.gql(typed, alice.money(10**19, "amount-huge-1"), token=alice.token)
    over_cap = await bank.gql(typed, alice.money(5_000_01, "amount-cap-1", pin=PIN), token=alice.token)
    fractional = await bank.gql(typed, alice.money(1.5, "amount-frac-1"), token=alice.token)

    for refused, problem in ((zero, "ZERO"), (negative, "NEGATIVE"), (beyond, "ABOVE_MAXIMUM"),
                             (fractional, "NOT_WHOLE_FEN")):
        assert refused["data"][name] == {"__typename": "InvalidAmount", "problem": problem}, refused
    assert over_cap["data"][name]["__typename"] == "LimitExceeded"
    assert (over_cap["data"][name]["limit"], over_cap["data"][name]["remaining"]) == ("PER_TRANSACTION", 5_000_00)
    assert await bank.network.movements() == [] and await alice.balance() == 10_000_00


@pytest.mark.parametrize("document, name", [(TOP_UP, "topUp"), (WITHDRAW, "withdraw")])
async def test_only_your_own_accounts_and_card(open_bank, document, name):
    bank = await open_bank()
    alice = await bank.customer("13900000001", balance=100_00)
    bob = await bank.customer("13900000002", balance=100_00)
    typed = document.replace("... on Error { message }", AMOUNT)

    their_account = await bank.gql(typed, alice.money(10_00, "not-mine-01", accountId=str(bob.account.id)),
                                   token=alice.token)
    their_card = await bank.gql(typed, alice.money(10_00, "not-mine-02", cardAccountId=str(bob.card.id)),
                                token=alice.token)
    card_as_account = await bank.gql(typed, alice.money(10_00, "not-mine-03", accountId=str(alice.card.id)),
                                     token=alice.token)
    account_as_card = await bank.gql(typed, alice.money(10_00, "not-mine-04", cardAccountId=str(alice.account.id)),
                                     token=alice.token)
    short_key = await bank.gql(typed, alice.money(10_00, "short"), token=alice.token)

    assert their_account["data"][name] == {"__typename": "InvalidInput", "field": "accountId"}
    assert their_card["data"][name] == {"__typename": "InvalidInput", "field": "cardAccountId"}
    assert card_as_account["data"][name] == {"__typename": "InvalidInput", "field": "accountId"}
    assert account_as_card["data"][name] == {"__typename": "InvalidInput", "field": "cardAccountId"}
    assert short_key["data"][name] == {"__typename": "InvalidInput", "field": "idempotencyKey"}
    assert await bank.network.movements() == []
    assert (await alice.balance(), await bob.balance()) == (100_00, 100_00)


async def test_signed_in_customers_only(open_bank):
    bank = await open_bank()
    alice = await bank.customer()

    anonymous = await bank.gql(TOP_UP, alice.money(10_00, "nobody-try"))

    assert anonymous["data"] is None and anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await bank.network.movements() == []


async def test_the_defaults_are_your_class_two_account_and_your_one_card(open_bank):
    bank = await open_bank()
    alice = await bank.customer()

    result = await bank.gql(TOP_UP, {"input": {"amount": 12_00, "idempotencyKey": "defaults-01"}}, token=alice.token)

    assert result["data"]["topUp"]["movement"]["status"] == "SUCCEEDED" and await alice.balance() == 12_00


async def test_a_top_up_above_the_step_up_threshold_needs_the_pin(open_bank):
    bank = await open_bank(LEDGER_STEP_UP_ABOVE_FEN="100000")
    alice = await bank.customer()

    without = await bank.gql(TOP_UP, alice.money(2_000_00, "topup-big-01"), token=alice.token)
    await bank.gql('mutation($pin: String!) { verifyPaymentPin(pin: $pin) { __typename } }', {"pin": PIN},
                   token=alice.token)
    after_step_up = await bank.gql(TOP_UP, alice.money(2_000_00, "topup-big-02"), token=alice.token)

    assert without["data"]["topUp"]["__typename"] == "StepUpRequired"
    assert after_step_up["data"]["topUp"]["movement"]["status"] == "SUCCEEDED"
    assert await alice.balance() == 2_000_00 and len(await bank.network.movements()) == 1


async def test_a_frozen_or_closed_account_is_not_topped_up(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    await freeze_account(account_id=alice.account.id)
    frozen = await bank.gql(TOP_UP, alice.money(10_00, "topup-frozen"), token=alice.token)
    await bank.gql('mutation($id: ID!, $f: Boolean!) { setAccountFrozen(id: $id, frozen: $f, reason: "复核通过") { __typename } }',
                   {"id": str(alice.account.id), "f": False},
                   token=(await bank.sign_in("13900000009", Role.OPERATOR)).access_token)
    await close_account(account_id=alice.account.id)
    closed = await bank.gql(TOP_UP, alice.money(10_00, "topup-closed"), token=alice.token)

    assert frozen["data"]["topUp"]["__typename"] == "AccountFrozen"
    assert closed["data"]["topUp"]["__typename"] == "AccountClosed"
    assert await bank.network.movements() == []
