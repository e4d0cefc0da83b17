"""Demo marketing (seed 003's placements in the app): a segment of Class II customers and one
live campaign with a home banner and coupons, made by one operator and approved by another,
through marketing's own service. Idempotent: the campaign is made once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bff.services import Runtime
from identity.models import User
from marketing.service import CampaignInput, Placement, PlacementKind

CAMPAIGN = "春季理财节"


async def seed_marketing(runtime: Runtime, *, maker: User, checker: User) -> str:
    existing = [c for c in await runtime.marketing.campaigns() if c.name == CAMPAIGN]
    if existing:
        return f"demo campaign {CAMPAIGN} ({existing[0].state})"
    segment = await runtime.marketing.create_segment(by_user_id=maker.id, name="二类户客户",
                                                     rule={"attr": "accountClass", "in": ["CLASS_TWO"]})
    now = datetime.now(timezone.utc)
    made = await runtime.marketing.create_campaign(by_user_id=maker.id, data=CampaignInput(
        name=CAMPAIGN, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=365),
        segment_id=segment.id, stock=100, coupon_fen=10_00, coupon_valid_days=30, budget_fen=1_000_00,
        placements=[Placement(PlacementKind.HOME_BANNER, "理财节 10 元券", "二类户专享，先到先得", link="/promo/spring"),
                    Placement(PlacementKind.INBOX, "春季理财节开始啦", "10 元券已为您备好，打开首页领取")],
        cap_count=5, cap_hours=24,
    ))
    await runtime.marketing.submit_campaign(by_user_id=maker.id, campaign_id=made.id)
    await runtime.marketing.approve_campaign(by_user_id=checker.id, campaign_id=made.id)
    await runtime.marketing.schedule_campaign(by_user_id=checker.id, campaign_id=made.id)
    await runtime.marketing.advance()
    return f"demo campaign {CAMPAIGN} live for segment {segment.name} ({segment.member_count} customers)"
