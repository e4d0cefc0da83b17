"""Marketing as the rest of the app sees it: ``runtime.marketing``.

Segments (rules, preview, precomputed members, real-time check), campaigns with
maker-checker approval and schedules, coupons issued atomically, and the placements a
customer is shown. Other domains import only this module; the mini-program host learns
segment membership through ``segment_lookup()``, never marketing's tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import redis.asyncio as aioredis
from tortoise.context import TortoiseContext
from tortoise.context import _current_context as _current_tortoise_context

from infra.pii import PiiCipher
from ledger.service import LedgerService
from marketing import attribution, campaigns, coupons, delivery, placements, posterior, redemption, rewards, segments
from marketing.audience import Audience
from marketing.bucketing import HOLDOUT, assign, expected_shares, sample_ratio_p_value, two_proportion_p_value
from marketing.campaigns import CampaignInput, Placement, PlacementKind, State, Variant
from marketing.coupons import IssuedCoupon
from marketing.redemption import CouponDiscount
from marketing.delivery import OutboxPushGateway, PushGateway, TellCustomer
from marketing.rewards import CreditedReward
from infra.i18n import Text
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Assignment, Campaign, CampaignTransition, Coupon, Reward
from marketing.placements import FEED_SLOT_EVERY, Shown, with_feed_slots
from marketing.schedule import showing
from marketing.rules import RuleSource
from marketing.segments import SegmentView

log = logging.getLogger("marketing")

__all__ = [
    "FEED_SLOT_EVERY", "CampaignInput", "CampaignReport", "CreditedReward", "ErrorCode", "IssuedCoupon", "MarketingError", "MarketingService", "Placement",
    "OutboxPushGateway", "PlacementKind", "PushGateway", "SegmentLookup", "SegmentView", "Shown", "State", "Variant", "VariantResult",
    "with_feed_slots",
    # coupons in mini-program payments (openplatform's orders)
    "CouponDiscount", "coupon_discount", "redeem_coupon_within", "usable_coupons",
]


async def coupon_discount(*, user_id: int, coupon_id: object, app_id: str, amount_fen: int) -> CouponDiscount:
    """What the customer's coupon takes off a payment of ``amount_fen`` to the mini-program, funded
    by its campaign's budget account; MarketingError (NOT_FOUND, COUPON_REDEEMED, COUPON_EXPIRED,
    COUPON_NOT_FOR_APP, COUPON_ABOVE_AMOUNT) when it cannot."""
    return await redemption.discount(user_id=user_id, coupon_id=coupon_id, app_id=app_id, amount_fen=amount_fen)


async def usable_coupons(*, user_id: int, app_id: str, amount_fen: int) -> list[IssuedCoupon]:
    """The customer's coupons a payment of ``amount_fen`` to the mini-program could take."""
    return [IssuedCoupon.of(r) for r in await redemption.usable(user_id=user_id, app_id=app_id, amount_fen=amount_fen)]


async def redeem_coupon_within(found: CouponDiscount, *, user_id: int, payment_ref: str) -> None:
    """Call inside the payment's ledger entry (``also_write``): the coupon used, once, or the payment undone."""
    await redemption.redeem_within(found, user_id=user_id, payment_ref=payment_ref)


@dataclass(frozen=True, slots=True)
class VariantResult:
    variant: str
    assigned: int
    expected_share: float
    claimed: int  # coupons or rewards claimed
    converted: int | None  # conversions credited to the campaign last-touch (when a goal was given)
    conversion: float | None  # converted (or, without a goal, claimed) / assigned
    p_value_vs_control: float | None  # two-proportion z-test of that conversion against the first variant
    chance_to_beat_control: float | None = None  # Bayesian: P(this conversion > the control's), Beta(1, 1) prior
    credible_interval: tuple[float, float] | None = None  # the central 95% of the conversion's posterior


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign_id: int
    variants: list[VariantResult]
    sample_ratio_p_value: float | None  # below 0.001: the split is broken, do not read the results


@dataclass(frozen=True, slots=True)
class SegmentLookup:
    """What the mini-program host may ask about segments (its gray release by segment)."""

    service: MarketingService

    async def known(self, segment_ids: list[int]) -> frozenset[int]:
        return await segments.existing(segment_ids)

    async def member_of(self, *, user_id: int, segment_ids: list[int]) -> frozenset[int]:
        return await segments.segments_of(user_id=user_id, among=segment_ids)


class MarketingService:
    def __init__(self, *, redis: aioredis.Redis, cipher: PiiCipher, ledger: LedgerService, tell: TellCustomer,
                 push: PushGateway | None = None, refresh_seconds: int = 300) -> None:
        """``tell``: the inbox's one bank-to-customer function (openplatform.service.tell_customer);
        ``push``: the push gateway (the outbox by default, like SMS)."""
        self.redis = redis
        self.ledger = ledger
        self.tell = tell
        self.push = push or OutboxPushGateway()
        self.audience = Audience(cipher=cipher)
        self.refresh_seconds = refresh_seconds
        self.live = placements.LiveCampaigns(redis)

    def segment_lookup(self) -> SegmentLookup:
        return SegmentLookup(self)

    # -- segments --------------------------------------------------------------------

    async def preview_segment(self, *, rule: RuleSource) -> int:
        return await segments.preview(self.audience, rule=rule)

    async def create_segment(self, *, by_user_id: int, name: str, rule: RuleSource) -> SegmentView:
        return await segments.create(self.audience, by_user_id=by_user_id, name=name, rule=rule)

    async def refresh_segment(self, *, segment_id: int) -> SegmentView:
        return await segments.refresh(self.audience, segment_id=segment_id)

    async def refresh_segments(self) -> int:
        return await segments.refresh_all(self.audience)

    async def in_segment_now(self, *, segment_id: int, user_id: int) -> bool:
        return await segments.check(self.audience, segment_id=segment_id, user_id=user_id)

    async def segments(self) -> list[SegmentView]:
        return await segments.listing()

    # -- campaigns -------------------------------------------------------------------

    async def create_campaign(self, *, by_user_id: int, data: CampaignInput) -> Campaign:
        return await self._changed(await campaigns.create(by_user_id=by_user_id, data=data))

    async def update_campaign(self, *, by_user_id: int, campaign_id: int, data: CampaignInput) -> Campaign:
        return await self._changed(await campaigns.update(by_user_id=by_user_id, campaign_id=campaign_id, data=data))

    async def submit_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.submit(by_user_id=by_user_id, campaign_id=campaign_id))

    async def approve_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.approve(by_user_id=by_user_id, campaign_id=campaign_id))

    async def reject_campaign(self, *, by_user_id: int, campaign_id: int, reason: str) -> Campaign:
        return await self._changed(await campaigns.reject(by_user_id=by_user_id, campaign_id=campaign_id, reason=reason))

    async def schedule_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.schedule(by_user_id=by_user_id, campaign_id=campaign_id))

    async def pause_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.pause(by_user_id=by_user_id, campaign_id=campaign_id))

    async def resume_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.resume(by_user_id=by_user_id, campaign_id=campaign_id))

    async def end_campaign(self, *, by_user_id: int, campaign_id: int) -> Campaign:
        return await self._changed(await campaigns.end(by_user_id=by_user_id, campaign_id=campaign_id))

    async def advance(self, *, now: datetime | None = None) -> int:
        """The scheduler's turn: windows opened and closed, then inbox and push placements sent."""
        changed = await campaigns.advance(now=now)
        if changed:
            await placements.campaigns_changed(self.redis)
        await self.deliver_messages()
        return changed

    async def _changed(self, campaign: Campaign) -> Campaign:
        await placements.campaigns_changed(self.redis)
        return campaign

    async def deliver_messages(self) -> int:
        return await delivery.deliver(redis=self.redis, tell=self.tell, push=self.push)

    async def campaign(self, *, campaign_id: int) -> Campaign:
        return await campaigns.get(campaign_id)

    async def campaigns(self, *, states: list[State] | None = None) -> list[Campaign]:
        return await campaigns.listing(states=states)

    async def campaign_history(self, *, campaign_id: int) -> list[CampaignTransition]:
        return await campaigns.history(campaign_id)

    async def report(self, *, campaign_id: int, goal: str | None = None, page: str | None = None,
                     within_hours: int = 24) -> CampaignReport:
        """Per variant: assigned, claimed, and with ``goal`` the conversions credited last-touch
        (marketing.attribution); conversion and its test use those, else the claims."""
        campaign = await campaigns.get(campaign_id)
        variant_of = {int(row["user_id"]): str(row["variant"])
                      for row in await Assignment.filter(campaign_id=campaign.id).values("user_id", "variant")}
        assigned: dict[str, int] = {}
        for key in variant_of.values():
            assigned[key] = assigned.get(key, 0) + 1
        claimed: dict[str, int] = {}
        for model in (Coupon, Reward):
            for row in await model.filter(campaign_id=campaign.id).values("variant"):
                claimed[str(row["variant"])] = claimed.get(str(row["variant"]), 0) + 1
        converted: dict[str, int] | None = None
        if goal is not None:
            if not 1 <= len(goal) <= 128 or goal in (attribution.EXPOSURE, attribution.CLICK):
                raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.goal_event"), field="goal")
            if not 1 <= within_hours <= 24 * 30:
                raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.number_range", low=1, high=24 * 30),
                                     field="withinHours")
            credited = await attribution.attribute(
                campaign_id=campaign.id, goal=goal, page=page, within=timedelta(hours=within_hours),
                since=campaign.starts_at, until=min(campaign.ends_at, datetime.now(timezone.utc)))
            converted = {}
            for user_id in credited.converted:
                credited_to = variant_of.get(user_id)
                if credited_to is not None:
                    converted[credited_to] = converted.get(credited_to, 0) + 1
        outcomes = converted if converted is not None else claimed
        shares = expected_shares(campaign.variants, campaign.holdout_percent)
        keys = [k for k in shares if k != HOLDOUT]
        control = keys[0] if keys else None
        rows = []
        for key, share in shares.items():
            n, x = assigned.get(key, 0), outcomes.get(key, 0)
            n0, x0 = assigned.get(control, 0) if control else 0, outcomes.get(control, 0) if control else 0
            compared = control is not None and key not in (control, HOLDOUT)
            versus = two_proportion_p_value(x, n, x0, n0) if compared else None
            chance = posterior.chance_to_beat(x, n, x0, n0) if compared and n and n0 else None
            rows.append(VariantResult(key, n, share, claimed.get(key, 0),
                                      None if converted is None else converted.get(key, 0), x / n if n else None, versus,
                                      chance, posterior.credible_interval(x, n) if n else None))
        return CampaignReport(campaign.id, rows, sample_ratio_p_value(assigned, shares))

    # -- customers -------------------------------------------------------------------

    async def claim_coupon(self, *, user_id: int, campaign_id: int, now: datetime | None = None) -> IssuedCoupon:
        """One coupon for a customer the campaign targets now: in its segment by a real-time check."""
        now = now or datetime.now(timezone.utc)
        campaign, variant = await self._targeting(user_id=user_id, campaign_id=campaign_id, now=now)
        return await coupons.issue(campaign=campaign, user_id=user_id, variant=variant, now=now)

    async def claim_reward(self, *, user_id: int, campaign_id: int, now: datetime | None = None) -> CreditedReward:
        """One cash reward, credited to the customer's Class II account from the campaign's budget account."""
        campaign, variant = await self._targeting(user_id=user_id, campaign_id=campaign_id,
                                                  now=now or datetime.now(timezone.utc))
        return await rewards.credit(ledger=self.ledger, campaign=campaign, user_id=user_id, variant=variant)

    async def _targeting(self, *, user_id: int, campaign_id: int, now: datetime) -> tuple[Campaign, str]:
        """The live campaign and the customer's variant; NOT_ELIGIBLE when it is not for them now."""
        campaign = await campaigns.get(campaign_id)
        live = campaign.state == State.LIVE.value and showing(
            starts_at=campaign.starts_at, ends_at=campaign.ends_at, cron=campaign.cron,
            minutes=campaign.occurrence_minutes, now=now)
        if not live:
            raise MarketingError(ErrorCode.NOT_ELIGIBLE, Text("marketing.campaign_not_live"), field="campaignId")
        variant = assign(campaign_id=campaign.id, user_id=user_id, variants=campaign.variants,
                         holdout_percent=campaign.holdout_percent)
        if variant == HOLDOUT:
            raise MarketingError(ErrorCode.NOT_ELIGIBLE, Text("marketing.not_targeted"), field="campaignId")
        if campaign.segment_id is not None and not await self.in_segment_now(segment_id=campaign.segment_id,
                                                                             user_id=user_id):
            raise MarketingError(ErrorCode.NOT_ELIGIBLE, Text("marketing.not_targeted"), field="campaignId")
        return campaign, variant

    async def coupons_of(self, *, user_id: int) -> list[IssuedCoupon]:
        return await coupons.coupons_of(user_id=user_id)

    async def redeem_coupon(self, *, user_id: int, coupon_id: int, payment_ref: str) -> IssuedCoupon:
        return await coupons.redeem(user_id=user_id, coupon_id=coupon_id, payment_ref=payment_ref)

    async def shown_to(self, *, user_id: int, kinds: frozenset[str] = frozenset({"HOME_BANNER", "POPUP"}),
                       now: datetime | None = None) -> list[Shown]:
        return await self.live.shown_to(user_id=user_id, now=now or datetime.now(timezone.utc), kinds=kinds)

    # -- background ------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self, database: TortoiseContext) -> AsyncIterator[None]:
        """Moves campaigns along their schedule every half minute and refreshes segments periodically."""
        task = asyncio.create_task(self._loop(database))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, database: TortoiseContext) -> None:
        _current_tortoise_context.set(database)
        since_refresh = 0.0
        while True:
            try:
                await self.advance()
                if since_refresh >= self.refresh_seconds:
                    await self.refresh_segments()
                    since_refresh = 0.0
            except Exception:  # noqa: BLE001 - the loop outlives one failed turn; the next retries
                log.exception("marketing schedule turn failed")
            await asyncio.sleep(30)
            since_refresh += 30
