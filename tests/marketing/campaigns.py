"""Given-steps: campaign input and a campaign taken through maker-checker to live."""

from __future__ import annotations

from datetime import timedelta

from marketing.service import CampaignInput, Placement, PlacementKind, Variant
from tests.marketing.support import window

MAKER, CHECKER = 9001, 9002


def banner(**overrides) -> CampaignInput:
    start, end = window()
    values = dict(name="春季理财节", starts_at=start, ends_at=end,
                  placements=[Placement(PlacementKind.HOME_BANNER, "理财节加息券", "最高 5%", "https://img.example/a.png",
                                        "/promo/spring")])
    values.update(overrides)
    return CampaignInput(**values)


def coupons(stock: int, *, coupon_fen: int = 5_00, budget_fen: int | None = None, **overrides) -> CampaignInput:
    return banner(stock=stock, coupon_fen=coupon_fen, coupon_valid_days=30,
                  budget_fen=stock * coupon_fen if budget_fen is None else budget_fen, **overrides)


async def live(marketing, data: CampaignInput):
    made = await marketing.create_campaign(by_user_id=MAKER, data=data)
    await marketing.submit_campaign(by_user_id=MAKER, campaign_id=made.id)
    await marketing.approve_campaign(by_user_id=CHECKER, campaign_id=made.id)
    return await marketing.schedule_campaign(by_user_id=CHECKER, campaign_id=made.id)


__all__ = ["CHECKER", "MAKER", "Variant", "banner", "coupons", "live", "timedelta"]
