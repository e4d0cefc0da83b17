"""Transfers from other banks arrive through the network as credit notifications: the payee's
Class II account is credited once and gets a message in the inbox; an account that cannot
take the money is refused with a 4xx code, so the network returns it to the sender."""

from __future__ import annotations

from ledger.service import account_number, close_account, freeze_account
from tests.clearing.support import bank_balances, entries

INBOX = "{ inbox { appId topic title body } }"


async def test_an_inbound_credit_is_booked_once_and_the_payee_is_told(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=10_00)
    await bank.network.fault("duplicate_notification", copies=3)
    number = (await bank.gql("{ accounts { kind accountNumber } }", token=alice.token))["data"]["accounts"]
    number = next(a["accountNumber"] for a in number if a["kind"] == "CLASS_TWO")
    assert number == account_number(alice.account.id)

    sent = await bank.network.inbound(payeeAccount=number, amount=25_00, payerName="王小明", payerBank="ICBC")

    assert sent["status"] == "SUCCEEDED"
    assert await alice.balance() == 35_00 and await entries("inbound_transfer") == 1
    assert await bank_balances(bank) == (-25_00, 0)
    [message] = (await bank.gql(INBOX, token=alice.token))["data"]["inbox"]
    assert message == {"appId": "bank", "topic": "money-received", "title": "Money received",
                       "body": "25.00 yuan from 王** (ICBC) arrived in your Class II account."}
    assert await bank.network.notifications_sent() == 3


async def test_an_unknown_account_is_refused_and_the_money_returned(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    not_ours = account_number(alice.account.id)[:-1] + str((int(account_number(alice.account.id)[-1]) + 1) % 10)

    for payee in (not_ours, account_number(alice.card.id), account_number(10**9), "12345"):
        sent = await bank.network.inbound(payeeAccount=payee, amount=5_00, payerName="x", payerBank="ABC")
        assert (sent["status"], sent["declineReason"]) == ("RETURNED", "UNKNOWN_ACCOUNT"), payee

    assert await entries("inbound_transfer") == 0 and await alice.balance() == 0


async def test_a_frozen_or_closed_account_refuses_inbound_money(open_bank):
    bank = await open_bank()
    alice = await bank.customer("13900000001")
    bob = await bank.customer("13900000002")
    await freeze_account(account_id=alice.account.id)
    await close_account(account_id=bob.account.id)

    frozen = await bank.network.inbound(payeeAccount=account_number(alice.account.id), amount=5_00)
    closed = await bank.network.inbound(payeeAccount=account_number(bob.account.id), amount=5_00)
    foreign = await bank.network.inbound(payeeAccount=account_number(bob.account.id), amount=5_00, currency="USD")

    assert (frozen["status"], frozen["declineReason"]) == ("RETURNED", "ACCOUNT_FROZEN")
    assert (closed["status"], closed["declineReason"]) == ("RETURNED", "ACCOUNT_CLOSED")
    assert (foreign["status"], foreign["declineReason"]) == ("RETURNED", "CURRENCY_NOT_SUPPORTED")
    assert await entries("inbound_transfer") == 0
    assert (await bank.gql(INBOX, token=alice.token))["data"]["inbox"] == []
