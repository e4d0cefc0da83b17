"""Transfers from other banks arrive through the network as credit notifications: the payee's
Class II account is credited once and gets a message in the inbox; an account that cannot
take the money is refused with a 4xx code, so the network returns it to the sender."""

from __future__ import annotations

from ledger.account_numbers import new_account_number
from ledger.models import Account
from ledger.service import close_account, freeze_account
from tests.clearing.support import bank_balances, entries


async def number_of(account) -> str:
    return (await Account.get(id=account.id)).number

INBOX = "{ inbox { appId topic title body } }"


async def test_an_inbound_credit_is_booked_once_and_the_payee_is_told(open_bank):
    bank = await open_bank()
    alice = await bank.customer(balance=10_00)
    await bank.network.fault("duplicate_notification", copies=3)
    number = (await bank.gql("{ accounts { kind accountNumber } }", token=alice.token))["data"]["accounts"]
    number = next(a["accountNumber"] for a in number if a["kind"] == "CLASS_TWO")
    assert number == await number_of(alice.account)

    sent = await bank.network.inbound(payeeAccount=number, amount=25_00, payerName="王小明", payerBank="ICBC")

    assert sent["status"] == "SUCCEEDED"
    assert await alice.balance() == 35_00 and await entries("inbound_transfer") == 1
    assert await bank_balances(bank) == (-25_00, 0)
    [message] = (await bank.gql(INBOX, token=alice.token))["data"]["inbox"]
    assert message == {"appId": "bank", "topic": "money-received", "title": "到账通知",
                       "body": "王**（ICBC）向您的二类账户转入 ¥25.00。"}
    assert await bank.network.notifications_sent() == 3


async def test_an_unknown_account_is_refused_and_the_money_returned(open_bank):
    bank = await open_bank()
    alice = await bank.customer()
    real = await number_of(alice.account)
    mistyped = real[:-1] + str((int(real[-1]) + 1) % 10)  # its check digit fails
    for payee in (mistyped, new_account_number(), "12345"):  # and a well-formed number nobody holds
        sent = await bank.network.inbound(payeeAccount=payee, amount=5_00, payerName="x", payerBank="ABC")
        assert (sent["status"], sent["declineReason"]) == ("RETURNED", "UNKNOWN_ACCOUNT"), payee

    assert await entries("inbound_transfer") == 0 and await alice.balance() == 0


async def test_a_frozen_or_closed_account_refuses_inbound_money(open_bank):
    bank = await open_bank()
    alice = await bank.customer("13900000001")
    bob = await bank.customer("13900000002")
    await freeze_account(account_id=alice.account.id)
    await close_account(account_id=bob.account.id)

    frozen = await bank.network.inbound(payeeAccount=await number_of(alice.account), amount=5_00)
    closed = await bank.network.inbound(payeeAccount=await number_of(bob.account), amount=5_00)
    foreign = await bank.network.inbound(payeeAccount=await number_of(bob.account), amount=5_00, currency="USD")

    assert (frozen["status"], frozen["declineReason"]) == ("RETURNED", "ACCOUNT_FROZEN")
    assert (closed["status"], closed["declineReason"]) == ("RETURNED", "ACCOUNT_CLOSED")
    assert (foreign["status"], foreign["declineReason"]) == ("RETURNED", "CURRENCY_NOT_SUPPORTED")
    assert await entries("inbound_transfer") == 0
    assert (await bank.gql(INBOX, token=alice.token))["data"]["inbox"] == []
