"""The open platform as the rest of the app sees it: ``runtime.openplatform``.

The JSAPI bridge calls ``issue_login_code``, ``pay`` and ``subscribe_messages`` for the
signed-in user; the partner-facing open API (``bff/openapi``) calls the rest. Other domains
import only this module (the service, the values it returns and the errors it raises).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from ledger.service import Customer, LedgerService
from marketing.service import CouponDiscount, IssuedCoupon, MarketingError, coupon_discount, usable_coupons
from miniprogram_host.service import developer_user_ids_for_app, verify_app_secret
from openplatform import errors, messages, orders, payments
from openplatform.config import OpenPlatformConfig
from openplatform.errors import (
    InvalidArgument, LoginRateLimited, OpenPlatformError, OrderClosed, OrderExpired, OrderNotFound, UnknownApp,
)
from openplatform.gateway import Gateway
from openplatform.login import LoginCode, PartnerLogin, PartnerSession
from openplatform.messages import (
    BANK, Message, MessageKind, Notice, announce_all, announce_with, inbox_topic, send_from_bank, send_many_from_bank,
)
from openplatform.orders import Order
from infra.pubsub import EventBroker
from openplatform.payments import Payment, Refund
from openplatform.tokens import AccessToken, AccessTokens
from infra.settings import Settings

__all__ = [
    "BANK", "MessageKind", "Notice", "announce_inbox", "announce_inbox_over", "inbox_topic", "send_from_bank",
    "tell_customer", "tell_customers",
    "AccessToken", "CouponDiscount", "InvalidArgument", "IssuedCoupon", "MarketingError", "LoginCode", "LoginRateLimited", "Message", "OpenPlatform", "OpenPlatformError",
    "Order", "OrderClosed", "OrderExpired", "OrderNotFound", "PartnerSession", "Payment", "Refund", "UnknownApp",
]

async def tell_customers(notices: list[Notice], *, announce: bool = True) -> list[int]:
    """Messages from the bank to many customers with one statement (a payroll chunk's payslips),
    in the caller's transaction like ``tell_customer``; their ids, in order. With
    ``announce=False`` the caller announces them (``announce_inbox``) after its commit."""
    return await send_many_from_bank(notices, announce=announce)


async def announce_inbox(messages: list[tuple[int, int]]) -> None:
    """Live notices of inbox messages already committed: ``[(user_id, message_id), ...]``."""
    await announce_all(messages)


async def tell_customer(*, user_id: int, topic: str, title: str, body: str) -> None:
    """Put a message from the bank in a customer's inbox (the ledger's payee notices use it;
    marketing's inbox placements use topic ``campaign.<id>``, system notices ``system.*``)."""
    await send_from_bank(user_id=user_id, topic=topic, title=title, body=body)


def announce_inbox_over(broker: EventBroker) -> None:
    """New inbox messages are announced on ``inbox_topic(user_id)`` to every worker's subscribers."""
    async def announce(messages: list[tuple[int, int]]) -> None:
        if len(messages) == 1:
            [(user_id, message_id)] = messages
            await broker.publish(inbox_topic(user_id), {"id": message_id})
        else:
            await broker.publish_many([(inbox_topic(user_id), {"id": message_id}) for user_id, message_id in messages])

    announce_with(announce)


@dataclass
class OpenPlatform:
    config: OpenPlatformConfig
    redis: aioredis.Redis
    ledger: LedgerService
    login: PartnerLogin
    tokens: AccessTokens
    gateway: Gateway

    @classmethod
    def build(cls, settings: Settings, redis: aioredis.Redis, ledger: LedgerService) -> OpenPlatform:
        config = OpenPlatformConfig.from_settings(settings)
        login = PartnerLogin(redis=redis, config=config, server_key=str(settings.secret_key))
        tokens = AccessTokens(redis, config)
        return cls(config=config, redis=redis, ledger=ledger, login=login, tokens=tokens,
                   gateway=Gateway(redis=redis, config=config, tokens=tokens))

    # Called by the JSAPI bridge, for the signed-in user.

    async def issue_login_code(self, *, app_id: str, user_id: int) -> LoginCode:
        """A one-time code for the partner's server; LoginRateLimited past the per-minute limit."""
        return await self.login.issue(app_id=app_id, user_id=user_id)

    async def order_to_pay(self, *, app_id: str, user_id: int, prepay_id: str) -> Order:
        """The order the user is about to pay, for the container's payment sheet: OrderNotFound
        (also for another user's order), OrderClosed, OrderExpired; a paid order as it is."""
        row = await orders.for_payer(app_id=app_id, prepay_id=prepay_id, user_id=user_id)
        if row.status != orders.PAID:
            orders.check_payable(row)
        return await orders.of_row(row)

    async def pay(self, *, app_id: str, payer: Customer, from_account_id: int, prepay_id: str,
                  coupon_id: object = None) -> Payment:
        """Pay the order behind ``prepay_id`` (its amount, never one the page chose) with the proof
        the payer gave (their PIN); paying a paid order answers its payment. With ``coupon_id``
        the payer pays the amount less the coupon's discount, its campaign's budget the rest.

        Ledger errors propagate: StepUpRequired, WrongPin, PinLocked, PinNotSet,
        InsufficientFunds, LimitExceeded, AccountFrozen, AccountNotFound (also for another
        user's account), IdempotencyConflict; OrderNotFound, OrderClosed, OrderExpired; and
        marketing's MarketingError for a coupon it does not take.
        """
        return await payments.pay_order(ledger=self.ledger, app_id=app_id, payer=payer,
                                        from_account_id=from_account_id, prepay_id=prepay_id, coupon_id=coupon_id)

    async def discount_for(self, *, app_id: str, user_id: int, order: Order, coupon_id: object) -> CouponDiscount:
        """For the payment sheet: what the coupon takes off this order (MarketingError if nothing)."""
        return await coupon_discount(user_id=user_id, coupon_id=coupon_id, app_id=app_id, amount_fen=order.amount_fen)

    async def coupons_for(self, *, app_id: str, user_id: int, order: Order) -> list[IssuedCoupon]:
        """For the payment sheet: the user's coupons this order could take."""
        if order.status != orders.UNPAID:
            return []
        return await usable_coupons(user_id=user_id, app_id=app_id, amount_fen=order.amount_fen)

    async def subscribe_messages(self, *, app_id: str, user_id: int, topic: str) -> None:
        """The user agrees to receive one message from the app on ``topic``."""
        await messages.subscribe(app_id=app_id, user_id=user_id, topic=topic)

    # Called for the partner's server.

    async def authenticate_app(self, *, app_id: str, app_secret: str) -> None:
        if not await verify_app_secret(app_id, app_secret):
            raise errors.BadAppCredentials()

    async def issue_access_token(self, *, app_id: str, app_secret: str) -> AccessToken:
        """A new access token; the previous one stays valid for the grace window."""
        await self.authenticate_app(app_id=app_id, app_secret=app_secret)
        return await self.tokens.issue(app_id=app_id)

    async def exchange_login_code(self, *, app_id: str, app_secret: str, code: str) -> PartnerSession:
        """code2Session: BadAppCredentials, LoginCodeInvalid or LoginCodeUsed on refusal."""
        await self.authenticate_app(app_id=app_id, app_secret=app_secret)
        return await self.login.redeem(app_id=app_id, code=code)

    async def session_for_code(self, *, app_id: str, code: str) -> PartnerSession:
        """code2Session for an app the open API has already authenticated by token and signature."""
        return await self.login.redeem(app_id=app_id, code=code)

    async def users_of_openids(self, *, app_id: str, openids: list[str]) -> dict[str, int]:
        """The users behind those of ``openids`` that belong to ``app_id``; others are left out."""
        return await self.login.users_for_openids(app_id=app_id, openids=openids)

    async def send_message(self, *, app_id: str, openid: str, topic: str, title: str, body: str) -> Message:
        user_id = await self.login.user_for_openid(app_id=app_id, openid=openid)
        return await messages.send(app_id=app_id, user_id=user_id, topic=topic, title=title, body=body)

    async def inbox(self, *, user_id: int, limit: int = 50, before_id: int | None = None) -> list[Message]:
        return await messages.inbox(user_id=user_id, limit=limit, before_id=before_id)

    async def inbox_message(self, *, user_id: int, message_id: int) -> Message | None:
        return await messages.message(user_id=user_id, message_id=message_id)

    async def unread_count(self, *, user_id: int) -> int:
        return await messages.unread_count(user_id=user_id)

    async def mark_read(self, *, user_id: int, message_ids: list[int] | None) -> int:
        return await messages.mark_read(user_id=user_id, message_ids=message_ids)

    async def delete_message(self, *, user_id: int, message_id: int) -> bool:
        return await messages.delete(user_id=user_id, message_id=message_id)

    async def create_order(self, *, app_id: str, order_id: str, openid: str, amount_fen: object,
                           description: object, expires_in_seconds: object = None) -> Order:
        """The partner's server orders; the answer's prepay id is all the mini-program passes on.
        UnknownOpenId, InvalidArgument, OrderConflict (the orderId with other details)."""
        orders.check_order_id(order_id)
        user_id = await self.login.user_for_openid(app_id=app_id, openid=openid)
        # The app's own developers paying their app are testing it: their orders and payments say
        # so (`sandbox`), so reports and reconciliation can leave them out. Money still moves.
        sandbox = user_id in await developer_user_ids_for_app(app_id)
        return await orders.create(app_id=app_id, order_id=order_id, openid=openid, user_id=user_id,
                                   amount_fen=amount_fen, description=description,
                                   expires_in_seconds=expires_in_seconds, sandbox=sandbox)

    async def get_order(self, *, app_id: str, order_id: str) -> Order:
        return await orders.get(app_id=app_id, order_id=order_id)

    async def close_order(self, *, app_id: str, order_id: str) -> Order:
        """An unpaid order can never be paid after this; OrderPaid for a paid one."""
        return await orders.close(app_id=app_id, order_id=order_id)

    async def payment_of_order(self, *, app_id: str, order_id: str) -> Payment:
        order = await orders.get(app_id=app_id, order_id=order_id)
        if order.payment_id is None:
            raise errors.OrderNotPaid()
        return await payments.get_payment(app_id=app_id, payment_id=order.payment_id)

    async def get_payment(self, *, app_id: str, payment_id: str) -> Payment:
        return await payments.get_payment(app_id=app_id, payment_id=payment_id)

    async def refund(
        self, *, app_id: str, payment_id: str, amount_fen: int, idempotency_key: str, reason: str = ""
    ) -> Refund:
        return await payments.refund(
            ledger=self.ledger, app_id=app_id, payment_id=payment_id, amount_fen=amount_fen,
            idempotency_key=idempotency_key, reason=reason,
        )
