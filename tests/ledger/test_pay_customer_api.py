"""Paying another customer by mobile number: the money lands in their Class II account."""

import pytest

from ledger.models import Account
from ledger.service import AccountKind
from tests.ledger.support import funded_account

PAY = """mutation($input: PayCustomerInput!) { payCustomer(input: $input) {
  __typename
  ... on PaymentSent { replayed payeeMaskedPhone fromAccount { id balance } }
  ... on InsufficientFunds { balance requested }
  ... on InvalidInput { field message }
  ... on Error { message } } }"""


PIN = "246810"


def pay(to_phone, amount, key, **extra):
    return {"input": {"toPhone": to_phone, "amount": amount, "idempotencyKey": key, "pin": PIN, **extra}}


@pytest.fixture
async def alice(sign_in, runtime):
    session = await sign_in("13900000011")
    await runtime.ledger.pins.set_pin(user_id=session.user_id, pin=PIN)
    return session


@pytest.fixture
async def bob(sign_in):
    return await sign_in("13900000022")


async def test_a_customer_pays_another_once_per_key(gql, alice, bob, runtime):
    # given Alice with 300 yuan and Bob with an empty Class II account
    wallet = await funded_account(runtime, alice.user_id, 300_00)
    bobs = await funded_account(runtime, bob.user_id, 0)
    # when Alice pays Bob 120 yuan by his number, and her app retries the request
    first = (await gql(PAY, pay("139 0000 0022", 120_00, "pay-bob-0001"), token=alice.access_token))["data"]["payCustomer"]
    retry = (await gql(PAY, pay("13900000022", 120_00, "pay-bob-0001"), token=alice.access_token))["data"]["payCustomer"]
    # then the money moved once, and Alice sees her own balance and Bob's masked number only
    assert first == {"__typename": "PaymentSent", "replayed": False, "payeeMaskedPhone": "139****0022",
                     "fromAccount": {"id": str(wallet.id), "balance": 180_00}}
    assert retry["replayed"] is True
    assert [(await Account.get(id=a.id)).balance for a in (wallet, bobs)] == [180_00, 120_00]


async def test_paying_someone_else_takes_the_pin_typed_for_that_payment(gql, alice, bob, runtime):
    wallet = await funded_account(runtime, alice.user_id, 300_00)
    bobs = await funded_account(runtime, bob.user_id, 0)
    without = pay("13900000022", 1_00, "pay-bob-0010")
    del without["input"]["pin"]
    asked = (await gql(PAY, without, token=alice.access_token))["data"]["payCustomer"]
    wrong = (await gql(PAY, pay("13900000022", 1_00, "pay-bob-0011", pin="000000"),
                       token=alice.access_token))["data"]["payCustomer"]
    assert asked["__typename"] == "StepUpRequired"
    assert wrong["__typename"] == "WrongPaymentPin"
    assert [(await Account.get(id=a.id)).balance for a in (wallet, bobs)] == [300_00, 0]


async def test_paying_more_than_the_balance_is_insufficient_funds(gql, alice, bob, runtime):
    wallet = await funded_account(runtime, alice.user_id, 50_00)
    await funded_account(runtime, bob.user_id, 0)
    result = (await gql(PAY, pay("13900000022", 80_00, "pay-bob-0002"), token=alice.access_token))["data"]["payCustomer"]
    assert (result["__typename"], result["balance"], result["requested"]) == ("InsufficientFunds", 50_00, 80_00)
    assert (await Account.get(id=wallet.id)).balance == 50_00


async def test_paying_someone_without_an_account_is_payee_not_found(gql, alice, runtime, sign_in):
    await funded_account(runtime, alice.user_id, 50_00)
    await sign_in("13900000033")  # a customer who never opened a Class II account
    for phone in ("13900000033", "13900000099"):  # and a number nobody has
        result = (await gql(PAY, pay(phone, 10_00, f"pay-{phone}"), token=alice.access_token))["data"]["payCustomer"]
        assert result == {"__typename": "PayeeNotFound", "message": "对方没有可以收款的账户"}


async def test_paying_from_another_customers_account_is_refused(gql, alice, bob, runtime, sign_in):
    # given Bob's funded account
    bobs = await funded_account(runtime, bob.user_id, 300_00)
    carol = await sign_in("13900000055")
    await funded_account(runtime, carol.user_id, 0)
    # when Alice names it as the account to pay Carol from
    stolen = (await gql(PAY, pay("13900000055", 10_00, "steal-0001", fromAccountId=str(bobs.id)),
                        token=alice.access_token))["data"]["payCustomer"]
    # then it is not hers to pay from, and nothing moved
    assert stolen == {"__typename": "InvalidInput", "field": "fromAccountId", "message": "你没有这个账户"}
    assert (await Account.get(id=bobs.id)).balance == 300_00


@pytest.mark.parametrize("overrides, field", [
    ({"toPhone": "12345"}, "toPhone"),
    ({"idempotencyKey": "short"}, "idempotencyKey"),
    ({"fromAccountId": "abc"}, "fromAccountId"),
])
async def test_malformed_payments_name_the_field(gql, alice, bob, runtime, overrides, field):
    await funded_account(runtime, alice.user_id, 50_00)
    await funded_account(runtime, bob.user_id, 0)
    variables = pay("13900000022", 10_00, "pay-bob-0003")
    variables["input"].update(overrides)
    result = (await gql(PAY, variables, token=alice.access_token))["data"]["payCustomer"]
    assert result["__typename"] == "InvalidInput" and result["field"] == field


async def test_paying_needs_a_signed_in_customer(gql):
    result = await gql(PAY, pay("13900000022", 10_00, "pay-bob-0004"))
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_card_account_can_pay_when_named(gql, alice, bob, runtime):
    card = await funded_account(runtime, alice.user_id, 40_00, kind=AccountKind.CLASS_ONE)
    bobs = await funded_account(runtime, bob.user_id, 0)
    result = (await gql(PAY, pay("13900000022", 15_00, "pay-bob-0005", fromAccountId=str(card.id)),
                        token=alice.access_token))["data"]["payCustomer"]
    assert result["fromAccount"] == {"id": str(card.id), "balance": 25_00}
    assert (await Account.get(id=bobs.id)).balance == 15_00
