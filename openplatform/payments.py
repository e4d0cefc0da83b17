"""Payments from users to an app's merchant account, and refunds, through the ledger.

Each payment and refund is one ledger entry under a key derived from the app's own
idempotency key. Its row here and its webhook event are written in the ledger's own
transaction (``also_write``), so a retry returns the original and moves nothing, no event is
lost or invented, and a declined payment stays declined under its key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from ledger.service import (
    AccountKind, Customer, Declined, EntryKind, IdempotencyConflict, InternalService, LedgerService, Leg, PostedEntry,
    open_account,
)
from infra.i18n import Text
from marketing.service import CouponDiscount, coupon_discount, redeem_coupon_within
from openplatform import errors, orders
from openplatform.models import Order as OrderRow, Payment as PaymentRow, Refund as RefundRow
from openplatform.webhooks import enqueue_event

SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED = "succeeded", "partially_refunded", "refunded"
_MAX_KEY = 128


@dataclass(frozen=True, slots=True)
class Payment:
    payment_id: str
    app_id: str
    status: str  # succeeded | partially_refunded | refunded
    amount_fen: int  # the order's amount, all of it the merchant's
    refunded_fen: int
    description: str
    created_at: datetime
    order_id: str | None
    openid: str | None
    sandbox: bool
    discount_fen: int = 0  # of the amount, a coupon's discount paid by its campaign's budget
    coupon_id: int | None = None

    @property
    def paid_fen(self) -> int:
        """What the customer paid, and at most what refunds give back."""
        return self.amount_fen - self.discount_fen

    @classmethod
    def of(cls, row: PaymentRow) -> Payment:
        return cls(row.payment_id, row.app_id, row.status, row.amount_fen, row.refunded_fen, row.description,
                   row.created_at, row.order_id, row.openid, row.sandbox, row.discount_fen, row.coupon_id)


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    payment_id: str
    amount_fen: int
    reason: str
    created_at: datetime
    payment: Payment  # the payment after this refund


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= _MAX_KEY:
        raise errors.InvalidArgument(Text("openplatform.idempotency_key_length", max=_MAX_KEY), field="idempotency_key")


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise errors.InvalidArgument(Text("openplatform.amount_fen"), field="amount_fen")


async def merchant_account_id(app_id: str) -> int:
    """The app's merchant account, opened on first use (one per app, whoever asks first)."""
    account = await open_account(
        owner_user_id=None, kind=AccountKind.MERCHANT, name=f"mini-program {app_id}",
        idempotency_key=f"mp-merchant:{app_id}",
    )
    return account.id


async def pay_order(
    *, ledger: LedgerService, app_id: str, payer: Customer, from_account_id: int, prepay_id: str,
    coupon_id: object = None,
) -> Payment:
    """Pay the order behind ``prepay_id`` from the payer's account, for the order's amount.

    An order is paid at most once: its ledger key is the order's and its current attempt, and
    the order's row is locked and checked again inside the ledger's transaction, so two
    payments of one prepay id at once move the money once (the second answers the first's
    payment). A declined attempt moves the order to its next attempt, so the user may try
    again, after a top-up, under a new key. The ledger checks the account is the payer's and
    the PIN they gave. With a coupon (marketing's) the same entry takes its discount from the
    campaign's budget account and marks the coupon used: a coupon pays one order only.
    """
    order = await orders.for_payer(app_id=app_id, prepay_id=prepay_id, user_id=payer.user_id)
    if order.status == orders.PAID:
        return Payment.of(await PaymentRow.get(app_id=app_id, order_id=order.order_id))
    orders.check_payable(order)
    discount: CouponDiscount | None = None
    if coupon_id is not None:
        discount = await coupon_discount(user_id=payer.user_id, coupon_id=coupon_id, app_id=app_id,
                                         amount_fen=order.amount_fen)
    merchant = await merchant_account_id(app_id)
    written: list[Payment] = []

    async def record(entry: PostedEntry) -> None:
        row = await OrderRow.select_for_update().get(id=order.id)
        if row.status == orders.PAID:
            raise _AlreadyPaid()  # rolls the entry back: the other attempt paid it
        orders.check_payable(row)  # closed in the meantime
        now = datetime.now(timezone.utc)
        row.status, row.paid_at = orders.PAID, now
        await row.save(update_fields=["status", "paid_at"])
        payment_id = "pay_" + secrets.token_hex(12)
        if discount is not None:
            await redeem_coupon_within(discount, user_id=payer.user_id, payment_ref=payment_id)
        created = await PaymentRow.create(
            payment_id=payment_id, app_id=app_id, user_id=payer.user_id,
            from_account_id=from_account_id, merchant_account_id=merchant, amount_fen=row.amount_fen,
            discount_fen=discount.amount_fen if discount else 0, coupon_id=discount.coupon_id if discount else None,
            discount_account_id=discount.subsidy.from_account_id if discount else None,
            status=SUCCEEDED, description=row.description, idempotency_key=f"{row.order_id}:{row.attempt}",
            entry_id=entry.id, order_id=row.order_id, openid=row.openid, sandbox=row.sandbox,
        )
        written.append(Payment.of(created))
        await enqueue_event(app_id=app_id, event_type="payment.succeeded", data=payment_event(written[0]))

    key = f"mp-pay:{app_id}:{order.order_id}:{order.attempt}"
    try:
        if discount is None:
            entry = await ledger.transfer(
                by=payer, from_account_id=from_account_id, to_account_id=merchant, amount=order.amount_fen,
                idempotency_key=key, memo=order.description, kind=EntryKind.MP_PAYMENT, also_write=record,
            )
        else:
            entry = await ledger.pay_with_subsidy(
                by=payer, from_account_id=from_account_id, to_account_id=merchant, amount=order.amount_fen,
                subsidy=discount.subsidy, idempotency_key=key, memo=order.description, kind=EntryKind.MP_PAYMENT,
                also_write=record,
            )
    except _AlreadyPaid:
        return Payment.of(await PaymentRow.get(app_id=app_id, order_id=order.order_id))
    except Declined:
        # This attempt stays declined under its key; the next one gets a new key.
        await OrderRow.filter(id=order.id, attempt=order.attempt, status=orders.UNPAID).update(
            attempt=order.attempt + 1)
        raise
    if entry.replayed:  # the same attempt made concurrently: its row was written with the entry
        return Payment.of(await PaymentRow.get(app_id=app_id, order_id=order.order_id))
    return written[0]


class _AlreadyPaid(Exception):
    """Raised inside the ledger's transaction to undo an attempt that lost the race."""


def payment_event(payment: Payment) -> dict:
    """A payment as the open API and webhooks show it."""
    return {
        "paymentId": payment.payment_id, "orderId": payment.order_id, "appId": payment.app_id,
        "openid": payment.openid, "status": payment.status, "amountFen": payment.amount_fen,
        "discountFen": payment.discount_fen, "paidFen": payment.paid_fen, "refundedFen": payment.refunded_fen, "currency": "CNY", "description": payment.description,
        "sandbox": payment.sandbox, "createdAt": payment.created_at.isoformat(),
    }


def refund_event(refund: Refund) -> dict:
    """A refund as the open API and webhooks show it, with its payment after the refund."""
    return {
        "refundId": refund.refund_id, "orderId": refund.payment.order_id, "openid": refund.payment.openid,
        "amountFen": refund.amount_fen, "reason": refund.reason, "createdAt": refund.created_at.isoformat(),
        "payment": payment_event(refund.payment),
    }


async def get_payment(*, app_id: str, payment_id: str) -> Payment:
    row = await PaymentRow.get_or_none(app_id=app_id, payment_id=payment_id)
    if row is None:
        raise errors.PaymentNotFound()
    return Payment.of(row)


async def refund(
    *, ledger: LedgerService, app_id: str, payment_id: str, amount_fen: int, idempotency_key: str, reason: str = "",
) -> Refund:
    """Give back part or all of a payment from the merchant account; never more than was paid."""
    _check_amount(amount_fen)
    _check_key(idempotency_key)
    reason = (reason or "").strip()
    if len(reason) > 140:
        raise errors.InvalidArgument(Text("openplatform.reason_length", max=140), field="reason")
    existing = await RefundRow.get_or_none(app_id=app_id, idempotency_key=idempotency_key)
    if existing is not None:
        return await _same_refund(existing, payment_id, amount_fen, reason)
    paid = await PaymentRow.get_or_none(app_id=app_id, payment_id=payment_id)
    if paid is None:
        raise errors.PaymentNotFound()
    for _ in range(_REFUND_TRIES):
        _check_refundable(paid, amount_fen)
        try:
            return await _refund_once(ledger, paid, amount_fen=amount_fen, idempotency_key=idempotency_key,
                                      reason=reason)
        except _StaleRefund:  # another refund of this payment landed first: its share moved the discount's
            paid = await PaymentRow.get(id=paid.id)
    raise errors.RequestInProgress()  # refunds of one payment kept landing first: the caller retries


_REFUND_TRIES = 5


class _StaleRefund(Exception):
    """Raised inside the ledger's transaction when the payment was refunded since its legs were drawn."""


def discount_back(row: PaymentRow, refunded_after: int) -> int:
    """Of a coupon's discount, what goes back to its budget account once ``refunded_after`` fen of
    the customer's part are refunded: the same share of it, rounded down, and all of it with the
    last fen, so partial refunds give back exactly the discount in the end."""
    paid = row.amount_fen - row.discount_fen
    return row.discount_fen * refunded_after // paid - row.discount_refunded_fen


async def _refund_once(ledger: LedgerService, paid: PaymentRow, *, amount_fen: int, idempotency_key: str,
                       reason: str) -> Refund:
    """One attempt: the customer's part from the merchant account back to the payer and, with a
    coupon, the discount's share back to the campaign's budget, in one entry."""
    app_id, payment_id, assumed = paid.app_id, paid.payment_id, paid.refunded_fen
    to_budget = discount_back(paid, assumed + amount_fen) if paid.discount_account_id is not None else 0
    written: list[Refund] = []

    async def record(entry: PostedEntry) -> None:
        # Checked again under the payment's row lock: two refunds at once never pass what was paid,
        # and the budget's share was drawn from what had been refunded before this one.
        row = await PaymentRow.select_for_update().get(id=paid.id)
        if row.refunded_fen != assumed:
            raise _StaleRefund()
        _check_refundable(row, amount_fen)
        row.refunded_fen += amount_fen
        row.discount_refunded_fen += to_budget
        row.status = REFUNDED if row.refunded_fen == row.amount_fen - row.discount_fen else PARTIALLY_REFUNDED
        await row.save(update_fields=["refunded_fen", "discount_refunded_fen", "status"])
        created = await RefundRow.create(
            refund_id="rfd_" + secrets.token_hex(12), payment=row, app_id=app_id, amount_fen=amount_fen,
            reason=reason, idempotency_key=idempotency_key, entry_id=entry.id,
        )
        done = Refund(created.refund_id, payment_id, amount_fen, reason, created.created_at, Payment.of(row))
        await enqueue_event(app_id=app_id, event_type="refund.succeeded", data=refund_event(done))
        written.append(done)

    by, key, memo = InternalService("openplatform.refunds"), f"mp-refund:{app_id}:{idempotency_key}", f"refund of {payment_id}"
    if to_budget:
        entry = await ledger.post_entry(
            by=by, legs=(Leg(paid.merchant_account_id, -(amount_fen + to_budget)), Leg(paid.from_account_id, amount_fen),
                         Leg(paid.discount_account_id, to_budget)),
            idempotency_key=key, memo=memo, kind=EntryKind.MP_REFUND, also_write=record)
    else:
        entry = await ledger.transfer(
            by=by, from_account_id=paid.merchant_account_id, to_account_id=paid.from_account_id, amount=amount_fen,
            idempotency_key=key, memo=memo, kind=EntryKind.MP_REFUND, also_write=record)
    if entry.replayed:  # the same refund made concurrently: its row was written with the entry
        return await _same_refund(await RefundRow.get(app_id=app_id, idempotency_key=idempotency_key),
                                  payment_id, amount_fen, reason)
    return written[0]


def _check_refundable(row: PaymentRow, amount_fen: int) -> None:
    refundable = row.amount_fen - row.discount_fen - row.refunded_fen  # a coupon's discount is not the customer's
    if amount_fen > refundable:
        raise errors.RefundExceedsPayment(refundable=refundable)


async def _same_refund(row: RefundRow, payment_id: str, amount_fen: int, reason: str) -> Refund:
    payment = await PaymentRow.get(id=row.payment_id)
    if (payment.payment_id, row.amount_fen, row.reason) != (payment_id, amount_fen, reason):
        raise IdempotencyConflict(row.idempotency_key)
    return Refund(row.refund_id, payment_id, row.amount_fen, row.reason, row.created_at, Payment.of(payment))
