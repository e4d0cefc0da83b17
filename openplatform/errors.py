"""What can go wrong on the open platform, as typed exceptions; each has a stable ``code``.

The HTTP layer answers with ``{"error": {"code", "message"}}`` and the status below; the
bridge and GraphQL layers map the same classes to their own types. Ledger errors
(InsufficientFunds, LimitExceeded, AccountFrozen, IdempotencyConflict, ...) are not
wrapped: they propagate as the ledger raises them.
"""

from __future__ import annotations


class OpenPlatformError(Exception):
    code = "OPEN_PLATFORM_ERROR"
    status = 400
    message = "open platform error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidArgument(OpenPlatformError):
    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownApp(OpenPlatformError):
    code = "UNKNOWN_APP"
    status = 404
    message = "no such mini-program"


class BadAppCredentials(OpenPlatformError):
    code = "BAD_CREDENTIALS"
    status = 401
    message = "appId or appSecret is wrong"


class LoginRateLimited(OpenPlatformError):
    code = "LOGIN_RATE_LIMITED"
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(f"too many login codes for this user: try again in {retry_after} s")
        self.retry_after = retry_after


class LoginCodeInvalid(OpenPlatformError):
    """Unknown, expired, or issued to another app."""

    code = "CODE_INVALID"
    message = "the login code is unknown, expired or for another app"


class LoginCodeUsed(LoginCodeInvalid):
    code = "CODE_USED"
    message = "the login code was already exchanged: codes are single use"


class PaymentNotFound(OpenPlatformError):
    code = "PAYMENT_NOT_FOUND"
    status = 404
    message = "no such payment for this app"


class RefundExceedsPayment(OpenPlatformError):
    code = "REFUND_EXCEEDS_PAYMENT"
    status = 422

    def __init__(self, *, refundable: int) -> None:
        super().__init__(f"at most {refundable} fen of this payment can still be refunded")
        self.refundable = refundable


class RequestConflict(OpenPlatformError):
    """The idempotency key was used before for a different request."""

    code = "IDEMPOTENCY_CONFLICT"
    status = 409
    message = "this idempotency key was already used for a different request"


class UnknownOpenId(OpenPlatformError):
    code = "UNKNOWN_OPENID"
    status = 404
    message = "no user with this openid for this app"


class NoSubscription(OpenPlatformError):
    code = "NO_SUBSCRIPTION"
    status = 403
    message = "the user has no unused subscription consent for this topic"


# Refusals of the signed open API, before any endpoint runs.

class BadRequest(OpenPlatformError):
    code = "BAD_REQUEST"


class StaleTimestamp(OpenPlatformError):
    code = "STALE_TIMESTAMP"
    status = 401
    message = "the request timestamp is more than the allowed skew away from the server's clock"


class BadSignature(OpenPlatformError):
    code = "BAD_SIGNATURE"
    status = 401
    message = "the signature does not match the request"


class Sm2KeyNotRegistered(OpenPlatformError):
    code = "SM2_KEY_NOT_REGISTERED"
    status = 401
    message = "this app has no SM2 public key registered"


class NonceReused(OpenPlatformError):
    code = "NONCE_REUSED"
    status = 401
    message = "this nonce was already used: every request needs a fresh one"


class InvalidAccessToken(OpenPlatformError):
    code = "INVALID_TOKEN"
    status = 401
    message = "the access token is missing, unknown or expired"


class RateLimited(OpenPlatformError):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, *, retry_after: int, quota: bool = False) -> None:
        what = "daily quota" if quota else "per-second rate limit"
        super().__init__(f"the app's {what} is used up: retry after {retry_after} s")
        self.retry_after = retry_after
        if quota:
            self.code = "QUOTA_EXCEEDED"


class IdempotencyKeyRequired(OpenPlatformError):
    code = "IDEMPOTENCY_KEY_REQUIRED"
    message = "POST requests need an Idempotency-Key header of 1 to 128 characters"


class RequestInProgress(OpenPlatformError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    status = 409
    message = "a request with this idempotency key is still running: retry shortly"


class InvalidWebhookUrl(InvalidArgument):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


class InvalidPublicKey(InvalidArgument):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="publicKey")
