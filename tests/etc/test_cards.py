"""Applying for a card: plates, the verified customer, one live card per plate, suspend and cancel."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
import asyncio

import pytest

from ledger.service import Customer, StepUpRequired
from miniprograms.etc.service import CardStatus, EtcError, EtcErrorCode, normalized_plate
from tests.etc.support import driver_with_card, verified_driver


@pytest.mark.parametrize("text, plate", [
    ("粤B12345", "粤B12345"),
    ("粤b·12345", "粤B12345"),
    ("京A 8888学", "京A8888学"),
    ("粤BD12345", "粤BD12345"),  # small new-energy, battery electric
    ("沪AF1234 5", "沪AF12345"),  # small new-energy, other
    ("粤BDA1234", "粤BDA1234"),
    ("粤B12345D", "粤B12345D"),  # large new-energy
])
def test_mainland_plates_including_eight_character_new_energy_ones(text, plate):
    assert normalized_plate(text) == plate


@pytest.mark.parametrize("text", [
    "", "B12345", "粤12345", "粤BI2345", "粤BO1234", "粤B1234", "粤B123456", "粤BA12345", "粤B12345X",
    "港B12345", "粤B1234D5", "x" * 40, None, 12345,
])
def test_malformed_plates(text):
    assert normalized_plate(text) is None


async def test_a_verified_customer_gets_a_card_on_their_class_two_account(runtime):
    driver, card = await driver_with_card(runtime, "粤BD12345")
    assert card.plate == "粤BD12345" and card.status is CardStatus.ACTIVE and not card.blacklisted
    assert len(card.number) == 20 and card.number.isdigit()
    assert card.account_id == driver.account_id and card.owner_user_id == driver.user_id
    assert [c.number for c in await etc_service(runtime).cards(user_id=driver.user_id)] == [card.number]


async def test_applying_needs_the_pin_typed_for_the_mandate(runtime):
    driver = await verified_driver(runtime)
    with pytest.raises(StepUpRequired):
        await etc_service(runtime).apply(by=Customer(driver.user_id, "session"), plate="粤B12345")
    assert await etc_service(runtime).cards(user_id=driver.user_id) == []


async def test_a_customer_without_a_verified_class_two_account_is_sent_to_kyc(runtime):
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).apply(by=Customer(424242, "s", pin="135790"), plate="粤B12345")
    assert refused.value.code is EtcErrorCode.CLASS_TWO_ACCOUNT_REQUIRED


async def test_a_malformed_plate_is_refused(runtime):
    driver = await verified_driver(runtime)
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).apply(by=driver.customer, plate="粤BI2345")
    assert refused.value.code is EtcErrorCode.MALFORMED_PLATE
    assert "车牌号格式不正确" in str(refused.value)


async def test_a_plate_has_one_live_card_and_another_customers_plate_is_refused(runtime):
    owner, _ = await driver_with_card(runtime, "粤B12345")
    other = await verified_driver(runtime)
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).apply(by=other.customer, plate="粤b12345")
    assert refused.value.code is EtcErrorCode.PLATE_HAS_CARD
    with pytest.raises(EtcError) as again:
        await etc_service(runtime).apply(by=owner.customer, plate="粤B12345")
    assert again.value.code is EtcErrorCode.ALREADY_HAS_CARD


async def test_concurrent_applications_for_one_plate_issue_one_card(runtime):
    drivers = [await verified_driver(runtime) for _ in range(8)]
    outcomes = await asyncio.gather(*(etc_service(runtime).apply(by=d.customer, plate="川A9A9A9") for d in drivers),
                                    return_exceptions=True)
    cards = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(cards) == 1
    assert all(isinstance(o, EtcError) and o.code is EtcErrorCode.PLATE_HAS_CARD for o in outcomes if o not in cards)


async def test_suspend_resume_and_cancel_then_the_plate_can_have_a_new_card(runtime):
    driver, card = await driver_with_card(runtime, "浙A12345")
    assert (await etc_service(runtime).suspend(user_id=driver.user_id, card_number=card.number)).status is CardStatus.SUSPENDED
    assert (await etc_service(runtime).resume(user_id=driver.user_id, card_number=card.number)).status is CardStatus.ACTIVE
    assert (await etc_service(runtime).cancel(user_id=driver.user_id, card_number=card.number)).status is CardStatus.CANCELLED
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).resume(user_id=driver.user_id, card_number=card.number)
    assert refused.value.code is EtcErrorCode.CARD_CANCELLED
    second = await etc_service(runtime).apply(by=driver.customer, plate="浙A12345")
    assert second.number != card.number


async def test_another_customers_card_is_not_found(runtime):
    _, card = await driver_with_card(runtime, "浙A54321")
    stranger = await verified_driver(runtime)
    for act in (etc_service(runtime).suspend, etc_service(runtime).cancel, etc_service(runtime).card_debits):
        with pytest.raises(EtcError) as refused:
            await act(user_id=stranger.user_id, card_number=card.number)
        assert refused.value.code is EtcErrorCode.CARD_NOT_FOUND


@pytest.mark.parametrize("number", ["", "1" * 21, "x" * 200, "１" * 20, "4401"])
async def test_a_malformed_card_number_is_not_found(runtime, number):
    driver = await verified_driver(runtime)
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).suspend(user_id=driver.user_id, card_number=number)
    assert refused.value.code is EtcErrorCode.CARD_NOT_FOUND
