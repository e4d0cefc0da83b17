"""Orders created by the partner's server, paid by the user with only the prepay id.

The WeChat Pay way: the partner's server, signed, creates an order (its own ``orderId``, the
user's openid, the amount, a description, an expiry) and gets a ``prepayId``; the mini-program
passes only that id to ``requestPayment``; the container shows the order's amount with the
app's registered name and icon, and the PIN the user types pays it. A page never chooses the
amount. Creating the same ``orderId`` again with the same details answers the same order.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from miniprogram_host.service import app_exists
from openplatform import errors
from openplatform.models import Order as OrderRow, Payment as PaymentRow

UNPAID, PAID, CLOSED, EXPIRED = "unpaid", "paid", "closed", "expired"
STATUSES = (UNPAID, PAID, CLOSED, EXPIRED)
ORDER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
PREPAY_ID = re.compile(r"prepay_[0-9a-f]{32}")
EXPIRES_IN_DEFAULT, EXPIRES_IN_MIN, EXPIRES_IN_MAX = 7200, 60, 86400


@dataclass(frozen=True, slots=True)
class Order:
    app_id: str
    order_id: str
    prepay_id: str
    openid: str
    user_id: int
    amount_fen: int
    description: str
    status: str  # unpaid | paid | closed | expired
    sandbox: bool
    expires_at: datetime
    created_at: datetime
    payment_id: str | None

    @classmethod
    def of(cls, row: OrderRow, payment_id: str | None = None) -> Order:
        status = row.status
        if status == UNPAID and row.expires_at <= datetime.now(timezone.utc):
            status = EXPIRED
        return cls(row.app_id, row.order_id, row.prepay_id, row.openid, row.user_id, row.amount_fen,
                   row.description, status, row.sandbox, row.expires_at, row.created_at, payment_id)


def check_order_id(order_id: object) -> str:
    if not isinstance(order_id, str) or not ORDER_ID.fullmatch(order_id):
        raise errors.InvalidArgument(Text("openplatform.order_id_format"), field="orderId")
    return order_id


def check_prepay_id(prepay_id: object) -> str:
    if not isinstance(prepay_id, str) or not PREPAY_ID.fullmatch(prepay_id):
        raise errors.InvalidArgument(Text("openplatform.prepay_id_format"), field="prepayId")
    return prepay_id


def _check_order(amount_fen: object, description: object, expires_in: object) -> tuple[int, str, int]:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen <= 10**12:
        raise errors.InvalidArgument(Text("openplatform.amount_fen"), field="amountFen")
    text = description.strip() if isinstance(description, str) else ""
    if not 1 <= len(text) <= 128:
        raise errors.InvalidArgument(Text("openplatform.description_length", max=128), field="description")
    if expires_in is None:
        expires_in = EXPIRES_IN_DEFAULT
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) \
            or not EXPIRES_IN_MIN <= expires_in <= EXPIRES_IN_MAX:
        raise errors.InvalidArgument(
            Text("openplatform.expires_in_range", low=EXPIRES_IN_MIN, high=EXPIRES_IN_MAX), field="expiresInSeconds"
        )
    return amount_fen, text, expires_in


async def _payment_id(row: OrderRow) -> str | None:
    if row.status != PAID:
        return None
    payment = await PaymentRow.get_or_none(app_id=row.app_id, order_id=row.order_id)
    return payment.payment_id if payment else None


async def of_row(row: OrderRow) -> Order:
    return Order.of(row, await _payment_id(row))


async def create(*, app_id: str, order_id: str, openid: str, user_id: int, amount_fen: object,
                 description: object, expires_in_seconds: object = None, sandbox: bool = False) -> Order:
    """The order, new, or the one made before under this ``order_id`` with the same details."""
    check_order_id(order_id)
    amount, text, expires_in = _check_order(amount_fen, description, expires_in_seconds)
    existing = await OrderRow.get_or_none(app_id=app_id, order_id=order_id)
    if existing is None:
        if not await app_exists(app_id):
            raise errors.UnknownApp()
        try:
            existing = await OrderRow.create(
                app_id=app_id, order_id=order_id, prepay_id="prepay_" + secrets.token_hex(16), user_id=user_id,
                openid=openid, amount_fen=amount, description=text, status=UNPAID, sandbox=sandbox,
                expires_at=datetime.now(timezone.utc) + timedelta(seconds=expires_in),
            )
            return Order.of(existing)
        except IntegrityError:  # the same order created concurrently
            existing = await OrderRow.get(app_id=app_id, order_id=order_id)
    if (existing.openid, existing.amount_fen, existing.description) != (openid, amount, text):
        raise errors.OrderConflict()
    return await of_row(existing)


async def get(*, app_id: str, order_id: str) -> Order:
    row = await OrderRow.get_or_none(app_id=app_id, order_id=check_order_id(order_id))
    if row is None:
        raise errors.OrderNotFound()
    return await of_row(row)


async def for_payer(*, app_id: str, prepay_id: object, user_id: int) -> OrderRow:
    """The order a user is about to pay; another user's order is not found for them."""
    row = await OrderRow.get_or_none(app_id=app_id, prepay_id=check_prepay_id(prepay_id))
    if row is None or row.user_id != user_id:
        raise errors.OrderNotFound()
    return row


def check_payable(row: OrderRow) -> None:
    if row.status == CLOSED:
        raise errors.OrderClosed()
    if row.status == UNPAID and row.expires_at <= datetime.now(timezone.utc):
        raise errors.OrderExpired()


async def close(*, app_id: str, order_id: str) -> Order:
    """Close an unpaid (or expired) order so it can never be paid; closing again is no change."""
    check_order_id(order_id)
    async with in_transaction():
        # The same row lock the payment takes: a close and a payment never both win.
        row = await OrderRow.select_for_update().get_or_none(app_id=app_id, order_id=order_id)
        if row is None:
            raise errors.OrderNotFound()
        if row.status == PAID:
            raise errors.OrderPaid()
        if row.status == UNPAID:
            row.status, row.closed_at = CLOSED, datetime.now(timezone.utc)
            await row.save(update_fields=["status", "closed_at"])
    return Order.of(row)
