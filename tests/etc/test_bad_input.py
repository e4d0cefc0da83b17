"""Bad input from merchants: each refusal has its own code, and money does not move."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
import pytest

from tests.etc.support import balance, driver_with_card, merchant_app
from tests.etc.test_debits import DEBITS, partner_of
from tests.openplatform.partner_client import error_code, now


@pytest.fixture
async def scene(runtime, client, gql, sign_in):
    toll = await merchant_app(runtime, gql, sign_in)
    driver, card = await driver_with_card(runtime, "粤BD12345", balance=10_000)
    partner = await partner_of(client, toll)
    return toll, driver, card, partner


async def unmoved(toll, driver) -> bool:
    return await balance(driver.account_id) == 10_000 and await balance(toll.account_id) == 0


@pytest.mark.parametrize("body, status, code", [
    ({"plate": "粤BI2345", "amountFen": 100}, 400, "MALFORMED_PLATE"),
    ({"plate": "粤B12345D6", "amountFen": 100}, 400, "MALFORMED_PLATE"),
    ({"plate": None, "amountFen": 100}, 400, "MALFORMED_PLATE"),
    ({"plate": "粤BD12345", "amountFen": 0}, 400, "INVALID_AMOUNT"),
    ({"plate": "粤BD12345", "amountFen": -5}, 400, "INVALID_AMOUNT"),
    ({"plate": "粤BD12345", "amountFen": 1.5}, 400, "INVALID_INPUT"),
    ({"plate": "粤BD12345", "amountFen": 200_001}, 422, "OVER_PER_DEBIT_CAP"),
    ({"plate": "京A00000", "amountFen": 100}, 404, "CARD_NOT_FOUND"),
])
async def test_malformed_and_over_cap_requests(scene, body, status, code):
    toll, driver, _, partner = scene
    response = await partner.call("POST", DEBITS, body)
    assert (response.status_code, error_code(response)) == (status, code), response.text
    assert await unmoved(toll, driver)


async def test_a_replayed_signature_is_refused(scene):
    toll, driver, _, partner = scene
    raw = b'{"plate": "\\u7ca4BD12345", "amountFen": 100}'
    headers = partner.headers("POST", DEBITS, raw, idempotency_key="replay-1")
    first = await partner.send("POST", DEBITS, raw, headers)
    assert first.status_code == 201
    replayed = await partner.send("POST", DEBITS, raw, headers)
    assert (replayed.status_code, error_code(replayed)) == (401, "NONCE_REUSED")
    assert await balance(driver.account_id) == 9_900


async def test_an_expired_signature_is_refused(scene):
    toll, driver, _, partner = scene
    stale = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 100}, timestamp=now() - 3600)
    assert (stale.status_code, error_code(stale)) == (401, "STALE_TIMESTAMP")
    assert await unmoved(toll, driver)


async def test_a_tampered_body_is_refused(scene):
    toll, driver, _, partner = scene
    raw = b'{"plate": "\\u7ca4BD12345", "amountFen": 100}'
    headers = partner.headers("POST", DEBITS, raw)
    forged = await partner.send("POST", DEBITS, raw.replace(b"100", b"9999"), headers)
    assert (forged.status_code, error_code(forged)) == (401, "BAD_SIGNATURE")
    assert await unmoved(toll, driver)


async def test_a_duplicate_key_with_another_amount_is_refused(scene, runtime):
    toll, driver, _, partner = scene
    first = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 100}, idempotency_key="dup")
    assert first.status_code == 201
    other = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 900}, idempotency_key="dup")
    assert (other.status_code, error_code(other)) == (409, "IDEMPOTENCY_CONFLICT")
    # The same below the open API's own store: ETC's key refuses it too.
    from miniprograms.etc.service import EtcError, EtcErrorCode

    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).debit(app_id=toll.app_id, plate="粤BD12345", amount=900, idempotency_key="dup")
    assert refused.value.code is EtcErrorCode.DUPLICATE_KEY
    assert await balance(driver.account_id) == 9_900


async def test_a_suspended_card_is_refused(scene, runtime):
    toll, driver, card, partner = scene
    await etc_service(runtime).suspend(user_id=driver.user_id, card_number=card.number)
    response = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 100})
    assert (response.status_code, error_code(response)) == (422, "CARD_SUSPENDED")
    assert await unmoved(toll, driver)


async def test_an_app_that_is_not_an_etc_merchant_is_refused(runtime, client, gql, sign_in):
    from tests.openplatform.support import register_partner_app

    driver, _ = await driver_with_card(runtime, "粤B99999", balance=10_000)
    stranger = await register_partner_app(gql, sign_in)
    from tests.openplatform.partner_client import PartnerServer

    partner = PartnerServer(client, stranger)
    await partner.fetch_token()
    response = await partner.call("POST", DEBITS, {"plate": "粤B99999", "amountFen": 100})
    assert (response.status_code, error_code(response)) == (403, "NOT_AN_ETC_MERCHANT")
    assert await balance(driver.account_id) == 10_000


async def test_refusals_read_in_english_on_request(scene):
    toll, driver, _, partner = scene
    response = await partner.call("POST", DEBITS, {"plate": "bad", "amountFen": 100},
                                  headers={"accept-language": "en"})
    assert response.json()["error"]["message"].startswith("the plate number is malformed")
