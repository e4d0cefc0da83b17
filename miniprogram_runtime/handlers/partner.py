"""The APIs that reach the app's developer: ``login``, ``requestPayment`` and
``requestSubscribeMessage``, through the open platform (``runtime.openplatform``)."""

from __future__ import annotations

from ledger import service as ledger_service
from ledger.service import Customer
from miniprogram_runtime.context import CallContext
from miniprogram_runtime.errors import (
    AppUnavailable, InvalidArguments, PaymentRefused, PinLocked, PinNotSet, RateLimited, StepUpRequired, WrongPin,
)
from infra.i18n import Text
from miniprogram_host.service import app_profile
from openplatform import service as platform

# What the mini-program learns when a payment fails: the reason, never the user's balance.
_LEDGER_REFUSALS = {
    ledger_service.InsufficientFunds: ("INSUFFICIENT_FUNDS", 402, Text("miniprogram_runtime.insufficient_funds")),
    ledger_service.LimitExceeded: ("LIMIT_EXCEEDED", 403, Text("miniprogram_runtime.limit_exceeded")),
    ledger_service.AccountFrozen: ("ACCOUNT_FROZEN", 403, Text("miniprogram_runtime.account_frozen")),
    ledger_service.AccountClosed: ("ACCOUNT_CLOSED", 403, Text("miniprogram_runtime.account_closed")),
    ledger_service.AccountNotFound: ("ACCOUNT_NOT_FOUND", 404, Text("miniprogram_runtime.account_not_found")),
    ledger_service.IdempotencyConflict: ("ORDER_CONFLICT", 409, Text("miniprogram_runtime.order_conflict")),
}


# A coupon the payment does not take (marketing's codes): the bridge's code and status.
_COUPON_REFUSALS = {"NOT_FOUND": ("COUPON_NOT_FOUND", 404), "INVALID_INPUT": ("COUPON_NOT_FOUND", 404),
                    "COUPON_REDEEMED": ("COUPON_REDEEMED", 409), "COUPON_EXPIRED": ("COUPON_EXPIRED", 409),
                    "COUPON_NOT_FOR_APP": ("COUPON_NOT_FOR_APP", 422), "COUPON_ABOVE_AMOUNT": ("COUPON_ABOVE_AMOUNT", 422)}


def refusal(exc: Exception) -> Exception:
    """The bridge's refusal for an expected open-platform, ledger or coupon error."""
    if isinstance(exc, platform.MarketingError):
        code, status = _COUPON_REFUSALS.get(exc.code.value, ("COUPON_NOT_FOUND", 404))
        return PaymentRefused(code, status, exc.text, field="couponId")
    for kind, (code, status, message) in _LEDGER_REFUSALS.items():
        if isinstance(exc, kind):
            return PaymentRefused(code, status, message)
    if isinstance(exc, ledger_service.StepUpRequired):
        return StepUpRequired()
    if isinstance(exc, ledger_service.WrongPin):
        return WrongPin(attemptsLeft=exc.attempts_left)
    if isinstance(exc, ledger_service.PinLocked):
        return PinLocked(retryAfterSeconds=exc.retry_after_seconds)
    if isinstance(exc, ledger_service.PinNotSet):
        return PinNotSet()
    if isinstance(exc, platform.InvalidArgument):
        return InvalidArguments(str(exc), field=exc.field)
    if isinstance(exc, (platform.OrderNotFound, platform.OrderClosed, platform.OrderExpired)):
        return PaymentRefused(exc.code, exc.status, exc.args[0])
    if isinstance(exc, platform.UnknownApp):
        return AppUnavailable(reason="UNKNOWN_APP")
    if isinstance(exc, platform.LoginRateLimited):
        return RateLimited(str(exc), limit="login", retryAfterSeconds=exc.retry_after)
    return exc


async def login(ctx: CallContext) -> dict:
    """A one-time code the mini-program hands to its own server, which exchanges it for an openid."""
    try:
        issued = await ctx.services.openplatform.issue_login_code(app_id=ctx.app_id, user_id=ctx.user_id)
    except platform.OpenPlatformError as exc:
        raise refusal(exc) from None
    return {"code": issued.code, "expiresIn": issued.expires_in}


# Arguments a page might send to set its own price: refused, the order's server-made amount is paid.
_PAGE_AMOUNTS = ("amountFen", "amount", "totalFen", "total")


async def request_payment(ctx: CallContext) -> dict:
    """Pay the order the app's server created, named by ``prepayId`` alone, with the PIN the user
    typed in the container's sheet. Without a PIN the answer is ``STEP_UP_REQUIRED`` with the
    ``order`` the sheet shows (amount, description, the app's registered name and icon)."""
    for name in _PAGE_AMOUNTS:
        if name in ctx.args:
            raise InvalidArguments(Text("miniprogram_runtime.amount_from_server"), field=name)
    prepay_id, coupon_id = ctx.args.get("prepayId"), ctx.args.get("couponId")
    openplatform = ctx.services.openplatform
    try:
        if not ctx.pin:
            order = await openplatform.order_to_pay(app_id=ctx.app_id, user_id=ctx.user_id, prepay_id=prepay_id)
            card = await _order_card(ctx.app_id, order) | await _coupon_card(ctx, order, coupon_id)
            raise StepUpRequired(order=card)
        account = ctx.args.get("fromAccountId")
        if isinstance(account, str) and account.isdigit():
            account = int(account)
        if isinstance(account, bool) or not isinstance(account, int):
            raise InvalidArguments(Text("miniprogram_runtime.from_account"), field="fromAccountId")
        payment = await openplatform.pay(
            app_id=ctx.app_id, payer=Customer(user_id=ctx.user_id, session_id=ctx.session_id, pin=ctx.pin),
            from_account_id=account, prepay_id=prepay_id, coupon_id=coupon_id,
        )
    except (platform.OpenPlatformError, ledger_service.LedgerError, platform.MarketingError) as exc:
        raise refusal(exc) from None
    return {"paymentId": payment.payment_id, "orderId": payment.order_id, "status": payment.status,
            "amountFen": payment.amount_fen, "discountFen": payment.discount_fen, "paidFen": payment.paid_fen,
            "couponId": None if payment.coupon_id is None else str(payment.coupon_id),
            "createdAt": payment.created_at.isoformat()}


async def _order_card(app_id: str, order: platform.Order) -> dict:
    """What the payment sheet shows: the server's order and the app as registered."""
    profile = await app_profile(app_id)
    return {"prepayId": order.prepay_id, "orderId": order.order_id, "amountFen": order.amount_fen,
            "description": order.description, "status": order.status, "sandbox": order.sandbox,
            "app": {"appId": app_id, "name": profile.name if profile else app_id,
                    "iconUrl": profile.icon_url if profile else None}}


async def _coupon_card(ctx: CallContext, order: platform.Order, coupon_id: object) -> dict:
    """The sheet's coupon lines: the user's coupons this order could take, and with ``couponId``
    its discount and what is left to pay (a coupon the order does not take is refused here)."""
    openplatform = ctx.services.openplatform
    coupons = await openplatform.coupons_for(app_id=ctx.app_id, user_id=ctx.user_id, order=order)
    discount = 0
    if coupon_id is not None:
        discount = (await openplatform.discount_for(app_id=ctx.app_id, user_id=ctx.user_id, order=order,
                                                    coupon_id=coupon_id)).amount_fen
    return {"coupons": [{"couponId": str(c.id), "amountFen": c.amount_fen, "expiresAt": c.expires_at.isoformat()}
                        for c in coupons],
            "couponId": None if coupon_id is None else str(coupon_id), "discountFen": discount,
            "payFen": order.amount_fen - discount}


async def request_subscribe_message(ctx: CallContext) -> dict:
    """The user agreed, in the container's sheet, to one message on ``topic``."""
    topic = ctx.text("topic", high=64)
    try:
        await ctx.services.openplatform.subscribe_messages(app_id=ctx.app_id, user_id=ctx.user_id, topic=topic)
    except platform.OpenPlatformError as exc:
        raise refusal(exc) from None
    return {"topic": topic, "accepted": True}
