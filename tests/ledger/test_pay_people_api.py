"""Paying another customer by account number or by phone, after a preview that shows the
payee masked; the payee finds a message in the inbox; look-ups are limited per payer."""

import pytest

from ledger.models import Account, JournalEntry
from openplatform.models import InboxMessage
from tests.ledger.support import funded_account, opened_through_kyc

PIN = "246810"
PREVIEW = """query($phone: String, $number: String) { payee(toPhone: $phone, toAccountNumber: $number) {
  __typename
  ... on PayeePreview { maskedName maskedAccountNumber maskedPhone }
  ... on RateLimited { retryAfterSeconds }
  ... on Error { message } } }"""
PAY = """mutation($input: PayCustomerInput!) { payCustomer(input: $input) {
  __typename
  ... on PaymentSent { replayed payeeMaskedPhone payee { maskedName maskedAccountNumber } fromAccount { balance } }
  ... on LimitExceeded { limit remaining }
  ... on Error { message } } }"""
INBOX = "{ inbox { appId topic title body } }"


@pytest.fixture
def environ(environ):
    """500 yuan a day from a Class II account; 8 payee look-ups an hour per payer."""
    environ["LEDGER_CLASS_TWO_DAILY_FEN"] = str(500_00)
    environ["LEDGER_PAYEE_LOOKUPS_PER_HOUR"] = "8"
    return environ


@pytest.fixture
async def alice(sign_in, runtime):
    session = await sign_in("13900000011")
    await runtime.ledger.pins.set_pin(user_id=session.user_id, pin=PIN)
    await opened_through_kyc(runtime, session.user_id, "李*", 800_00)
    return session


@pytest.fixture
async def bob(sign_in, runtime):
    session = await sign_in("13900000022")
    session.account = await opened_through_kyc(runtime, session.user_id, "王*")
    return session


def pay(amount, key, **payee):
    return {"input": {"amount": amount, "idempotencyKey": key, "pin": PIN, **payee}}


async def test_the_preview_shows_the_payee_masked_by_phone_and_by_account_number(gql, alice, bob):
    number = bob.account.number
    by_phone = (await gql(PREVIEW, {"phone": "139 0000 0022"}, token=alice.access_token))["data"]["payee"]
    by_number = (await gql(PREVIEW, {"number": f"{number[:4]} {number[4:8]} {number[8:]}"},
                           token=alice.access_token))["data"]["payee"]
    masked = number[:6] + "*" * 9 + number[-4:]
    assert by_phone == {"__typename": "PayeePreview", "maskedName": "王*", "maskedAccountNumber": masked,
                        "maskedPhone": "139****0022"}
    # Found by number, the preview does not tell the payee's phone.
    assert by_number == {"__typename": "PayeePreview", "maskedName": "王*", "maskedAccountNumber": masked,
                         "maskedPhone": None}


async def test_paying_by_account_number_lands_there_once_and_tells_the_payee(gql, alice, bob):
    first = (await gql(PAY, pay(120_00, "pay-bob-n-0001", toAccountNumber=bob.account.number),
                       token=alice.access_token))["data"]["payCustomer"]
    retry = (await gql(PAY, pay(120_00, "pay-bob-n-0001", toAccountNumber=bob.account.number),
                       token=alice.access_token))["data"]["payCustomer"]
    assert first["__typename"] == "PaymentSent" and first["replayed"] is False
    assert first["payee"]["maskedName"] == "王*" and first["payeeMaskedPhone"] is None
    assert first["fromAccount"] == {"balance": 680_00} and retry["replayed"] is True
    assert (await Account.get(id=bob.account.id)).balance == 120_00
    # Bob's inbox has one message from the bank, naming the payer masked; Alice's has none.
    inbox = (await gql(INBOX, token=bob.access_token))["data"]["inbox"]
    assert inbox == [{"appId": "bank", "topic": "payment.received", "title": "收到转账 ¥120.00",
                      "body": f"李*向您尾号{bob.account.number[-4:]}的账户转入120.00元。"}]
    assert (await gql(INBOX, token=alice.access_token))["data"]["inbox"] == []


async def test_payments_to_people_count_against_the_payers_daily_limit(gql, alice, bob):
    ok = (await gql(PAY, pay(400_00, "pay-bob-l-0001", toPhone="13900000022"),
                    token=alice.access_token))["data"]["payCustomer"]
    over = (await gql(PAY, pay(150_00, "pay-bob-l-0002", toAccountNumber=bob.account.number),
                      token=alice.access_token))["data"]["payCustomer"]
    assert ok["__typename"] == "PaymentSent"
    assert over == {"__typename": "LimitExceeded", "limit": "DAILY", "remaining": 100_00,
                    "message": over["message"]}
    assert (await Account.get(id=bob.account.id)).balance == 400_00
    assert await InboxMessage.filter(user_id=bob.user_id).count() == 1


async def test_paying_by_account_number_needs_the_pin_typed_for_it(gql, alice, bob):
    without = pay(10_00, "pay-bob-p-0001", toAccountNumber=bob.account.number)
    del without["input"]["pin"]
    result = (await gql(PAY, without, token=alice.access_token))["data"]["payCustomer"]
    assert result["__typename"] == "StepUpRequired"
    assert (await Account.get(id=bob.account.id)).balance == 0
    assert await InboxMessage.filter(user_id=bob.user_id).count() == 0


async def test_payee_look_ups_are_limited_per_payer_previews_and_payments_alike(gql, alice, bob, sign_in, runtime):
    # Alice scans numbers: five unknown phones, two previews of Bob, one payment.
    for n in range(5):
        unknown = (await gql(PREVIEW, {"phone": f"1370000000{n}"}, token=alice.access_token))["data"]["payee"]
        assert unknown["__typename"] == "PayeeNotFound"
    for _ in range(2):
        assert (await gql(PREVIEW, {"phone": "13900000022"}, token=alice.access_token))["data"]["payee"][
            "__typename"] == "PayeePreview"
    paid = (await gql(PAY, pay(1_00, "pay-bob-r-0001", toPhone="13900000022"),
                      token=alice.access_token))["data"]["payCustomer"]
    assert paid["__typename"] == "PaymentSent"
    # The ninth look-up is refused, whether a preview or a payment, known payee or not.
    refused_preview = (await gql(PREVIEW, {"phone": "13900000022"}, token=alice.access_token))["data"]["payee"]
    refused_payment = (await gql(PAY, pay(1_00, "pay-bob-r-0002", toPhone="13900000022"),
                                 token=alice.access_token))["data"]["payCustomer"]
    assert refused_preview["__typename"] == refused_payment["__typename"] == "RateLimited"
    assert 0 < refused_preview["retryAfterSeconds"] <= 3600
    assert await JournalEntry.filter(idempotency_key__contains="pay-bob-r-0002").count() == 0
    # Another payer has their own allowance.
    carol = await sign_in("13900000033")
    await funded_account(runtime, carol.user_id, 0)
    assert (await gql(PREVIEW, {"phone": "13900000022"}, token=carol.access_token))["data"]["payee"][
        "__typename"] == "PayeePreview"
