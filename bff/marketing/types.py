"""Segments, campaigns, coupons and their refusals as operators and customers see them."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from bff.errors import Error
from bff.ids import record_id_field
from bff.ledger.types import Fen
from marketing.service import ErrorCode, IssuedCoupon, MarketingError, PlacementKind, SegmentView, State

MarketingErrorCode = strawberry.enum(ErrorCode, name="MarketingErrorCode")
CampaignState = strawberry.enum(State, name="CampaignState", description=(
    "DRAFT → SUBMITTED → APPROVED (by an operator other than the maker) → SCHEDULED → LIVE ⇄ PAUSED → ENDED."
))
CampaignPlacementKind = strawberry.enum(PlacementKind, name="CampaignPlacementKind")


@strawberry.type(description="Marketing refused: `code` says why, `field` names the argument (or the rule's part).")
class MarketingRefusal(Error):
    code: MarketingErrorCode
    field: str | None

    @classmethod
    def of(cls, exc: MarketingError) -> MarketingRefusal:
        return cls(message=str(exc), code=exc.code, field=exc.field)


@strawberry.type(description="An audience: a rule over profile and behaviour, with its precomputed members.")
class Segment:
    id: strawberry.ID
    name: str
    rule: str = strawberry.field(description="The rule as JSON text (see createSegment).")
    member_count: int
    refreshed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, view: SegmentView) -> Segment:
        return cls(id=strawberry.ID(str(view.id)), name=view.name, rule=json.dumps(view.rule, ensure_ascii=False),
                   member_count=view.member_count, refreshed_at=view.refreshed_at, created_at=view.created_at)


@strawberry.type
class SegmentPreview:
    matching: int = strawberry.field(description="Customers the rule selects now.")


@strawberry.type
class CampaignPlacement:
    kind: CampaignPlacementKind
    title: str
    body: str
    image_url: str | None
    link: str | None


@strawberry.type
class CampaignVariant:
    key: str
    weight: int
    title: str | None


@strawberry.type(description="A campaign: its window and schedule, placements, variants, caps, budget and coupons.")
class Campaign:
    id: strawberry.ID
    name: str
    state: CampaignState
    segment_id: strawberry.ID | None
    starts_at: datetime
    ends_at: datetime
    cron: str | None = strawberry.field(description="Recurring occurrences, read in China Standard Time.")
    occurrence_minutes: int | None
    placements: list[CampaignPlacement]
    variants: list[CampaignVariant]
    holdout_percent: int
    cap_count: int | None
    cap_hours: int | None
    budget: Fen
    spent: Fen
    coupon_amount: Fen | None
    coupon_valid_days: int | None
    reward: Fen | None = strawberry.field(description="A cash reward per customer, paid through the ledger.")
    budget_account_id: strawberry.ID | None
    coupon_app_id: str | None = strawberry.field(description="The mini-program whose payments take the coupons.")
    stock: int
    issued: int
    created_by: strawberry.ID
    approved_by: strawberry.ID | None

    @classmethod
    def of(cls, row) -> Campaign:
        def ident(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, state=State(row.state), segment_id=ident(row.segment_id),
            starts_at=row.starts_at, ends_at=row.ends_at, cron=row.cron, occurrence_minutes=row.occurrence_minutes,
            placements=[CampaignPlacement(kind=PlacementKind(p["kind"]), title=p["title"], body=p.get("body", ""),
                                          image_url=p.get("imageUrl"), link=p.get("link")) for p in row.placements],
            variants=[CampaignVariant(key=v["key"], weight=v["weight"], title=v.get("title")) for v in row.variants],
            holdout_percent=row.holdout_percent, cap_count=row.cap_count, cap_hours=row.cap_hours,
            budget=row.budget_fen, spent=row.spent_fen, coupon_amount=row.coupon_fen,
            coupon_valid_days=row.coupon_valid_days, reward=row.reward_fen, budget_account_id=ident(row.budget_account_id),
            coupon_app_id=row.coupon_app_id, stock=row.stock, issued=row.issued,
            created_by=strawberry.ID(str(row.created_by)), approved_by=ident(row.approved_by),
        )


@strawberry.type
class CampaignChange:
    from_state: CampaignState | None
    to_state: CampaignState
    actor_user_id: strawberry.ID | None = strawberry.field(description="Null: the scheduler.")
    note: str
    at: datetime


@strawberry.type(description="An interval of conversion rates, 0 to 1.")
class ConversionInterval:
    low: float
    high: float


@strawberry.type
class VariantResult:
    variant: str = strawberry.field(description="A variant's key, or HOLDOUT.")
    assigned: int
    expected_share: float
    claimed: int = strawberry.field(description="Coupons or rewards claimed by customers assigned to it.")
    converted: int | None = strawberry.field(description="Conversions credited last-touch (with a goal).")
    conversion: float | None = strawberry.field(description="converted (without a goal: claimed) / assigned.")
    p_value_vs_control: float | None = strawberry.field(
        description="Two-proportion z-test against the first variant (two-sided).")
    chance_to_beat_control: float | None = strawberry.field(
        description="Bayesian: the probability its conversion is above the first variant's (Beta(1, 1) prior).")
    credible_interval: ConversionInterval | None = strawberry.field(
        description="The central 95% of the conversion's Beta posterior.")


@strawberry.type
class CampaignReport:
    variants: list[VariantResult]
    sample_ratio_p_value: float | None = strawberry.field(
        description="Chi-square test of the assignments against the split; below 0.001 the split is broken.")


@strawberry.type
class Coupon:
    id: strawberry.ID
    campaign_id: strawberry.ID
    amount: Fen
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None

    @classmethod
    def of(cls, c: IssuedCoupon) -> Coupon:
        return cls(id=strawberry.ID(str(c.id)), campaign_id=strawberry.ID(str(c.campaign_id)), amount=c.amount_fen,
                   issued_at=c.issued_at, expires_at=c.expires_at, redeemed_at=c.redeemed_at)


@strawberry.type(description="Your cash reward, credited to your Class II account.")
class RewardCredited:
    campaign_id: strawberry.ID
    amount: Fen
    account_id: strawberry.ID
    entry_id: strawberry.ID

    @classmethod
    def of(cls, r) -> RewardCredited:
        return cls(campaign_id=strawberry.ID(str(r.campaign_id)), amount=r.amount_fen,
                   account_id=strawberry.ID(str(r.account_id)), entry_id=strawberry.ID(str(r.entry_id)))


@strawberry.input
class PlacementInput:
    kind: CampaignPlacementKind
    title: str
    body: str = ""
    image_url: str | None = None
    link: str | None = strawberry.field(default=None, description="https://… or an in-app path /….")


@strawberry.input
class VariantInput:
    key: str = strawberry.field(description="Upper-case, e.g. A or NEW_COPY.")
    weight: int = strawberry.field(description="Percent of the customers outside the holdout; weights add up to 100.")
    title: str | None = None


@strawberry.input
class CampaignInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    placements: list[PlacementInput]
    segment_id: int | None = record_id_field(default=None, graphql_type=strawberry.ID | None)
    cron: str | None = strawberry.field(default=None, description="minute hour day month weekday, China Standard Time.")
    occurrence_minutes: int | None = None
    variants: list[VariantInput] = strawberry.field(default_factory=list)
    holdout_percent: int = 0
    cap_count: int | None = None
    cap_hours: int | None = None
    budget: Fen = 0
    coupon_amount: Fen | None = None
    coupon_valid_days: int | None = None
    reward: Fen | None = strawberry.field(default=None, description="Instead of coupons: cash per customer.")
    budget_account_id: int | None = record_id_field(
        default=None, graphql_type=strawberry.ID | None,
        description="The bank's own account (enterprise or fees) the cash rewards, or the coupons' discounts, are paid from.")
    coupon_app_id: str | None = strawberry.field(
        default=None, description="The mini-program whose payments (requestPayment) take the coupons; needs a budget account.")
    stock: int = strawberry.field(default=0, description="How many coupons or rewards, at most one per customer.")
