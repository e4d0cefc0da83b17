"""Why a bridge call was refused: one class per code, each with its HTTP status.

The transport turns a refusal into ``{"error": {"code", "message", ...detail}}``; the
container and the SDK act on ``code``.
"""

from __future__ import annotations


class BridgeRefusal(Exception):
    code = "REFUSED"
    status = 400
    message = "The call was refused."
    counts_as_failure = False  # for the app's circuit breaker

    def __init__(self, message: str | None = None, **detail) -> None:
        super().__init__(message or self.message)
        self.detail = detail

    def as_json(self) -> dict:
        return {"code": self.code, "message": str(self), **self.detail}


class UnknownApi(BridgeRefusal):
    code, status, message = "UNKNOWN_API", 404, "No such bridge API."


class InvalidArguments(BridgeRefusal):
    code, status, message = "INVALID_INPUT", 400, "The arguments are malformed."

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)


class AppUnavailable(BridgeRefusal):
    """The app has no version this user may run (unknown, offline, unreleased or needs an upgrade)."""

    code, status, message = "APP_UNAVAILABLE", 409, "This mini-program cannot run now."


class ApiNotDeclared(BridgeRefusal):
    code, status, message = "API_NOT_DECLARED", 403, "The running version does not declare this API."


class ScopeNotDeclared(BridgeRefusal):
    code, status, message = "SCOPE_NOT_DECLARED", 403, "The running version does not declare the scope this API needs."


class AuthorizationRequired(BridgeRefusal):
    """The user has not consented; ``authorization`` says what the prompt shows."""

    code, status, message = "AUTHORIZATION_REQUIRED", 403, "The user has not allowed this yet."


class RateLimited(BridgeRefusal):
    code, status, message = "RATE_LIMITED", 429, "Too many calls; retry later."


class CircuitOpen(BridgeRefusal):
    code, status, message = "CIRCUIT_OPEN", 503, "This mini-program's calls are paused after repeated failures."


class AppBusy(BridgeRefusal):
    code, status, message = "APP_BUSY", 503, "Too many calls of this mini-program are running."


class CallTimedOut(BridgeRefusal):
    code, status, message = "TIMEOUT", 504, "The call took too long."
    counts_as_failure = True


class CallFailed(BridgeRefusal):
    code, status, message = "INTERNAL", 500, "The call failed."
    counts_as_failure = True


class StepUpRequired(BridgeRefusal):
    code, status, message = "STEP_UP_REQUIRED", 403, "Enter the payment PIN."


class WrongPin(BridgeRefusal):
    code, status, message = "WRONG_PIN", 403, "The payment PIN is wrong."


class PinLocked(BridgeRefusal):
    code, status, message = "PIN_LOCKED", 423, "Too many wrong PINs; the PIN is locked for a while."


class PinNotSet(BridgeRefusal):
    code, status, message = "PIN_NOT_SET", 403, "Set a payment PIN first."


class QuotaExceeded(BridgeRefusal):
    code, status, message = "QUOTA_EXCEEDED", 413, "This app's storage for you is full."


class InvalidImage(BridgeRefusal):
    code, status, message = "INVALID_IMAGE", 422, "The file is not an allowed image."


class ConfirmationRequired(BridgeRefusal):
    """The container must ask the user in its own sheet; the frame cannot confirm for them."""

    code, status, message = "CONFIRMATION_REQUIRED", 403, "The user has to confirm this in the app."


class PaymentRefused(BridgeRefusal):
    """The ledger would not move the money; ``code`` says why, without the user's balance."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status = code, status
