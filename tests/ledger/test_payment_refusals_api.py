"""Bad payments, each answered with its own typed error, and not a fen moved: amounts that
are zero, negative, past the cap or fractions of a fen; an unknown payee; paying yourself;
a closed or a frozen account, the payee's or the payer's."""

import pytest

from ledger.models import Account, JournalEntry
from ledger.service import AccountKind, close_account, freeze_account
from openplatform.models import InboxMessage
from tests.ledger.support import funded_account, opened_through_kyc

PIN = "246810"
PAY = """mutation($input: PayCustomerInput!) { payCustomer(input: $input) {
  __typename
  ... on InvalidAmount { problem maximum }
  ... on LimitExceeded { limit }
  ... on AccountFrozen { accountId }
  ... on AccountClosed { accountId }
  ... on InvalidInput { field }
  ... on Error { message } } }"""
TRANSFER = """mutation($input: TransferInput!) { transfer(input: $input) {
  __typename ... on InvalidAmount { problem } ... on Error { message } } }"""
MAXIMUM = 10**15


@pytest.fixture
def environ(environ):
    environ["LEDGER_CLASS_TWO_PER_TRANSACTION_FEN"] = str(5_000_00)
    return environ


@pytest.fixture
async def parties(sign_in, runtime):
    alice = await sign_in("13900000011")
    await runtime.ledger.pins.set_pin(user_id=alice.user_id, pin=PIN)
    alice.account = await opened_through_kyc(runtime, alice.user_id, "李*", 6_000_00)
    bob = await sign_in("13900000022")
    bob.account = await opened_through_kyc(runtime, bob.user_id, "王*")
    return alice, bob


def pay(amount=10_00, key="refused-0001", **payee):
    return {"input": {"amount": amount, "idempotencyKey": key, "pin": PIN, **(payee or {"toPhone": "13900000022"})}}


async def nothing_moved(alice, bob):
    assert [(await Account.get(id=a.account.id)).balance for a in (alice, bob)] == [6_000_00, 0]
    assert await JournalEntry.filter(kind="payment").count() == 0
    assert await InboxMessage.all().count() == 0


@pytest.mark.parametrize("amount, problem", [
    (0, "ZERO"), (-5_00, "NEGATIVE"), (12.5, "NOT_WHOLE_FEN"), (100.0, "NOT_WHOLE_FEN"),
    (MAXIMUM + 1, "ABOVE_MAXIMUM"),
])
async def test_an_amount_no_payment_can_carry_is_invalid_amount(gql, parties, amount, problem):
    alice, bob = parties
    result = (await gql(PAY, pay(amount), token=alice.access_token))["data"]["payCustomer"]
    assert (result["__typename"], result["problem"], result["maximum"]) == ("InvalidAmount", problem, MAXIMUM)
    await nothing_moved(alice, bob)


async def test_an_amount_past_the_class_two_cap_is_limit_exceeded(gql, parties):
    alice, bob = parties
    result = (await gql(PAY, pay(5_000_01), token=alice.access_token))["data"]["payCustomer"]
    assert (result["__typename"], result["limit"]) == ("LimitExceeded", "PER_TRANSACTION")
    await nothing_moved(alice, bob)


async def test_a_transfer_of_a_fraction_of_a_fen_is_invalid_amount_too(gql, parties, runtime):
    alice, bob = parties
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    result = (await gql(TRANSFER, {"input": {"fromAccountId": str(alice.account.id), "toAccountId": str(card.id),
                                             "amount": 0.5, "idempotencyKey": "own-half-fen"}},
                        token=alice.access_token))["data"]["transfer"]
    assert result == {"__typename": "InvalidAmount", "problem": "NOT_WHOLE_FEN",
                      "message": "金额须为整数分"}


@pytest.mark.parametrize("payee", [
    {"toPhone": "13700000000"},  # a number nobody has
    {"toAccountNumber": "6230580000000000005"},  # a well-formed number no account has
])
async def test_an_unknown_payee_is_payee_not_found(gql, parties, payee):
    alice, bob = parties
    result = (await gql(PAY, pay(**payee), token=alice.access_token))["data"]["payCustomer"]
    assert result["__typename"] == "PayeeNotFound"
    await nothing_moved(alice, bob)


async def test_a_mistyped_account_number_is_invalid_input_before_any_look_up(gql, parties):
    alice, bob = parties
    number = bob.account.number
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)  # the check digit catches it
    result = (await gql(PAY, pay(toAccountNumber=mistyped), token=alice.access_token))["data"]["payCustomer"]
    assert (result["__typename"], result["field"]) == ("InvalidInput", "toAccountNumber")
    await nothing_moved(alice, bob)


async def test_paying_yourself_is_cannot_pay_yourself(gql, parties):
    alice, bob = parties
    for payee in ({"toPhone": "13900000011"}, {"toAccountNumber": alice.account.number}):
        result = (await gql(PAY, pay(**payee), token=alice.access_token))["data"]["payCustomer"]
        assert result["__typename"] == "CannotPayYourself"
    await nothing_moved(alice, bob)


async def test_a_frozen_payee_account_is_payee_account_frozen(gql, parties):
    alice, bob = parties
    await freeze_account(account_id=bob.account.id)
    for payee in ({"toPhone": "13900000022"}, {"toAccountNumber": bob.account.number}):
        result = (await gql(PAY, pay(**payee), token=alice.access_token))["data"]["payCustomer"]
        # named without its id: the payer learns no more than that it cannot receive now
        assert result == {"__typename": "PayeeAccountFrozen",
                          "message": "收款账户已冻结，无法收款"}
    await nothing_moved(alice, bob)


async def test_a_closed_payee_account_is_payee_account_closed(gql, parties):
    alice, bob = parties
    await close_account(account_id=bob.account.id)
    by_number = (await gql(PAY, pay(toAccountNumber=bob.account.number),
                           token=alice.access_token))["data"]["payCustomer"]
    by_phone = (await gql(PAY, pay(), token=alice.access_token))["data"]["payCustomer"]
    assert by_number["__typename"] == "PayeeAccountClosed"
    assert by_phone["__typename"] == "PayeeNotFound"  # Bob has no account left to receive money
    await nothing_moved(alice, bob)


async def test_paying_from_a_frozen_or_closed_account_of_ones_own_is_refused_by_name(gql, parties, runtime):
    alice, bob = parties
    await freeze_account(account_id=alice.account.id)
    frozen = (await gql(PAY, pay(key="refused-0002"), token=alice.access_token))["data"]["payCustomer"]
    assert frozen == {"__typename": "AccountFrozen", "accountId": str(alice.account.id),
                      "message": "账户已冻结"}
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    await close_account(account_id=card.id)
    closed = (await gql(PAY, pay(key="refused-0003", toPhone="13900000022", fromAccountId=str(card.id)),
                        token=alice.access_token))["data"]["payCustomer"]
    assert (closed["__typename"], closed["accountId"]) == ("AccountClosed", str(card.id))
    await nothing_moved(alice, bob)
