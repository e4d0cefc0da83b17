"""Withdrawals to the bound card: the money leaves the Class II account at once (for the
in-transit account), and is settled on the network's confirmation or comes back on a
decline; Class II limits and step-up are the ledger's, as for every movement."""

from __future__ import annotations

import asyncio

from clearing.models import CardMovement
from ledger.service import freeze_account
from tests.clearing.support import (
    CALLBACK, WITHDRAW, bank_balances, entries, result_note, signed_by_network, wait_until_final,
)
from tests.ledger.support import PIN


async def test_a_withdrawal_leaves_at_once_and_is_settled_on_confirmation(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=500_00)

    result = await bank.gql(WITHDRAW, alice.money(120_00, "withdraw-0001"), token=alice.token)

    assert result["data"]["withdraw"]["movement"] | {"id": None} == {
        "id": None, "kind": "WITHDRAWAL", "status": "SUCCEEDED", "amount": 120_00, "declineReason": None}
    assert await alice.balance() == 380_00
    assert await bank_balances(bank) == (120_00, 0)  # nothing left in transit; the bank owes the network
    [booked] = await bank.network.movements()
    assert (booked["kind"], booked["status"], booked["amount"]) == ("CREDIT", "SUCCEEDED", 120_00)


async def test_a_declined_withdrawal_is_reversed(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=500_00)
    await bank.network.fault("decline", reason="CARD_CLOSED")

    result = await bank.gql(WITHDRAW, alice.money(120_00, "withdraw-declined"), token=alice.token)

    assert result["data"]["withdraw"]["movement"]["status"] == "DECLINED"
    assert await alice.balance() == 500_00 and await bank_balances(bank) == (0, 0)
    lines = await bank.gql('query($id: ID!) { transactions(accountId: $id) { edges { node { kind amount } } } }',
                           {"id": str(alice.account.id)}, token=alice.token)
    assert [e["node"] for e in lines["data"]["transactions"]["edges"][:2]] == [
        {"kind": "reversal", "amount": 120_00}, {"kind": "withdrawal", "amount": -120_00}]


async def test_a_lost_withdrawal_is_queried_and_reversed(open_bank):
    bank = await open_bank(CLEARING_REQUEST_TIMEOUT_MS="300", CLEARING_NOT_FOUND_AFTER_SECONDS="0")
    alice = await bank.customer(balance=500_00)
    await bank.network.configure(hang_ms=1_500)
    await bank.network.fault("timeout")

    result = await bank.gql(WITHDRAW, alice.money(75_00, "withdraw-lost"), token=alice.token)

    assert result["data"]["withdraw"]["movement"]["declineReason"] == "NOT_AT_NETWORK"
    assert await alice.balance() == 500_00 and await bank_balances(bank) == (0, 0)


async def test_withdrawal_faults_move_the_money_once(open_bank):
    bank = await open_bank(CLEARING_REQUEST_TIMEOUT_MS="300", CLEARING_NOT_FOUND_AFTER_SECONDS="0")
    alice = await bank.customer(balance=1_000_00)
    await bank.network.configure(hang_ms=1_500)
    for n, (fault, options) in enumerate((("duplicate_notification", {"copies": 3}), ("notify_before_response", {}),
                                          ("timeout", {"processed": True}))):
        await bank.network.fault(fault, **options)
        result = await bank.gql(WITHDRAW, alice.money(100_00, f"withdraw-fault-{n}"), token=alice.token)
        assert await wait_until_final(bank, result["data"]["withdraw"]["movement"]["id"]) == "SUCCEEDED", fault
    await bank.network.movements()
    assert await alice.balance() == 700_00 and await entries("withdrawal_settlement") == 3
    assert await bank_balances(bank) == (300_00, 0)


async def test_a_withdrawal_with_another_amount_in_its_notification_stays_in_transit(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=500_00)
    await bank.network.fault("wrong_amount", delta=-1)

    result = await bank.gql(WITHDRAW, alice.money(100_00, "withdraw-wrong-amount"), token=alice.token)

    assert result["data"]["withdraw"]["movement"]["status"] == "QUARANTINED"
    assert await alice.balance() == 400_00 and await bank_balances(bank) == (0, 100_00)  # held, not lost


async def test_a_success_and_a_decline_racing_book_one_of_them(open_bank):
    """Two contradictory results at once: one is booked, the other quarantined; money is where one says."""
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer(balance=500_00)
    await bank.network.fault("no_notification")
    result = await bank.gql(WITHDRAW, alice.money(100_00, "withdraw-race"), token=alice.token)
    movement_id = result["data"]["withdraw"]["movement"]["id"]

    async def notify(status: str):
        body = result_note(movement_id, 100_00, status=status, kind="CREDIT_RESULT")
        return await bank.gql.http.post(CALLBACK, content=body, headers=signed_by_network(bank.network, body))

    answers = await asyncio.gather(*(notify(status) for status in ["SUCCEEDED", "DECLINED"] * 3))

    assert {a.status_code for a in answers} == {200}
    row = await CardMovement.get(request_id=movement_id)
    clearing, in_transit = await bank_balances(bank)
    if row.status.value == "succeeded":
        assert (await alice.balance(), clearing, in_transit) == (400_00, 100_00, 0)
    else:
        assert (row.status.value, await alice.balance(), clearing, in_transit) == ("declined", 500_00, 0, 0)
    assert await entries("withdrawal_settlement") + await entries("reversal") == 1


async def test_more_than_the_balance_is_refused_before_the_network_is_asked(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=50_00)

    result = await bank.gql(WITHDRAW.replace("... on Error { message }", "... on InsufficientFunds { balance requested }"),
                            alice.money(80_00, "withdraw-too-much"), token=alice.token)

    assert result["data"]["withdraw"] == {"__typename": "InsufficientFunds", "balance": 50_00, "requested": 80_00}
    assert await bank.network.movements() == [] and await alice.balance() == 50_00


async def test_above_the_step_up_threshold_a_withdrawal_needs_the_pin(open_bank):
    bank = await open_bank(LEDGER_STEP_UP_ABOVE_FEN="100000")
    alice = await bank.customer(balance=3_000_00)

    without = await bank.gql(WITHDRAW, alice.money(1_500_00, "withdraw-big-1"), token=alice.token)
    wrong = await bank.gql(WITHDRAW, alice.money(1_500_00, "withdraw-big-2", pin="000000"), token=alice.token)
    with_pin = await bank.gql(WITHDRAW, alice.money(1_500_00, "withdraw-big-3", pin=PIN), token=alice.token)
    small = await bank.gql(WITHDRAW, alice.money(1_000_00, "withdraw-small"), token=alice.token)

    assert without["data"]["withdraw"]["__typename"] == "StepUpRequired"
    assert wrong["data"]["withdraw"]["__typename"] == "WrongPaymentPin"
    assert with_pin["data"]["withdraw"]["movement"]["status"] == "SUCCEEDED"
    assert small["data"]["withdraw"]["movement"]["status"] == "SUCCEEDED"
    assert await alice.balance() == 500_00 and len(await bank.network.movements()) == 2


async def test_withdrawals_count_against_the_class_two_daily_limit(open_bank):
    bank = await open_bank(LEDGER_CLASS_TWO_DAILY_FEN="200000")
    alice = await bank.customer(balance=5_000_00)

    first = await bank.gql(WITHDRAW, alice.money(1_500_00, "withdraw-day-1", pin=PIN), token=alice.token)
    second = await bank.gql(WITHDRAW, alice.money(1_000_00, "withdraw-day-2", pin=PIN), token=alice.token)

    assert first["data"]["withdraw"]["movement"]["status"] == "SUCCEEDED"
    refused = second["data"]["withdraw"]
    assert (refused["__typename"], refused["limit"], refused["remaining"]) == ("LimitExceeded", "DAILY", 500_00)
    assert len(await bank.network.movements()) == 1


async def test_a_frozen_account_withdraws_nothing(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=500_00)
    await freeze_account(account_id=alice.account.id)

    result = await bank.gql(WITHDRAW, alice.money(10_00, "withdraw-frozen"), token=alice.token)

    assert result["data"]["withdraw"]["__typename"] == "AccountFrozen"
    assert await bank.network.movements() == []
