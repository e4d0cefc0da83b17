"""Top-ups from the bound card through the card network: credited only once the network
confirms, exactly once whatever the network does (every fault the fake can inject)."""

from __future__ import annotations

import asyncio
import logging

from clearing.models import CardMovement, QuarantinedNotification
from tests.clearing.support import TOP_UP, bank_balances, entries, wait_until_final


async def test_a_top_up_is_credited_once_the_network_confirms(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=10_00)

    result = await bank.gql(TOP_UP, alice.money(200_00, "topup-0001"), token=alice.token)

    started = result["data"]["topUp"]
    assert started["__typename"] == "CardMovementStarted" and started["replayed"] is False
    assert started["movement"] | {"id": None} == {"id": None, "kind": "TOPUP", "status": "SUCCEEDED",
                                                  "amount": 200_00, "declineReason": None}
    assert await alice.balance() == 210_00
    assert await bank_balances(bank) == (-200_00, 0)
    [booked] = await bank.network.movements()
    assert (booked["requestId"], booked["kind"], booked["status"]) == (started["movement"]["id"], "DEBIT", "SUCCEEDED")
    assert booked["card"] == alice.card_number[:6] + "*" * 9 + alice.card_number[-4:]
    lines = await bank.gql('query($id: ID!) { transactions(accountId: $id) { edges { node { kind amount } } } }',
                           {"id": str(alice.account.id)}, token=alice.token)
    assert lines["data"]["transactions"]["edges"][0]["node"] == {"kind": "topup", "amount": 200_00}


async def test_a_retry_with_the_same_key_asks_the_network_nothing_new(open_bank):
    bank = await open_bank()
    alice = await bank.customer()

    first = await bank.gql(TOP_UP, alice.money(50_00, "topup-retry-1"), token=alice.token)
    again = await bank.gql(TOP_UP, alice.money(50_00, "topup-retry-1"), token=alice.token)
    other = await bank.gql(TOP_UP, alice.money(60_00, "topup-retry-1"), token=alice.token)

    assert again["data"]["topUp"]["replayed"] is True
    assert again["data"]["topUp"]["movement"]["id"] == first["data"]["topUp"]["movement"]["id"]
    assert other["data"]["topUp"]["__typename"] == "IdempotencyConflict"
    assert len(await bank.network.movements()) == 1 and await alice.balance() == 50_00


async def test_a_declined_top_up_credits_nothing(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    await bank.network.fault("decline", reason="CARD_BLOCKED")

    result = await bank.gql(TOP_UP, alice.money(80_00, "topup-decline"), token=alice.token)

    assert result["data"]["topUp"]["movement"]["status"] == "DECLINED"
    assert result["data"]["topUp"]["movement"]["declineReason"] == "CARD_BLOCKED"
    assert await alice.balance() == 0 and await entries("topup") == 0


async def test_duplicate_notifications_credit_once(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    await bank.network.fault("duplicate_notification", copies=4)

    result = await bank.gql(TOP_UP, alice.money(30_00, "topup-dupes"), token=alice.token)

    assert result["data"]["topUp"]["movement"]["status"] == "SUCCEEDED"
    await bank.network.movements()  # every copy delivered and acknowledged
    assert await bank.network.notifications_sent() == 4
    assert await alice.balance() == 30_00 and await entries("topup") == 1


async def test_a_notification_before_the_answer_credits_once(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    await bank.network.fault("notify_before_response")

    result = await bank.gql(TOP_UP, alice.money(40_00, "topup-early"), token=alice.token)

    assert result["data"]["topUp"]["movement"]["status"] == "SUCCEEDED"
    assert await alice.balance() == 40_00 and await entries("topup") == 1


async def test_a_lost_request_is_queried_and_declined(open_bank):
    bank = await open_bank(CLEARING_REQUEST_TIMEOUT_MS="300", CLEARING_NOT_FOUND_AFTER_SECONDS="0")
    alice = await bank.customer()
    await bank.network.configure(hang_ms=1_500)
    await bank.network.fault("timeout")

    result = await bank.gql(TOP_UP, alice.money(90_00, "topup-lost"), token=alice.token)

    movement = result["data"]["topUp"]["movement"]
    assert (movement["status"], movement["declineReason"]) == ("DECLINED", "NOT_AT_NETWORK")
    assert await alice.balance() == 0 and await bank.network.movements() == []


async def test_a_request_that_timed_out_but_was_processed_is_credited_once(open_bank):
    bank = await open_bank(CLEARING_REQUEST_TIMEOUT_MS="300", CLEARING_NOT_FOUND_AFTER_SECONDS="0")
    alice = await bank.customer()
    await bank.network.configure(hang_ms=1_500)
    await bank.network.fault("timeout", processed=True)

    result = await bank.gql(TOP_UP, alice.money(70_00, "topup-kept"), token=alice.token)

    movement_id = result["data"]["topUp"]["movement"]["id"]
    assert await wait_until_final(bank, movement_id) == "SUCCEEDED"
    await bank.network.movements()  # the notification too has been delivered and acknowledged
    assert await alice.balance() == 70_00 and await entries("topup") == 1


async def test_a_notification_with_another_amount_is_quarantined_not_credited(open_bank, caplog):
    bank = await open_bank()
    alice = await bank.customer()
    await bank.network.fault("wrong_amount", delta=100)

    with caplog.at_level(logging.WARNING, logger="clearing.outcomes"):
        result = await bank.gql(TOP_UP, alice.money(20_00, "topup-wrong-amt"), token=alice.token)

    movement_id = result["data"]["topUp"]["movement"]["id"]
    assert result["data"]["topUp"]["movement"]["status"] == "QUARANTINED"
    assert await alice.balance() == 0 and await entries("topup") == 0
    [held] = await QuarantinedNotification.filter(request_id=movement_id).values(
        "reason", "expected_amount", "notified_amount")
    assert held == {"reason": "AMOUNT_DIFFERS", "expected_amount": 20_00, "notified_amount": 21_00}
    [alert] = [r for r in caplog.records if r.name == "clearing.outcomes"]
    assert alert.levelno == logging.WARNING and movement_id in alert.getMessage()
    assert alice.card_number[-4:] not in alert.getMessage() and alice.session.phone not in alert.getMessage()
    # and the network's later answers to a query do not release it either
    row = await CardMovement.get(request_id=movement_id)
    await bank.runtime.clearing.movements.resolve(row)
    assert await alice.balance() == 0


async def test_a_notification_in_another_currency_is_quarantined_not_credited(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    await bank.network.fault("wrong_currency")

    result = await bank.gql(TOP_UP, alice.money(20_00, "topup-wrong-cur"), token=alice.token)

    movement_id = result["data"]["topUp"]["movement"]["id"]
    assert result["data"]["topUp"]["movement"]["status"] == "QUARANTINED"
    assert await alice.balance() == 0
    assert await QuarantinedNotification.filter(request_id=movement_id).values_list("reason", flat=True) == [
        "CURRENCY_DIFFERS"]


async def test_without_a_notification_the_background_step_settles_it(open_bank):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0", CLEARING_NOTIFICATION_GRACE_SECONDS="0",
                           CLEARING_WORKER_IN_APP="true", CLEARING_SWEEP_MS="50")
    alice = await bank.customer()
    await bank.network.fault("no_notification")

    result = await bank.gql(TOP_UP, alice.money(60_00, "topup-silent"), token=alice.token)

    movement_id = result["data"]["topUp"]["movement"]["id"]
    assert result["data"]["topUp"]["movement"]["status"] == "PENDING"
    assert await wait_until_final(bank, movement_id) == "SUCCEEDED"  # asked by the server's own sweep
    assert await alice.balance() == 60_00
    assert await bank.network.notifications_sent() == 0


async def test_a_notification_and_queries_racing_credit_once(open_bank):
    """Real PostgreSQL, real row locks: one result arriving by eight roads at once."""
    from tests.clearing.support import CALLBACK, result_note, signed_by_network

    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer()
    await bank.network.fault("no_notification")
    result = await bank.gql(TOP_UP, alice.money(55_00, "topup-race"), token=alice.token)
    movement_id = result["data"]["topUp"]["movement"]["id"]
    [booked] = await bank.network.movements()
    row = await CardMovement.get(request_id=movement_id)
    assert row.status.value == "pending"

    async def notify():
        body = result_note(movement_id, 55_00, ref=booked["networkRef"])
        return (await bank.gql.http.post(CALLBACK, content=body, headers=signed_by_network(bank.network, body)))

    roads = [notify() for _ in range(4)] + [bank.runtime.clearing.movements.resolve(row) for _ in range(4)]
    outcomes = await asyncio.gather(*roads)

    assert [answer.status_code for answer in outcomes[:4]] == [200] * 4
    assert await alice.balance() == 55_00 and await entries("topup") == 1
    assert (await CardMovement.get(request_id=movement_id)).status.value == "succeeded"
