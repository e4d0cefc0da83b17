"""Campaigns: maker-checker to live, schedules in China Standard Time, and typed refusals of bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from marketing.models import CampaignTransition
from marketing.schedule import showing
from marketing.service import ErrorCode, MarketingError, Variant
from tests.marketing.campaigns import CHECKER, MAKER, banner, live
from tests.marketing.support import window


async def test_a_campaign_goes_from_draft_to_live_with_another_operator_approving(runtime):
    marketing = runtime.marketing
    made = await marketing.create_campaign(by_user_id=MAKER, data=banner())
    assert made.state == "draft"
    with pytest.raises(MarketingError) as early:
        await marketing.approve_campaign(by_user_id=CHECKER, campaign_id=made.id)
    assert early.value.code is ErrorCode.WRONG_STATE
    with pytest.raises(MarketingError) as stranger:
        await marketing.submit_campaign(by_user_id=CHECKER, campaign_id=made.id)
    assert stranger.value.code is ErrorCode.NOT_OWNER

    await marketing.submit_campaign(by_user_id=MAKER, campaign_id=made.id)
    with pytest.raises(MarketingError) as own:
        await marketing.approve_campaign(by_user_id=MAKER, campaign_id=made.id)
    assert own.value.code is ErrorCode.SAME_MAKER_AND_CHECKER
    approved = await marketing.approve_campaign(by_user_id=CHECKER, campaign_id=made.id)
    assert (approved.state, approved.approved_by) == ("approved", CHECKER)

    scheduled = await marketing.schedule_campaign(by_user_id=CHECKER, campaign_id=made.id)
    assert scheduled.state == "live"  # its window is open: the scheduler's turn moved it at once
    assert (await marketing.pause_campaign(by_user_id=MAKER, campaign_id=made.id)).state == "paused"
    assert (await marketing.resume_campaign(by_user_id=MAKER, campaign_id=made.id)).state == "live"
    assert (await marketing.end_campaign(by_user_id=MAKER, campaign_id=made.id)).state == "ended"
    trail = await CampaignTransition.filter(campaign_id=made.id).order_by("id").values_list("to_state", "actor_user_id")
    assert trail == [("draft", MAKER), ("submitted", MAKER), ("approved", CHECKER), ("scheduled", CHECKER),
                     ("live", None), ("paused", MAKER), ("live", MAKER), ("ended", MAKER)]


async def test_a_rejected_campaign_goes_back_to_its_maker(runtime):
    made = await runtime.marketing.create_campaign(by_user_id=MAKER, data=banner())
    await runtime.marketing.submit_campaign(by_user_id=MAKER, campaign_id=made.id)
    back = await runtime.marketing.reject_campaign(by_user_id=CHECKER, campaign_id=made.id, reason="文案需修改")
    assert back.state == "draft"
    changed = await runtime.marketing.update_campaign(by_user_id=MAKER, campaign_id=made.id, data=banner(name="改后"))
    assert changed.name == "改后"


async def test_the_scheduler_opens_and_closes_windows(runtime):
    start, end = window(hours=2, starting=timedelta(hours=1))
    campaign = await live(runtime.marketing, banner(starts_at=start, ends_at=end))
    assert campaign.state == "scheduled"
    assert await runtime.marketing.advance(now=start + timedelta(minutes=1)) == 1
    assert (await runtime.marketing.campaign(campaign_id=campaign.id)).state == "live"
    assert await runtime.marketing.advance(now=end) == 1
    assert (await runtime.marketing.campaign(campaign_id=campaign.id)).state == "ended"


def test_a_recurring_schedule_reads_its_cron_in_china_standard_time():
    start = datetime(2026, 11, 30, tzinfo=timezone.utc)  # a Monday
    end = start + timedelta(days=30)
    monday_nine_cst = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing
    kwargs = {"starts_at": start, "ends_at": end, "cron": "0 9 * * 1", "minutes": 120}
    assert showing(now=monday_nine_cst, **kwargs)
    assert showing(now=monday_nine_cst + timedelta(minutes=119), **kwargs)
    assert not showing(now=monday_nine_cst + timedelta(minutes=120), **kwargs)
    assert not showing(now=monday_nine_cst - timedelta(minutes=1), **kwargs)
    assert not showing(now=monday_nine_cst + timedelta(days=1), **kwargs)
    assert not showing(now=monday_nine_cst + timedelta(days=28), **kwargs)  # after the window


_past = datetime(2020, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"cron": "0 25 * * *", "occurrence_minutes": 60}, ErrorCode.INVALID_CRON, "cron"),
    ({"cron": "@daily", "occurrence_minutes": 60}, ErrorCode.INVALID_CRON, "cron"),
    ({"cron": "0 9 * * 1", "occurrence_minutes": None}, ErrorCode.INVALID_CRON, "occurrenceMinutes"),
    ({"starts_at": _past, "ends_at": _past + timedelta(days=1)}, ErrorCode.WINDOW_IN_PAST, "endsAt"),
    ({"ends_at": datetime.now(timezone.utc) - timedelta(days=2)}, ErrorCode.INVALID_WINDOW, "endsAt"),
    ({"stock": -1, "coupon_fen": 100, "coupon_valid_days": 7}, ErrorCode.NEGATIVE_STOCK, "stock"),
    ({"variants": [Variant("A", 50), Variant("B", 40)]}, ErrorCode.VARIANT_SPLIT, "variants"),
    ({"variants": [Variant("A", 60), Variant("B", 60)]}, ErrorCode.VARIANT_SPLIT, "variants"),
    ({"segment_id": 424242}, ErrorCode.NOT_FOUND, "segmentId"),
    ({"cap_count": 3}, ErrorCode.INVALID_INPUT, "capHours"),
    ({"placements": []}, ErrorCode.INVALID_INPUT, "placements"),
])
async def test_bad_campaign_input_is_a_typed_error_and_saves_nothing(runtime, overrides, code, field):
    with pytest.raises(MarketingError) as refused:
        await runtime.marketing.create_campaign(by_user_id=MAKER, data=banner(**overrides))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert await runtime.marketing.campaigns() == []
