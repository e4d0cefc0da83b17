"""Payments from users to an app's merchant account, and refunds, through the ledger.

Each payment and refund is one ledger entry under a key derived from the app's own
idempotency key, written in the same transaction as its row here and its webhook event,
so a retry returns the original and moves nothing, and no event is lost or invented.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ledger.service import AccountKind, IdempotencyConflict, LedgerService, get_account, open_account
from miniprogram_host.service import app_exists
from openplatform import errors
from openplatform.models import OpenIdentity, Payment as PaymentRow, Refund as RefundRow
from openplatform.webhooks import enqueue_event

SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED = "succeeded", "partially_refunded", "refunded"
_MAX_KEY = 128


@dataclass(frozen=True, slots=True)
class Payment:
    payment_id: str
    app_id: str
    status: str  # succeeded | partially_refunded | refunded
    amount_fen: int
    refunded_fen: int
    description: str
    created_at: datetime

    @classmethod
    def of(cls, row: PaymentRow) -> Payment:
        return cls(row.payment_id, row.app_id, row.status, row.amount_fen, row.refunded_fen, row.description,
                   row.created_at)


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
        raise errors.InvalidArgument(f"an idempotency key is 1 to {_MAX_KEY} characters", field="idempotency_key")


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise errors.InvalidArgument("the amount is a positive whole number of fen", field="amount_fen")


async def merchant_account_id(app_id: str) -> int:
    """The app's merchant account, opened on first use (one per app, whoever asks first)."""
    account = await open_account(
        owner_user_id=None, kind=AccountKind.MERCHANT, name=f"mini-program {app_id}",
        idempotency_key=f"mp-merchant:{app_id}",
    )
    return account.id


async def pay(
    *, ledger: LedgerService, app_id: str, user_id: int, from_account_id: int, amount_fen: int,
    description: str, idempotency_key: str, openid: str | None = None,
) -> Payment:
    """Move ``amount_fen`` from the user's account to the app's; ``openid`` goes into the webhook."""
    _check_amount(amount_fen)
    _check_key(idempotency_key)
    description = (description or "").strip()
    if not 1 <= len(description) <= 128:
        raise errors.InvalidArgument("a description is 1 to 128 characters", field="description")
    request = (user_id, from_account_id, amount_fen, description)
    existing = await PaymentRow.get_or_none(app_id=app_id, idempotency_key=idempotency_key)
    if existing is not None:
        return _same_payment(existing, request)
    if not await app_exists(app_id):
        raise errors.UnknownApp()
    await get_account(account_id=from_account_id, owner_user_id=user_id)  # another's account: not found
    merchant = await merchant_account_id(app_id)
    try:
        async with in_transaction():
            entry = await ledger.transfer(
                from_account_id=from_account_id, to_account_id=merchant, amount=amount_fen,
                idempotency_key=f"mp-pay:{app_id}:{idempotency_key}", memo=description, kind="mp_payment",
            )
            row = await PaymentRow.create(
                payment_id="pay_" + secrets.token_hex(12), app_id=app_id, user_id=user_id,
                from_account_id=from_account_id, merchant_account_id=merchant, amount_fen=amount_fen,
                status=SUCCEEDED, description=description, idempotency_key=idempotency_key, entry_id=entry.id,
            )
            payment = Payment.of(row)
            await enqueue_event(app_id=app_id, event_type="payment.succeeded",
                                data=payment_event(payment, openid))
    except IntegrityError:  # the same key paid concurrently: the first one won
        existing = await PaymentRow.get_or_none(app_id=app_id, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return _same_payment(existing, request)
    return payment


def _same_payment(row: PaymentRow, request: tuple) -> Payment:
    if (row.user_id, row.from_account_id, row.amount_fen, row.description) != request:
        raise IdempotencyConflict(row.idempotency_key)
    return Payment.of(row)


def payment_event(payment: Payment, openid: str | None) -> dict:
    return {
        "paymentId": payment.payment_id, "appId": payment.app_id, "openid": openid, "status": payment.status,
        "amountFen": payment.amount_fen, "refundedFen": payment.refunded_fen, "currency": "CNY",
        "description": payment.description, "createdAt": payment.created_at.isoformat(),
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
        raise errors.InvalidArgument("a reason is at most 140 characters", field="reason")
    existing = await RefundRow.get_or_none(app_id=app_id, idempotency_key=idempotency_key)
    if existing is not None:
        return await _same_refund(existing, payment_id, amount_fen, reason)
    try:
        async with in_transaction():
            row = await PaymentRow.select_for_update().get_or_none(app_id=app_id, payment_id=payment_id)
            if row is None:
                raise errors.PaymentNotFound()
            refundable = row.amount_fen - row.refunded_fen
            if amount_fen > refundable:
                raise errors.RefundExceedsPayment(refundable=refundable)
            entry = await ledger.transfer(
                from_account_id=row.merchant_account_id, to_account_id=row.from_account_id, amount=amount_fen,
                idempotency_key=f"mp-refund:{app_id}:{idempotency_key}", memo=f"refund of {payment_id}",
                kind="mp_refund",
            )
            row.refunded_fen += amount_fen
            row.status = REFUNDED if row.refunded_fen == row.amount_fen else PARTIALLY_REFUNDED
            await row.save(update_fields=["refunded_fen", "status"])
            created = await RefundRow.create(
                refund_id="rfd_" + secrets.token_hex(12), payment=row, app_id=app_id, amount_fen=amount_fen,
                reason=reason, idempotency_key=idempotency_key, entry_id=entry.id,
            )
            payment = Payment.of(row)
            openid = await OpenIdentity.get_or_none(app_id=app_id, user_id=row.user_id)
            await enqueue_event(app_id=app_id, event_type="refund.succeeded", data={
                "refundId": created.refund_id, "amountFen": amount_fen, "reason": reason,
                "payment": payment_event(payment, openid.openid if openid else None),
            })
    except IntegrityError:  # the same key refunded concurrently: the first one won
        existing = await RefundRow.get_or_none(app_id=app_id, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return await _same_refund(existing, payment_id, amount_fen, reason)
    return Refund(created.refund_id, payment_id, amount_fen, reason, created.created_at, payment)


async def _same_refund(row: RefundRow, payment_id: str, amount_fen: int, reason: str) -> Refund:
    payment = await PaymentRow.get(id=row.payment_id)
    if (payment.payment_id, row.amount_fen, row.reason) != (payment_id, amount_fen, reason):
        raise IdempotencyConflict(row.idempotency_key)
    return Refund(row.refund_id, payment_id, row.amount_fen, row.reason, row.created_at, Payment.of(payment))
