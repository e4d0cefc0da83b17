"""Why a bridge call was refused: one class per code, each with its HTTP status.

The transport turns a refusal into ``{"error": {"code", "message", ...detail}}``; the
container and the SDK act on ``code``.
"""

from __future__ import annotations

from infra.i18n import Text


class BridgeRefusal(Exception):
    code = "REFUSED"
    status = 400
    message = Text("miniprogram_runtime.refused")
    counts_as_failure = False  # for the app's circuit breaker

    def __init__(self, message: Text | None = None, **detail) -> None:
        super().__init__(message or self.message)
        self.detail = detail

    def as_json(self) -> dict:
        return {"code": self.code, "message": str(self), **self.detail}


class UnknownApi(BridgeRefusal):
    code, status, message = "UNKNOWN_API", 404, Text("miniprogram_runtime.unknown_api")


class InvalidArguments(BridgeRefusal):
    code, status, message = "INVALID_INPUT", 400, Text("miniprogram_runtime.invalid_arguments")

    def __init__(self, message: Text, *, field: str | None = None) -> None:
        super().__init__(message, field=field)


class AppUnavailable(BridgeRefusal):
    """The app has no version this user may run (unknown, offline, unreleased or needs an upgrade)."""

    code, status, message = "APP_UNAVAILABLE", 409, Text("miniprogram_runtime.app_unavailable")


class PreviewRefused(BridgeRefusal):
    """A preview run by someone who does not develop the app, or of a version that cannot run."""

    code, status, message = "PREVIEW_REFUSED", 403, Text("miniprogram_host.preview_developers_only")


class ApiNotDeclared(BridgeRefusal):
    code, status, message = "API_NOT_DECLARED", 403, Text("miniprogram_runtime.api_not_declared")


class ScopeNotDeclared(BridgeRefusal):
    code, status, message = "SCOPE_NOT_DECLARED", 403, Text("miniprogram_runtime.scope_not_declared")


class AuthorizationRequired(BridgeRefusal):
    """The user has not consented; ``authorization`` says what the prompt shows."""

    code, status, message = "AUTHORIZATION_REQUIRED", 403, Text("miniprogram_runtime.authorization_required")


class RateLimited(BridgeRefusal):
    code, status, message = "RATE_LIMITED", 429, Text("miniprogram_runtime.rate_limited")


class CircuitOpen(BridgeRefusal):
    code, status, message = "CIRCUIT_OPEN", 503, Text("miniprogram_runtime.circuit_open")


class AppBusy(BridgeRefusal):
    code, status, message = "APP_BUSY", 503, Text("miniprogram_runtime.app_busy")


class CallTimedOut(BridgeRefusal):
    code, status, message = "TIMEOUT", 504, Text("miniprogram_runtime.timeout")
    counts_as_failure = True


class CallFailed(BridgeRefusal):
    code, status, message = "INTERNAL", 500, Text("miniprogram_runtime.internal")
    counts_as_failure = True


class StepUpRequired(BridgeRefusal):
    code, status, message = "STEP_UP_REQUIRED", 403, Text("miniprogram_runtime.step_up_required")


class WrongPin(BridgeRefusal):
    code, status, message = "WRONG_PIN", 403, Text("miniprogram_runtime.wrong_pin")


class PinLocked(BridgeRefusal):
    code, status, message = "PIN_LOCKED", 423, Text("miniprogram_runtime.pin_locked")


class PinNotSet(BridgeRefusal):
    code, status, message = "PIN_NOT_SET", 403, Text("miniprogram_runtime.pin_not_set")


class QuotaExceeded(BridgeRefusal):
    code, status, message = "QUOTA_EXCEEDED", 413, Text("miniprogram_runtime.quota_exceeded")


class InvalidImage(BridgeRefusal):
    code, status, message = "INVALID_IMAGE", 422, Text("miniprogram_runtime.invalid_image")


class ConfirmationRequired(BridgeRefusal):
    """The container must ask the user in its own sheet; the frame cannot confirm for them."""

    code, status, message = "CONFIRMATION_REQUIRED", 403, Text("miniprogram_runtime.confirmation_required")


class PaymentRefused(BridgeRefusal):
    """The ledger would not move the money; ``code`` says why, without the user's balance."""

    def __init__(self, code: str, status: int, message: Text, **detail) -> None:
        super().__init__(message, **detail)
        self.code, self.status = code, status


class NotFirstParty(BridgeRefusal):
    """bankGraphql is open only to the bank's own mini-programs."""

    code, status, message = "NOT_FIRST_PARTY", 403, Text("miniprogram_runtime.not_first_party")


class UnknownOperation(BridgeRefusal):
    """The version did not declare an operation of that name in its bankOperations."""

    code, status, message = "UNKNOWN_OPERATION", 404, Text("miniprogram_runtime.unknown_operation")
