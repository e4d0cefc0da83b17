"""Large transfers need a recent step-up with the 6-digit payment PIN, which locks after 5 wrong tries."""

import asyncio

import pytest

from ledger.models import Account, PaymentPin
from ledger.service import AccountKind
from tests.ledger.support import funded_account
from tests.ledger.test_transfer_api import TRANSFER, transfer_input

SET_PIN = """
mutation S($pin: String!, $current: String) {
  setPaymentPin(pin: $pin, currentPin: $current) {
    __typename ... on Error { message } ... on InvalidInput { field } ... on WrongPaymentPin { attemptsLeft }
  }
}
"""
VERIFY_PIN = """
mutation V($pin: String!) {
  verifyPaymentPin(pin: $pin) {
    __typename
    ... on StepUpGranted { expiresInSeconds }
    ... on WrongPaymentPin { attemptsLeft }
    ... on PaymentPinLocked { retryAfterSeconds }
  }
}
"""
STEP_UP = TRANSFER.replace("... on Error { message }", "... on StepUpRequired { aboveAmount }")


@pytest.fixture
def environ(environ):
    """Transfers above 1,000 yuan need the PIN in this module (the default threshold too)."""
    environ["LEDGER_STEP_UP_ABOVE_FEN"] = "100000"
    return environ


@pytest.fixture
async def alice(sign_in):
    return await sign_in("13900000001")


async def accounts(runtime, owner):
    return (
        await funded_account(runtime, owner, 5_000_00, kind=AccountKind.CLASS_ONE),
        await funded_account(runtime, owner, 0),
    )


async def test_a_large_transfer_asks_for_the_pin_then_goes_through_with_the_same_key(gql, alice, runtime):
    card, wallet = await accounts(runtime, alice.user_id)
    assert (await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token))["data"]["setPaymentPin"] == {
        "__typename": "PaymentPinSet"
    }

    asked = await gql(STEP_UP, transfer_input(card, wallet, 1_000_01, "big-move-1"), token=alice.access_token)
    granted = await gql(VERIFY_PIN, {"pin": "274915"}, token=alice.access_token)
    done = await gql(TRANSFER, transfer_input(card, wallet, 1_000_01, "big-move-1"), token=alice.access_token)

    assert asked["data"]["transfer"] == {"__typename": "StepUpRequired", "aboveAmount": 1_000_00}
    assert granted["data"]["verifyPaymentPin"] == {"__typename": "StepUpGranted", "expiresInSeconds": 300}
    assert done["data"]["transfer"]["__typename"] == "TransferSucceeded"
    assert (await Account.get(id=wallet.id)).balance == 1_000_01


async def test_amounts_up_to_the_threshold_need_no_pin(gql, alice, runtime):
    card, wallet = await accounts(runtime, alice.user_id)

    done = await gql(TRANSFER, transfer_input(card, wallet, 1_000_00, "small-move"), token=alice.access_token)

    assert done["data"]["transfer"]["__typename"] == "TransferSucceeded"


async def test_five_wrong_pins_lock_it_even_against_the_right_one(gql, alice, runtime):
    card, wallet = await accounts(runtime, alice.user_id)
    await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token)

    tries = [(await gql(VERIFY_PIN, {"pin": "111112"}, token=alice.access_token))["data"]["verifyPaymentPin"]
             for _ in range(5)]
    right = (await gql(VERIFY_PIN, {"pin": "274915"}, token=alice.access_token))["data"]["verifyPaymentPin"]
    still = await gql(STEP_UP, transfer_input(card, wallet, 2_000_00, "locked-out"), token=alice.access_token)

    assert [t.get("attemptsLeft") for t in tries] == [4, 3, 2, 1, 0]
    assert right["__typename"] == "PaymentPinLocked" and right["retryAfterSeconds"] > 0
    assert still["data"]["transfer"]["__typename"] == "StepUpRequired"
    assert (await Account.get(id=wallet.id)).balance == 0


async def test_a_right_pin_resets_the_count_of_wrong_ones(gql, alice):
    await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token)
    for _ in range(4):
        await gql(VERIFY_PIN, {"pin": "111112"}, token=alice.access_token)

    await gql(VERIFY_PIN, {"pin": "274915"}, token=alice.access_token)
    wrong = await gql(VERIFY_PIN, {"pin": "111112"}, token=alice.access_token)

    assert wrong["data"]["verifyPaymentPin"] == {"__typename": "WrongPaymentPin", "attemptsLeft": 4}


async def test_the_pin_is_stored_only_as_an_argon2_hash(gql, alice):
    await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token)

    row = await PaymentPin.get(user_id=alice.user_id)

    assert row.pin_hash.startswith("$argon2id$") and "274915" not in row.pin_hash


async def test_weak_or_malformed_pins_are_refused(gql, alice):
    for pin in ("12345", "1234567", "12a456", "888888", "123456", "654321", "１２３４５６"):
        result = await gql(SET_PIN, {"pin": pin}, token=alice.access_token)
        assert result["data"]["setPaymentPin"]["__typename"] == "InvalidInput", pin
    assert not await PaymentPin.exists(user_id=alice.user_id)


async def test_changing_the_pin_needs_the_current_one(gql, alice):
    await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token)

    without = await gql(SET_PIN, {"pin": "582047"}, token=alice.access_token)
    wrong = await gql(SET_PIN, {"pin": "582047", "current": "111112"}, token=alice.access_token)
    changed = await gql(SET_PIN, {"pin": "582047", "current": "274915"}, token=alice.access_token)
    old = await gql(VERIFY_PIN, {"pin": "274915"}, token=alice.access_token)

    assert without["data"]["setPaymentPin"]["field"] == "currentPin"
    assert wrong["data"]["setPaymentPin"] == {
        "__typename": "WrongPaymentPin", "message": "支付密码错误", "attemptsLeft": 4,
    }
    assert changed["data"]["setPaymentPin"]["__typename"] == "PaymentPinSet"
    assert old["data"]["verifyPaymentPin"]["__typename"] == "WrongPaymentPin"


async def test_verifying_before_setting_a_pin_says_so(gql, alice):
    result = await gql(VERIFY_PIN.replace("__typename", "__typename ... on Error { message }", 1),
                       {"pin": "274915"}, token=alice.access_token)

    assert result["data"]["verifyPaymentPin"]["__typename"] == "PaymentPinNotSet"


async def test_concurrent_wrong_pins_are_counted_one_by_one(gql, alice):
    await gql(SET_PIN, {"pin": "274915"}, token=alice.access_token)

    results = await asyncio.gather(
        *(gql(VERIFY_PIN, {"pin": "111112"}, token=alice.access_token) for _ in range(8))
    )

    outcomes = sorted(
        (r["data"]["verifyPaymentPin"]["__typename"], r["data"]["verifyPaymentPin"].get("attemptsLeft", -1))
        for r in results
    )
    assert outcomes == [("PaymentPinLocked", -1)] * 3 + [("WrongPaymentPin", n) for n in range(5)]
