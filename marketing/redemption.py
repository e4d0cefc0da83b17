"""Coupons applied to a mini-program payment (``requestPayment``): the discount, and its redemption.

The payment sheet asks ``discount`` for the coupon the customer picked: their own coupon,
unused and unexpired, of a campaign whose coupons that mini-program takes, worth less than
the order. The payment is then one ledger entry (``LedgerService.pay_with_subsidy``): the
customer pays the order's amount less the discount, the campaign's budget account the
discount. ``redeem_within`` marks the coupon used inside that entry's transaction with one
conditional UPDATE, so of two payments racing with one coupon the second waits on the row,
finds it used and rolls its whole entry back: a coupon pays once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from infra.i18n import Text
from ledger.service import InternalService, Subsidy
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Campaign, Coupon

BY = InternalService("marketing.coupons")


@dataclass(frozen=True, slots=True)
class CouponDiscount:
    """What a coupon takes off one payment, and who pays it."""

    coupon_id: int
    campaign_id: int
    amount_fen: int
    expires_at: datetime
    subsidy: Subsidy  # for the ledger: the discount from the campaign's budget account


def _refused(code: ErrorCode, message: Text) -> MarketingError:
    return MarketingError(code, message, field="couponId")


def _check_usable(row: Coupon, now: datetime) -> None:
    if row.redeemed_at is not None:
        raise _refused(ErrorCode.COUPON_REDEEMED, Text("marketing.coupon_redeemed"))
    if row.expires_at <= now:
        raise _refused(ErrorCode.COUPON_EXPIRED, Text("marketing.coupon_expired"))


async def discount(*, user_id: int, coupon_id: object, app_id: str, amount_fen: int,
                   now: datetime | None = None) -> CouponDiscount:
    """The coupon's discount on a payment of ``amount_fen`` to ``app_id``; another customer's
    coupon is not found for this one, as if guessed."""
    now = now or datetime.now(timezone.utc)
    if isinstance(coupon_id, str) and coupon_id.isdigit():
        coupon_id = int(coupon_id)
    if isinstance(coupon_id, bool) or not isinstance(coupon_id, int) or not 0 < coupon_id < 2**63:
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.coupon_not_found"), field="couponId")
    row = await Coupon.get_or_none(id=coupon_id, user_id=user_id).prefetch_related("campaign")
    if row is None:
        raise _refused(ErrorCode.NOT_FOUND, Text("marketing.coupon_not_found"))
    _check_usable(row, now)
    campaign: Campaign = row.campaign
    if campaign.coupon_app_id != app_id or campaign.budget_account_id is None:
        raise _refused(ErrorCode.COUPON_NOT_FOR_APP, Text("marketing.coupon_not_for_app"))
    if row.amount_fen >= amount_fen:
        raise _refused(ErrorCode.COUPON_ABOVE_AMOUNT, Text("marketing.coupon_above_amount"))
    return CouponDiscount(row.id, campaign.id, row.amount_fen, row.expires_at,
                          Subsidy(by=BY, from_account_id=campaign.budget_account_id, amount=row.amount_fen))


async def usable(*, user_id: int, app_id: str, amount_fen: int, now: datetime | None = None) -> list[Coupon]:
    """The customer's coupons this payment could take, the most valuable first (one query)."""
    now = now or datetime.now(timezone.utc)
    return await Coupon.filter(user_id=user_id, redeemed_at__isnull=True, expires_at__gt=now,
                               amount_fen__lt=amount_fen, campaign__coupon_app_id=app_id,
                               campaign__budget_account_id__isnull=False).order_by("-amount_fen", "expires_at").limit(20)


async def redeem_within(found: CouponDiscount, *, user_id: int, payment_ref: str, now: datetime | None = None) -> None:
    """Inside the payment's ledger transaction: the coupon used for ``payment_ref``, once.
    Raises (rolling the payment back) when it was used or expired meanwhile."""
    now = now or datetime.now(timezone.utc)
    used = await Coupon.filter(id=found.coupon_id, user_id=user_id, redeemed_at__isnull=True,
                               expires_at__gt=now).update(redeemed_at=now, redeemed_for=payment_ref[:64])
    if not used:
        _check_usable(await Coupon.get(id=found.coupon_id), now)
        raise _refused(ErrorCode.COUPON_REDEEMED, Text("marketing.coupon_redeemed"))
