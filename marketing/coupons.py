"""Coupons: issued atomically from a campaign's stock and budget, at most one per customer.

Never over stock: the campaign's counters move in one conditional UPDATE (``issued <
stock`` and the budget not exceeded), which PostgreSQL re-checks after waiting for a
concurrent claimant's row lock. Never twice: the coupon row is unique per (campaign,
customer), inserted first in the same transaction, so a second claim of the same customer
waits for the first and then fails. Either refusal rolls the whole claim back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from infra.i18n import Text
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Campaign, Coupon


@dataclass(frozen=True, slots=True)
class IssuedCoupon:
    id: int
    campaign_id: int
    user_id: int
    amount_fen: int
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None

    @classmethod
    def of(cls, row: Coupon) -> IssuedCoupon:
        return cls(row.id, row.campaign_id, row.user_id, row.amount_fen, row.issued_at, row.expires_at,
                   row.redeemed_at)


class _Refused(Exception):
    def __init__(self, error: MarketingError) -> None:
        self.error = error


async def issue(*, campaign: Campaign, user_id: int, variant: str, now: datetime) -> IssuedCoupon:
    """The claim itself, once eligibility was checked (marketing.service)."""
    if campaign.coupon_fen is None:
        raise MarketingError(ErrorCode.NOT_ELIGIBLE, Text("marketing.no_coupons"), field="campaignId")
    amount = campaign.coupon_fen
    try:
        async with in_transaction():
            try:
                row = await Coupon.create(campaign_id=campaign.id, user_id=user_id, amount_fen=amount, variant=variant,
                                          expires_at=now + timedelta(days=campaign.coupon_valid_days or 1))
            except IntegrityError:
                raise _Refused(MarketingError(ErrorCode.ALREADY_CLAIMED, Text("marketing.already_claimed"), field="campaignId")) from None
            taken = await Campaign.filter(id=campaign.id, state="live").filter(
                issued__lt=F("stock"), spent_fen__lte=F("budget_fen") - amount,
            ).update(issued=F("issued") + 1, spent_fen=F("spent_fen") + amount)
            if not taken:
                fresh = await Campaign.get(id=campaign.id)
                refusal = (MarketingError(ErrorCode.OUT_OF_STOCK, Text("marketing.out_of_stock"), field="campaignId")
                           if fresh.issued >= fresh.stock else
                           MarketingError(ErrorCode.BUDGET_EXHAUSTED, Text("marketing.budget_exhausted"),
                                          field="campaignId"))
                raise _Refused(refusal)
    except _Refused as refused:
        raise refused.error from None
    return IssuedCoupon.of(row)


async def coupons_of(*, user_id: int) -> list[IssuedCoupon]:
    return [IssuedCoupon.of(r) for r in await Coupon.filter(user_id=user_id).order_by("-id").limit(100)]


async def redeem(*, user_id: int, coupon_id: int, payment_ref: str, now: datetime | None = None) -> IssuedCoupon:
    """Apply the coupon to a payment once: expired or already used coupons are refused."""
    now = now or datetime.now(timezone.utc)
    row = await Coupon.get_or_none(id=coupon_id, user_id=user_id)
    if row is None:
        raise MarketingError(ErrorCode.NOT_FOUND, Text("marketing.coupon_not_found"), field="couponId")
    if not payment_ref or len(payment_ref) > 64:
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.text_length", most=64), field="paymentRef")
    used = await Coupon.filter(id=row.id, redeemed_at__isnull=True, expires_at__gt=now).update(
        redeemed_at=now, redeemed_for=payment_ref)
    if not used:
        fresh = await Coupon.get(id=row.id)
        if fresh.redeemed_at is not None:
            raise MarketingError(ErrorCode.COUPON_REDEEMED, Text("marketing.coupon_redeemed"), field="couponId")
        raise MarketingError(ErrorCode.COUPON_EXPIRED, Text("marketing.coupon_expired"), field="couponId")
    return IssuedCoupon.of(await Coupon.get(id=row.id))
