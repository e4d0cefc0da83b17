"""What can go wrong on the open platform, as typed exceptions; each has a stable ``code``.

The HTTP layer answers with ``{"error": {"code", "message"}}`` and the status below; the
bridge and GraphQL layers map the same classes to their own types. Ledger errors
(InsufficientFunds, LimitExceeded, AccountFrozen, IdempotencyConflict, ...) are not
wrapped: they propagate as the ledger raises them.
"""

from __future__ import annotations

from infra.i18n import Text


class OpenPlatformError(Exception):
    code = "OPEN_PLATFORM_ERROR"
    status = 400
    message = Text("openplatform.error")

    def __init__(self, message: Text | str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidArgument(OpenPlatformError):
    code = "INVALID_INPUT"

    def __init__(self, message: Text | str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownApp(OpenPlatformError):
    code = "UNKNOWN_APP"
    status = 404
    message = Text("openplatform.unknown_app")


class BadAppCredentials(OpenPlatformError):
    code = "BAD_CREDENTIALS"
    status = 401
    message = Text("openplatform.bad_credentials")


class LoginRateLimited(OpenPlatformError):
    code = "LOGIN_RATE_LIMITED"
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(Text("openplatform.login_rate_limited", seconds=retry_after))
        self.retry_after = retry_after


class LoginCodeInvalid(OpenPlatformError):
    """Unknown, expired, or issued to another app."""

    code = "CODE_INVALID"
    message = Text("openplatform.code_invalid")


class LoginCodeUsed(LoginCodeInvalid):
    code = "CODE_USED"
    message = Text("openplatform.code_used")


class PaymentNotFound(OpenPlatformError):
    code = "PAYMENT_NOT_FOUND"
    status = 404
    message = Text("openplatform.payment_not_found")


class RefundExceedsPayment(OpenPlatformError):
    code = "REFUND_EXCEEDS_PAYMENT"
    status = 422

    def __init__(self, *, refundable: int) -> None:
        super().__init__(Text("openplatform.refund_exceeds_payment", refundable=refundable))
        self.refundable = refundable


class RequestConflict(OpenPlatformError):
    """The idempotency key was used before for a different request."""

    code = "IDEMPOTENCY_CONFLICT"
    status = 409
    message = Text("openplatform.idempotency_conflict")


class UnknownOpenId(OpenPlatformError):
    code = "UNKNOWN_OPENID"
    status = 404
    message = Text("openplatform.unknown_openid")


class NoSubscription(OpenPlatformError):
    code = "NO_SUBSCRIPTION"
    status = 403
    message = Text("openplatform.no_subscription")


# Refusals of the signed open API, before any endpoint runs.

class BadRequest(OpenPlatformError):
    code = "BAD_REQUEST"


class StaleTimestamp(OpenPlatformError):
    code = "STALE_TIMESTAMP"
    status = 401
    message = Text("openplatform.stale_timestamp")


class BadSignature(OpenPlatformError):
    code = "BAD_SIGNATURE"
    status = 401
    message = Text("openplatform.bad_signature")


class Sm2KeyNotRegistered(OpenPlatformError):
    code = "SM2_KEY_NOT_REGISTERED"
    status = 401
    message = Text("openplatform.sm2_key_not_registered")


class NonceReused(OpenPlatformError):
    code = "NONCE_REUSED"
    status = 401
    message = Text("openplatform.nonce_reused")


class InvalidAccessToken(OpenPlatformError):
    code = "INVALID_TOKEN"
    status = 401
    message = Text("openplatform.invalid_token")


class RateLimited(OpenPlatformError):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, *, retry_after: int, quota: bool = False) -> None:
        super().__init__(Text("openplatform.quota_exceeded", seconds=retry_after) if quota
                         else Text("openplatform.rate_limited", seconds=retry_after))
        self.retry_after = retry_after
        if quota:
            self.code = "QUOTA_EXCEEDED"


class IdempotencyKeyRequired(OpenPlatformError):
    code = "IDEMPOTENCY_KEY_REQUIRED"
    message = Text("openplatform.idempotency_key_required")


class RequestInProgress(OpenPlatformError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    status = 409
    message = Text("openplatform.idempotency_in_progress")


class InvalidWebhookUrl(InvalidArgument):
    def __init__(self, message: Text) -> None:
        super().__init__(message, field="url")


class DeliveryNotFound(OpenPlatformError):
    """No webhook delivery of this id for this app (another app's is not found either)."""

    code = "DELIVERY_NOT_FOUND"
    status = 404
    message = Text("openplatform.delivery_not_found")


class InvalidPublicKey(InvalidArgument):
    def __init__(self, message: Text | str) -> None:
        super().__init__(message, field="publicKey")


# Orders the partner's server creates and the user pays by prepay id.

class OrderNotFound(OpenPlatformError):
    """No such order for this app (or, to the bridge, not this user's)."""

    code = "ORDER_NOT_FOUND"
    status = 404
    message = Text("openplatform.order_not_found")


class OrderConflict(OpenPlatformError):
    """The orderId exists with other details (openid, amount, description)."""

    code = "ORDER_CONFLICT"
    status = 409
    message = Text("openplatform.order_conflict")


class OrderClosed(OpenPlatformError):
    code = "ORDER_CLOSED"
    status = 409
    message = Text("openplatform.order_closed")


class OrderExpired(OpenPlatformError):
    code = "ORDER_EXPIRED"
    status = 409
    message = Text("openplatform.order_expired")


class OrderPaid(OpenPlatformError):
    """Closing an order that was paid: refund it instead."""

    code = "ORDER_PAID"
    status = 409
    message = Text("openplatform.order_paid")


class OrderNotPaid(OpenPlatformError):
    """Refunding an order that has no payment."""

    code = "ORDER_NOT_PAID"
    status = 409
    message = Text("openplatform.order_not_paid")


# The digital envelope (openplatform/envelope.py): an encrypted body that cannot be opened.

class EnvelopeError(OpenPlatformError):
    code = "ENVELOPE_MALFORMED"


class EnvelopeRequired(EnvelopeError):
    """The app registered an encryption key: every request body must be an envelope."""

    code = "ENVELOPE_REQUIRED"
    message = Text("openplatform.envelope_required")


class EnvelopeMalformed(EnvelopeError):
    """Not JSON, a field missing or not base64, an iv or tag of the wrong length."""

    code = "ENVELOPE_MALFORMED"
    message = Text("openplatform.envelope_not_json")


class EnvelopeAlgorithm(EnvelopeError):
    """A version, `alg` or `wrap` the bank does not speak (`SM4-GCM` or `AES-256-GCM`, wrapped with `SM2`)."""

    code = "ENVELOPE_ALGORITHM"
    message = Text("openplatform.envelope_algorithm")


class EnvelopeTooLarge(EnvelopeError):
    code = "ENVELOPE_TOO_LARGE"
    status = 413
    message = Text("openplatform.envelope_too_large")


class EnvelopeKeyMismatch(EnvelopeError):
    """The content key was not wrapped for the receiver's SM2 key (another key, or altered)."""

    code = "ENVELOPE_KEY_MISMATCH"
    message = Text("openplatform.envelope_key_mismatch")


class EnvelopeTampered(EnvelopeError):
    """The GCM tag does not match: the ciphertext, iv or tag was altered."""

    code = "ENVELOPE_TAMPERED"
    message = Text("openplatform.envelope_tampered")
