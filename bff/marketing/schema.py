"""Marketing in GraphQL: operators define segments and run campaigns (maker-checker);
customers claim coupons. Every refusal is a ``MarketingRefusal`` with a stable code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry

from bff.context import Info
from bff.ids import ParsedIds, RecordId
from bff.marketing.types import (
    Campaign, CampaignChange, CampaignInput, CampaignReport, ConversionInterval, CampaignState, Coupon, MarketingRefusal, Segment,
    RewardCredited, SegmentPreview, VariantResult,
)
from bff.permissions import requires
from identity.roles import Role
from marketing.service import CampaignInput as Draft, MarketingError, Placement, State, Variant

T = TypeVar("T")

SegmentResult = Annotated[Segment | MarketingRefusal, strawberry.union("SegmentResult")]
PreviewResult = Annotated[SegmentPreview | MarketingRefusal, strawberry.union("SegmentPreviewResult")]
CampaignResult = Annotated[Campaign | MarketingRefusal, strawberry.union("CampaignResult")]
CouponResult = Annotated[Coupon | MarketingRefusal, strawberry.union("CouponResult")]
RewardResult = Annotated[RewardCredited | MarketingRefusal, strawberry.union("RewardResult")]
ReportResult = Annotated[CampaignReport | MarketingRefusal, strawberry.union("CampaignReportResult")]


async def _answer(step: Awaitable[T], wrap: Callable[[T], object]):
    try:
        return wrap(await step)
    except MarketingError as exc:
        return MarketingRefusal.of(exc)


def _draft(data: CampaignInput) -> Draft:
    return Draft(
        name=data.name, starts_at=data.starts_at, ends_at=data.ends_at, segment_id=data.segment_id,
        placements=[Placement(p.kind, p.title, p.body, p.image_url, p.link) for p in data.placements[:10]],
        cron=data.cron, occurrence_minutes=data.occurrence_minutes,
        variants=[Variant(v.key, v.weight, v.title) for v in data.variants[:10]], holdout_percent=data.holdout_percent,
        cap_count=data.cap_count, cap_hours=data.cap_hours, budget_fen=data.budget, coupon_fen=data.coupon_amount,
        coupon_valid_days=data.coupon_valid_days, reward_fen=data.reward, budget_account_id=data.budget_account_id,
        stock=data.stock, coupon_app_id=data.coupon_app_id,
    )


def _interval(bounds: tuple[float, float] | None) -> ConversionInterval | None:
    return None if bounds is None else ConversionInterval(low=bounds[0], high=bounds[1])


def _me(info: Info) -> int:
    return info.context.principal.user_id


@strawberry.type
class MarketingQuery:
    @strawberry.field(extensions=requires(Role.OPERATOR), description="Audience segments, newest first.")
    async def marketing_segments(self, info: Info) -> list[Segment]:
        return [Segment.of(s) for s in await info.context.runtime.marketing.segments()]

    @strawberry.field(extensions=requires(Role.OPERATOR), description="Campaigns (in these states), newest first.")
    async def marketing_campaigns(self, info: Info, states: list[CampaignState] | None = None) -> list[Campaign]:
        rows = await info.context.runtime.marketing.campaigns(states=[State(s) for s in states or []][:7] or None)
        return [Campaign.of(r) for r in rows]

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="One campaign's changes.")
    async def marketing_campaign_history(self, info: Info, campaign_id: RecordId) -> list[CampaignChange]:
        rows = await info.context.runtime.marketing.campaign_history(campaign_id=campaign_id)
        return [CampaignChange(from_state=State(r.from_state) if r.from_state else None, to_state=State(r.to_state),
                               actor_user_id=strawberry.ID(str(r.actor_user_id)) if r.actor_user_id else None,
                               note=r.note, at=r.created_at) for r in rows]

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                      description=("Per variant: assignments, claims and, with a goal event, conversions credited "
                                   "last-touch from campaign_click / campaign_exposure events within withinHours; "
                                   "the two-proportion test, the Bayesian chance to beat the first variant with a 95% "
                                   "credible interval, and the sample-ratio check."))
    async def campaign_report(self, info: Info, campaign_id: RecordId, goal: str | None = None,
                              page: str | None = None, within_hours: int = 24) -> ReportResult:
        def wrap(report) -> CampaignReport:
            return CampaignReport(
                variants=[VariantResult(variant=v.variant, assigned=v.assigned, expected_share=v.expected_share,
                                        claimed=v.claimed, converted=v.converted, conversion=v.conversion,
                                        p_value_vs_control=v.p_value_vs_control,
                                        chance_to_beat_control=v.chance_to_beat_control,
                                        credible_interval=_interval(v.credible_interval)) for v in report.variants],
                sample_ratio_p_value=report.sample_ratio_p_value,
            )

        return await _answer(info.context.runtime.marketing.report(
            campaign_id=campaign_id, goal=goal, page=page, within_hours=within_hours), wrap)

    @strawberry.field(extensions=requires(Role.CUSTOMER), description="Your coupons, newest first.")
    async def my_coupons(self, info: Info) -> list[Coupon]:
        return [Coupon.of(c) for c in await info.context.runtime.marketing.coupons_of(user_id=_me(info))]


@strawberry.type
class MarketingMutation:
    @strawberry.mutation(extensions=requires(Role.OPERATOR), description=(
        "How many customers a rule selects now, before saving it. The rule is JSON: "
        '{"all"|"any": [rule…]}, {"not": rule}, {"attr": "ageBand"|"city"|"accountClass", "in": [...]}, '
        '{"attr": "enterpriseEmployee", "is": true}, {"event": name, "page"?, "appId"?, "atLeast": n, "withinDays": d}.'
    ))
    async def preview_segment(self, info: Info, rule: str) -> PreviewResult:
        return await _answer(info.context.runtime.marketing.preview_segment(rule=rule),
                             lambda n: SegmentPreview(matching=n))

    @strawberry.mutation(extensions=requires(Role.OPERATOR), description="Save a segment and compute its members.")
    async def create_segment(self, info: Info, name: str, rule: str) -> SegmentResult:
        return await _answer(info.context.runtime.marketing.create_segment(by_user_id=_me(info), name=name, rule=rule),
                             Segment.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Recompute the members now.")
    async def refresh_segment(self, info: Info, segment_id: RecordId) -> SegmentResult:
        return await _answer(info.context.runtime.marketing.refresh_segment(segment_id=segment_id), Segment.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="A new campaign, as a draft of yours.")
    async def create_campaign(self, info: Info, input: CampaignInput) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.create_campaign(by_user_id=_me(info), data=_draft(input)),
                             Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Change your draft.")
    async def update_campaign(self, info: Info, campaign_id: RecordId, input: CampaignInput) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.update_campaign(
            by_user_id=_me(info), campaign_id=campaign_id, data=_draft(input)), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Send your draft for approval.")
    async def submit_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.submit_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Approve another operator's submitted campaign (maker-checker).")
    async def approve_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.approve_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Send another operator's submitted campaign back to draft, with the reason.")
    async def reject_campaign(self, info: Info, campaign_id: RecordId, reason: str) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.reject_campaign(
            by_user_id=_me(info), campaign_id=campaign_id, reason=reason), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Schedule an approved campaign: it goes live when its window opens.")
    async def schedule_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.schedule_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Pause a live campaign.")
    async def pause_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.pause_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Resume a paused campaign.")
    async def resume_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.resume_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="End a campaign for good.")
    async def end_campaign(self, info: Info, campaign_id: RecordId) -> CampaignResult:
        return await _answer(info.context.runtime.marketing.end_campaign(
            by_user_id=_me(info), campaign_id=campaign_id), Campaign.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="Claim a live campaign's coupon: one per customer, never past the stock.")
    async def claim_coupon(self, info: Info, campaign_id: RecordId) -> CouponResult:
        return await _answer(info.context.runtime.marketing.claim_coupon(user_id=_me(info), campaign_id=campaign_id),
                             Coupon.of)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="Claim a live campaign's cash reward, credited once to your Class II account.")
    async def claim_reward(self, info: Info, campaign_id: RecordId) -> RewardResult:
        return await _answer(info.context.runtime.marketing.claim_reward(user_id=_me(info), campaign_id=campaign_id),
                             RewardCredited.of)
