"""The operators' queue: a held payment waits, then is released (posted) or reversed (returned),
each decision in the audit chain; customers and the wrong operator are refused."""

import pytest

from audit import service as audit_log
from identity.roles import Role
from ledger.models import Account, Hold
from tests.ledger.support import funded_account
from tests.monitoring.support import operator, set_rule

PIN = "246810"
PAY = """mutation($input: PayCustomerInput!) { payCustomer(input: $input) { __typename
  ... on PaymentSent { replayed }
  ... on MovementHeldForReview { reviewId rule reason message }
  ... on MovementReversedOnReview { reviewId rule }
  ... on Error { message } } }"""
QUEUE = """query($status: HeldMovementStatus!) { heldMovements(status: $status) {
  id customerId fromAccountId amount kind rule reason status decidedBy decisionReason entryId } }"""
MINE = "{ myHeldMovements { id amount rule status } }"
DECIDE = """mutation($id: ID!, $release: Boolean!, $reason: String!) {
  decideHeldMovement(id: $id, release: $release, reason: $reason) { __typename
    ... on HeldMovement { id status decidedBy decisionReason entryId }
    ... on MonitoringRefused { code field message } } }"""


def pay(phone, amount, key):
    return {"input": {"toPhone": phone, "amount": amount, "idempotencyKey": key, "pin": PIN}}


@pytest.fixture
async def held(gql, sign_in, runtime):
    """Alice's second payment within the window, held by the velocity rule; Bob is the payee."""
    alice = await sign_in("13900000201")
    bob = await sign_in("13900000202")
    await runtime.ledger.pins.set_pin(user_id=alice.user_id, pin=PIN)
    wallet = await funded_account(runtime, alice.user_id, 500_00)
    bobs = await funded_account(runtime, bob.user_id, 0)
    await set_rule(runtime, "velocity", max_movements=1, window_seconds=600)
    first = (await gql(PAY, pay("13900000202", 100_00, "pay-bob-0001"), token=alice.access_token))["data"]
    assert first["payCustomer"]["__typename"] == "PaymentSent"
    second = (await gql(PAY, pay("13900000202", 200_00, "pay-bob-0002"), token=alice.access_token))["data"]
    return alice, bob, wallet, bobs, second["payCustomer"]


async def test_a_held_payment_waits_with_its_amount_reserved_and_says_why(gql, held, runtime, sign_in):
    alice, bob, wallet, bobs, answer = held
    assert answer["__typename"] == "MovementHeldForReview"
    assert answer["rule"] == "velocity"
    assert answer["reason"] == "10分钟内已有2笔交易"
    # nothing moved; 200 yuan is reserved on Alice's account
    assert (await Account.get(id=bobs.id)).balance == 100_00
    assert (await runtime.ledger.available_balances(account_ids=[wallet.id]))[wallet.id] == 200_00
    # the retry with the same key says the same, with the same review
    again = (await gql(PAY, pay("13900000202", 200_00, "pay-bob-0002"), token=alice.access_token))["data"]
    assert again["payCustomer"]["reviewId"] == answer["reviewId"]
    assert await Hold.filter(account_id=wallet.id).count() == 1
    # the operator sees it in the queue; Alice sees her own, Bob sees none
    staff = await operator(sign_in)
    queue = (await gql(QUEUE, {"status": "HELD"}, token=staff.access_token))["data"]["heldMovements"]
    assert [(q["id"], q["customerId"], q["amount"], q["kind"], q["rule"], q["status"]) for q in queue] == [
        (answer["reviewId"], str(alice.user_id), 200_00, "payment", "velocity", "HELD")]
    assert queue[0]["reason"] == "10分钟内已有2笔交易"
    mine = (await gql(MINE, token=alice.access_token))["data"]["myHeldMovements"]
    assert [m["id"] for m in mine] == [answer["reviewId"]]
    assert (await gql(MINE, token=bob.access_token))["data"]["myHeldMovements"] == []


async def test_an_operator_releases_a_held_payment_and_it_posts_once(gql, held, runtime, sign_in):
    alice, bob, wallet, bobs, answer = held
    staff = await operator(sign_in)
    decided = (await gql(DECIDE, {"id": answer["reviewId"], "release": True, "reason": "客户电话确认"},
                         token=staff.access_token))["data"]["decideHeldMovement"]
    assert decided["__typename"] == "HeldMovement"
    assert (decided["status"], decided["decidedBy"], decided["decisionReason"]) == (
        "RELEASED", f"user:{staff.user_id}", "客户电话确认")
    assert decided["entryId"] is not None
    # the money moved from the reservation; nothing stays held
    assert [(await Account.get(id=a.id)).balance for a in (wallet, bobs)] == [200_00, 300_00]
    assert (await runtime.ledger.available_balances(account_ids=[wallet.id]))[wallet.id] == 200_00
    # Alice's retry with the key finds the posted payment
    retry = (await gql(PAY, pay("13900000202", 200_00, "pay-bob-0002"), token=alice.access_token))["data"]
    assert retry["payCustomer"] == {"__typename": "PaymentSent", "replayed": True}
    # deciding again is refused; the decision is in the audit chain, which holds
    twice = (await gql(DECIDE, {"id": answer["reviewId"], "release": False, "reason": "重复"},
                       token=staff.access_token))["data"]["decideHeldMovement"]
    assert (twice["__typename"], twice["code"]) == ("MonitoringRefused", "REVIEW_ALREADY_DECIDED")
    [record] = await audit_log.records(action="monitoring.held_released")
    assert (record.actor, record.subject) == (f"user:{staff.user_id}", f"held_movement:{answer['reviewId']}")
    assert record.detail["reason"] == "客户电话确认" and record.detail["amount"] == 200_00
    assert (await audit_log.verify()).intact


async def test_an_operator_reverses_a_held_payment_and_the_reservation_returns(gql, held, runtime, sign_in):
    alice, bob, wallet, bobs, answer = held
    staff = await operator(sign_in)
    decided = (await gql(DECIDE, {"id": answer["reviewId"], "release": False, "reason": "疑似诈骗"},
                         token=staff.access_token))["data"]["decideHeldMovement"]
    assert (decided["status"], decided["entryId"]) == ("REVERSED", None)
    assert [(await Account.get(id=a.id)).balance for a in (wallet, bobs)] == [400_00, 100_00]
    assert (await runtime.ledger.available_balances(account_ids=[wallet.id]))[wallet.id] == 400_00
    retry = (await gql(PAY, pay("13900000202", 200_00, "pay-bob-0002"), token=alice.access_token))["data"]
    assert retry["payCustomer"]["__typename"] == "MovementReversedOnReview"
    assert (await Account.get(id=bobs.id)).balance == 100_00
    [record] = await audit_log.records(action="monitoring.held_reversed")
    assert record.detail["reason"] == "疑似诈骗"
    assert (await audit_log.verify()).intact


async def test_customers_and_other_staff_cannot_see_or_decide_the_queue(gql, held, sign_in):
    alice, bob, wallet, bobs, answer = held
    reviewer = await sign_in("13900000291", Role.REVIEWER)
    for session in (alice, bob, reviewer):
        listed = await gql(QUEUE, {"status": "HELD"}, token=session.access_token)
        assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        decided = await gql(DECIDE, {"id": answer["reviewId"], "release": True, "reason": "我自己批准"},
                            token=session.access_token)
        assert decided["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # still held, nothing moved
    assert (await Account.get(id=bobs.id)).balance == 100_00


async def test_a_decision_needs_a_reason_and_a_held_movement_that_exists(gql, held, sign_in):
    staff = await operator(sign_in)
    _, _, _, _, answer = held
    blank = (await gql(DECIDE, {"id": answer["reviewId"], "release": True, "reason": "  "},
                       token=staff.access_token))["data"]["decideHeldMovement"]
    assert (blank["code"], blank["field"]) == ("INVALID_REASON", "reason")
    missing = (await gql(DECIDE, {"id": "999999", "release": True, "reason": "ok"},
                         token=staff.access_token))["data"]["decideHeldMovement"]
    assert missing["code"] == "REVIEW_NOT_FOUND"


async def test_a_release_the_ledger_refuses_stays_held_and_can_still_be_reversed(gql, held, runtime, sign_in):
    from ledger.service import freeze_account

    alice, bob, wallet, bobs, answer = held
    staff = await operator(sign_in)
    await freeze_account(account_id=bobs.id, operator="user:0", reason="test")  # the payee frozen meanwhile
    refused = (await gql(DECIDE, {"id": answer["reviewId"], "release": True, "reason": "确认"},
                         token=staff.access_token))["data"]["decideHeldMovement"]
    assert (refused["__typename"], refused["code"]) == ("MonitoringRefused", "RELEASE_REFUSED")
    assert "账户已冻结" in refused["message"]
    queue = (await gql(QUEUE, {"status": "HELD"}, token=staff.access_token))["data"]["heldMovements"]
    assert [q["id"] for q in queue] == [answer["reviewId"]]
    reversed_ = (await gql(DECIDE, {"id": answer["reviewId"], "release": False, "reason": "收款账户已冻结"},
                           token=staff.access_token))["data"]["decideHeldMovement"]
    assert reversed_["status"] == "REVERSED"
    assert (await runtime.ledger.available_balances(account_ids=[wallet.id]))[wallet.id] == 400_00
