"""Merchant debits by signed open-API request: money, caps, holds at car parks, debts and the
blacklist, the customer's inbox."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
import asyncio

import pytest

from ledger.service import MerchantCategory
from miniprograms.etc.service import EtcError, EtcErrorCode
from tests.etc.support import balance, deposit, driver_with_card, merchant_app
from tests.openplatform.partner_client import PartnerServer, error_code
from tests.openplatform.support import PartnerApp

DEBITS = "/openapi/v1/etc/debits"


async def partner_of(client, merchant) -> PartnerServer:
    server = PartnerServer(client, PartnerApp(merchant.app_id, merchant.secret, "", "", None, None))
    await server.fetch_token()
    return server


@pytest.fixture
async def toll(runtime, gql, sign_in):
    return await merchant_app(runtime, gql, sign_in)


async def inbox_titles(runtime, user_id: int) -> list[str]:
    return [m.title for m in await runtime.openplatform.inbox(user_id=user_id)]


async def test_a_toll_road_debits_a_card_by_plate_and_the_customer_is_told(runtime, client, toll):
    driver, card = await driver_with_card(runtime, "粤BD12345", balance=10_000)
    partner = await partner_of(client, toll)
    response = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 2_350}, idempotency_key="toll-1")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "succeeded" and response.json()["amountFen"] == 2_350
    assert await balance(driver.account_id) == 7_650
    assert await balance(toll.account_id) == 2_350
    assert await inbox_titles(runtime, driver.user_id) == ["ETC 扣款 ¥23.50"]
    again = await partner.call("POST", DEBITS, {"plate": "粤BD12345", "amountFen": 2_350}, idempotency_key="toll-1")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert await balance(driver.account_id) == 7_650


async def test_caps_per_debit_per_day_and_attempts_with_failures_counted(runtime, client, toll):
    driver, _ = await driver_with_card(runtime, "粤B11111", balance=5_000_000)
    partner = await partner_of(client, toll)
    over = await partner.call("POST", DEBITS, {"plate": "粤B11111", "amountFen": 200_001})
    assert (over.status_code, error_code(over)) == (422, "OVER_PER_DEBIT_CAP")
    for _ in range(10):
        ok = await partner.call("POST", DEBITS, {"plate": "粤B11111", "amountFen": 200_000})
        assert ok.status_code == 201, ok.text
    day = await partner.call("POST", DEBITS, {"plate": "粤B11111", "amountFen": 1})
    assert (day.status_code, error_code(day)) == (422, "OVER_DAILY_CAP")
    assert await balance(driver.account_id) == 5_000_000 - 2_000_000
    for _ in range(20 - 12):
        await partner.call("POST", DEBITS, {"plate": "粤B11111", "amountFen": 1})
    tired = await partner.call("POST", DEBITS, {"plate": "粤B11111", "amountFen": 1})
    assert (tired.status_code, error_code(tired)) == (422, "ATTEMPTS_EXHAUSTED")
    assert await balance(driver.account_id) == 3_000_000


async def test_caps_hold_under_concurrent_debits_of_one_card(runtime, toll):
    driver, _ = await driver_with_card(runtime, "粤B22222", balance=10_000_000)
    outcomes = await asyncio.gather(*(
        etc_service(runtime).debit(app_id=toll.app_id, plate="粤B22222", amount=150_000, idempotency_key=f"c-{i}")
        for i in range(30)), return_exceptions=True)
    paid = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o.code for o in outcomes if isinstance(o, EtcError)]
    assert len(paid) == 13  # 13 x 1,500 yuan is the most under 20,000 a day
    assert sorted(set(refused)) == [EtcErrorCode.ATTEMPTS_EXHAUSTED, EtcErrorCode.OVER_DAILY_CAP]
    assert len(paid) + len(refused) == 30
    assert await balance(driver.account_id) == 10_000_000 - 13 * 150_000
    assert await balance(toll.account_id) == 13 * 150_000


async def test_one_key_sent_many_times_at_once_debits_once(runtime, toll):
    driver, _ = await driver_with_card(runtime, "粤B33333", balance=100_000)
    outcomes = await asyncio.gather(*(
        etc_service(runtime).debit(app_id=toll.app_id, plate="粤B33333", amount=1_000, idempotency_key="same")
        for _ in range(20)), return_exceptions=True)
    assert all(not isinstance(o, BaseException) or (isinstance(o, EtcError) and o.code is
                                                    EtcErrorCode.DEBIT_IN_PROGRESS) for o in outcomes)
    assert await balance(driver.account_id) == 99_000


async def test_a_car_park_holds_at_entry_and_captures_at_exit(runtime, client, gql, sign_in):
    park = await merchant_app(runtime, gql, sign_in, category=MerchantCategory.PARKING, name="福田停车场")
    driver, _ = await driver_with_card(runtime, "粤BF12345", balance=10_000)
    partner = await partner_of(client, park)
    entry = await partner.call("POST", "/openapi/v1/etc/preauths", {"plate": "粤BF12345", "amountFen": 5_000})
    assert entry.status_code == 201, entry.text
    preauth = entry.json()["preauthId"]
    assert (await runtime.ledger.available_balances(account_ids=[driver.account_id]))[driver.account_id] == 5_000
    too_much = await partner.call("POST", f"/openapi/v1/etc/preauths/{preauth}/capture", {"amountFen": 5_001})
    assert error_code(too_much) == "CAPTURE_EXCEEDS_HOLD"
    exit_ = await partner.call("POST", f"/openapi/v1/etc/preauths/{preauth}/capture", {"amountFen": 1_200})
    assert exit_.status_code == 201, exit_.text
    assert await balance(driver.account_id) == 8_800 and await balance(park.account_id) == 1_200
    assert (await runtime.ledger.available_balances(account_ids=[driver.account_id]))[driver.account_id] == 8_800
    twice = await partner.call("POST", f"/openapi/v1/etc/preauths/{preauth}/capture", {"amountFen": 100})
    assert error_code(twice) == "PREAUTH_NOT_HELD"


async def test_a_released_hold_gives_the_money_back(runtime, client, gql, sign_in):
    park = await merchant_app(runtime, gql, sign_in, category=MerchantCategory.PARKING, name="南山停车场")
    driver, _ = await driver_with_card(runtime, "粤BF54321", balance=10_000)
    partner = await partner_of(client, park)
    entry = await partner.call("POST", "/openapi/v1/etc/preauths", {"plate": "粤BF54321", "amountFen": 5_000})
    preauth = entry.json()["preauthId"]
    released = await partner.call("POST", f"/openapi/v1/etc/preauths/{preauth}/release", {})
    assert released.json()["status"] == "released"
    assert (await runtime.ledger.available_balances(account_ids=[driver.account_id]))[driver.account_id] == 10_000


async def test_insufficient_funds_records_a_debt_repaid_first_by_the_next_top_up(runtime, client, toll):
    driver, _ = await driver_with_card(runtime, "粤B44444", balance=1_000)
    partner = await partner_of(client, toll)
    short = await partner.call("POST", DEBITS, {"plate": "粤B44444", "amountFen": 3_000})
    assert (short.status_code, error_code(short)) == (422, "INSUFFICIENT_FUNDS")
    assert await balance(driver.account_id) == 1_000 and await balance(toll.account_id) == 0
    assert "ETC 欠费 ¥30.00" in await inbox_titles(runtime, driver.user_id)
    await deposit(runtime, driver.account_id, 10_000)  # the next money in
    assert await balance(driver.account_id) == 8_000 and await balance(toll.account_id) == 3_000
    assert "ETC 欠费已补缴 ¥30.00" in await inbox_titles(runtime, driver.user_id)
    statement = await etc_service(runtime).merchant_statement(app_id=toll.app_id, day=(await etc_service(runtime).card_debits(
        user_id=driver.user_id, card_number=(await etc_service(runtime).cards(user_id=driver.user_id))[0].number))[0].day)
    assert (statement.unpaid_count, statement.unpaid, statement.repaid) == (1, 3_000, 3_000)


async def test_concurrent_top_ups_repay_a_debt_once(runtime, toll):
    driver, _ = await driver_with_card(runtime, "粤B55555", balance=0)
    with pytest.raises(EtcError):
        await etc_service(runtime).debit(app_id=toll.app_id, plate="粤B55555", amount=3_000, idempotency_key="k")
    await asyncio.gather(*(deposit(runtime, driver.account_id, 5_000) for _ in range(10)))
    assert await balance(toll.account_id) == 3_000
    assert await balance(driver.account_id) == 50_000 - 3_000


async def test_repeated_failures_blacklist_the_card_until_the_debts_are_paid(runtime, client, toll):
    driver, _ = await driver_with_card(runtime, "粤B66666", balance=0)
    partner = await partner_of(client, toll)
    for _ in range(3):
        refused = await partner.call("POST", DEBITS, {"plate": "粤B66666", "amountFen": 500})
        assert error_code(refused) == "INSUFFICIENT_FUNDS"
    listed = await partner.call("GET", "/openapi/v1/etc/blacklist?plate=%E7%B2%A4B66666")
    assert listed.status_code == 200 and listed.json()["blacklisted"] is True
    blocked = await partner.call("POST", DEBITS, {"plate": "粤B66666", "amountFen": 500})
    assert error_code(blocked) == "CARD_BLACKLISTED"
    await deposit(runtime, driver.account_id, 10_000)
    assert await balance(toll.account_id) == 1_500
    lifted = await partner.call("GET", "/openapi/v1/etc/blacklist?plate=%E7%B2%A4B66666")
    assert lifted.json()["blacklisted"] is False
    paid = await partner.call("POST", DEBITS, {"plate": "粤B66666", "amountFen": 500})
    assert paid.status_code == 201


async def test_an_overdue_debt_blacklists_the_card(runtime, toll):
    from datetime import datetime, timedelta, timezone

    from miniprograms.etc.models import EtcDebt

    await driver_with_card(runtime, "粤B77777", balance=0)
    with pytest.raises(EtcError):
        await etc_service(runtime).debit(app_id=toll.app_id, plate="粤B77777", amount=500, idempotency_key="one")
    # Given the debt is eight days old:
    await EtcDebt.all().update(created_at=datetime.now(timezone.utc) - timedelta(days=8))
    assert (await etc_service(runtime).blacklisted(app_id=toll.app_id, plate="粤B77777"))[0] is True


async def test_only_toll_operators_query_the_blacklist(runtime, client, gql, sign_in):
    wash = await merchant_app(runtime, gql, sign_in, category=MerchantCategory.CAR_WASH, name="车洁洗车")
    partner = await partner_of(client, wash)
    asked = await partner.call("GET", "/openapi/v1/etc/blacklist?plate=%E7%B2%A4B66666")
    assert (asked.status_code, error_code(asked)) == (403, "NOT_A_TOLL_OPERATOR")


async def test_a_request_left_pending_by_a_stopped_process_is_carried_on_by_its_retry(runtime, toll):
    from datetime import datetime, timedelta, timezone

    from miniprograms.etc.debits import _fingerprint, cst_day
    from miniprograms.etc.models import EtcCard, EtcDebit, EtcMerchant
    from miniprograms.etc.vocabulary import DebitKind

    driver, _ = await driver_with_card(runtime, "粤B88888", balance=10_000)
    merchant = await EtcMerchant.get(app_id=toll.app_id)
    card = await EtcCard.get(plate="粤B88888")
    # Given a process took the key and counted the caps, then stopped before the ledger:
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    row, seen, refusal = await etc_service(runtime).debits._take_key(
        merchant, "stopped", _fingerprint(kind="debit", plate="粤B88888", amount=700), card, None,
        kind=DebitKind.DEBIT, plate="粤B88888", amount=700, day=cst_day(now), created_at=now)
    assert (seen, refusal) == (False, None)
    debit = await etc_service(runtime).debit(app_id=toll.app_id, plate="粤B88888", amount=700, idempotency_key="stopped")
    assert debit.status.value == "succeeded"
    again = await etc_service(runtime).debit(app_id=toll.app_id, plate="粤B88888", amount=700, idempotency_key="stopped")
    assert again.replayed
    assert await balance(driver.account_id) == 9_300 and await balance(toll.account_id) == 700
    assert (await EtcDebit.get(id=row.id)).entry_id is not None
