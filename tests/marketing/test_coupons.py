"""Coupons: never over stock, never twice to one customer, under concurrency; expiry; one redemption."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from marketing.models import Campaign, Coupon
from marketing.service import ErrorCode, MarketingError
from tests.marketing.campaigns import MAKER, coupons, live
from tests.marketing.support import customer


async def _claims(marketing, campaign_id: int, users: list[int]) -> list[object]:
    return await asyncio.gather(*(marketing.claim_coupon(user_id=u, campaign_id=campaign_id) for u in users),
                                return_exceptions=True)


async def test_a_stock_of_one_is_issued_once_to_64_concurrent_claims(runtime):
    campaign = await live(runtime.marketing, coupons(1))
    results = await _claims(runtime.marketing, campaign.id, list(range(1, 65)))

    issued = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, MarketingError)]
    assert (len(issued), len(refused)) == (1, 63), [r for r in results if isinstance(r, BaseException)
                                                     and not isinstance(r, MarketingError)]
    assert {r.code for r in refused} == {ErrorCode.OUT_OF_STOCK}
    row = await Campaign.get(id=campaign.id)
    assert (row.issued, row.spent_fen, await Coupon.filter(campaign_id=campaign.id).count()) == (1, 5_00, 1)


async def test_one_customer_claiming_64_times_at_once_gets_one_coupon(runtime):
    campaign = await live(runtime.marketing, coupons(10))
    results = await _claims(runtime.marketing, campaign.id, [7] * 64)

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert {r.code for r in results if isinstance(r, MarketingError)} == {ErrorCode.ALREADY_CLAIMED}
    assert (await Campaign.get(id=campaign.id)).issued == 1


async def test_500_claims_for_a_stock_of_50_issue_exactly_50_to_different_customers(runtime):
    campaign = await live(runtime.marketing, coupons(50))
    await _claims(runtime.marketing, campaign.id, [u for u in range(1, 251) for _ in range(2)])

    owners = await Coupon.filter(campaign_id=campaign.id).values_list("user_id", flat=True)
    assert (len(owners), len(set(owners))) == (50, 50)
    assert (await Campaign.get(id=campaign.id)).issued == 50


async def test_the_budget_caps_issuance_below_the_stock(runtime):
    campaign = await live(runtime.marketing, coupons(10, budget_fen=12_00))  # two coupons of 5 yuan fit
    results = await _claims(runtime.marketing, campaign.id, list(range(1, 11)))
    assert sum(not isinstance(r, BaseException) for r in results) == 2
    assert {r.code for r in results if isinstance(r, MarketingError)} == {ErrorCode.BUDGET_EXHAUSTED}


async def test_a_coupon_is_redeemed_once_and_not_after_it_expires(runtime):
    campaign = await live(runtime.marketing, coupons(5))
    first = await runtime.marketing.claim_coupon(user_id=1, campaign_id=campaign.id)
    used = await runtime.marketing.redeem_coupon(user_id=1, coupon_id=first.id, payment_ref="pay-1")
    assert used.redeemed_at is not None
    with pytest.raises(MarketingError) as again:
        await runtime.marketing.redeem_coupon(user_id=1, coupon_id=first.id, payment_ref="pay-2")
    assert again.value.code is ErrorCode.COUPON_REDEEMED
    with pytest.raises(MarketingError) as theirs:
        await runtime.marketing.redeem_coupon(user_id=2, coupon_id=first.id, payment_ref="pay-3")
    assert theirs.value.code is ErrorCode.NOT_FOUND

    second = await runtime.marketing.claim_coupon(user_id=2, campaign_id=campaign.id)
    await Coupon.filter(id=second.id).update(expires_at=second.issued_at - timedelta(seconds=1))
    with pytest.raises(MarketingError) as expired:
        await runtime.marketing.redeem_coupon(user_id=2, coupon_id=second.id, payment_ref="pay-4")
    assert expired.value.code is ErrorCode.COUPON_EXPIRED


async def test_only_the_segment_gets_the_coupon_checked_in_real_time(runtime):
    shanghai = await customer(runtime, age=30)
    guangzhou = await customer(runtime, age=30, address="广东省广州市天河区体育西路1号")
    segment = await runtime.marketing.create_segment(by_user_id=MAKER, name="上海", rule={"attr": "city", "in": ["上海市"]})
    campaign = await live(runtime.marketing, coupons(5, segment_id=segment.id))

    with pytest.raises(MarketingError) as outside:
        await runtime.marketing.claim_coupon(user_id=guangzhou, campaign_id=campaign.id)
    assert outside.value.code is ErrorCode.NOT_ELIGIBLE
    assert (await runtime.marketing.claim_coupon(user_id=shanghai, campaign_id=campaign.id)).user_id == shanghai
    # A customer who arrived after the segment's refresh is let in by the real-time check.
    newcomer = await customer(runtime, age=40)
    assert (await runtime.marketing.claim_coupon(user_id=newcomer, campaign_id=campaign.id)).user_id == newcomer


async def test_a_paused_campaign_issues_nothing(runtime):
    campaign = await live(runtime.marketing, coupons(5))
    await runtime.marketing.pause_campaign(by_user_id=MAKER, campaign_id=campaign.id)
    with pytest.raises(MarketingError) as paused:
        await runtime.marketing.claim_coupon(user_id=1, campaign_id=campaign.id)
    assert paused.value.code is ErrorCode.NOT_ELIGIBLE
