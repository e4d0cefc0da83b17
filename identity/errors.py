"""What can go wrong in identity, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from infra.i18n import Text


class IdentityError(Exception):
    message = Text("identity.error")

    def __init__(self, message: Text | None = None) -> None:
        super().__init__(message or self.message)


class InvalidPhone(IdentityError):
    message = Text("identity.invalid_phone")


class TooManyCodeRequests(IdentityError):
    def __init__(self, *, scope: str, retry_after_seconds: int) -> None:
        super().__init__(Text("identity.too_many_codes_for_phone") if scope == "phone"
                         else Text("identity.too_many_codes_for_client"))
        self.scope = scope
        self.retry_after_seconds = retry_after_seconds


class ResendTooSoon(IdentityError):
    """A code was sent to this phone moments ago; another may be asked for in N seconds."""

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("identity.resend_too_soon", seconds=retry_after_seconds))
        self.retry_after_seconds = retry_after_seconds


class WrongCode(IdentityError):
    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(Text("identity.wrong_code") if attempts_left else Text("identity.wrong_code_burned"))
        self.attempts_left = attempts_left


class CodeExpired(IdentityError):
    message = Text("identity.code_expired")


class InvalidDevice(IdentityError):
    message = Text("identity.invalid_device")


class RefreshRejected(IdentityError):
    """The refresh token is unknown, expired, for another device, or its session is revoked."""

    message = Text("identity.refresh_rejected")


class RefreshTokenReused(IdentityError):
    message = Text("identity.refresh_token_reused")


class UserNotFound(IdentityError):
    message = Text("identity.user_not_found")


class SessionNotFound(IdentityError):
    """No signed-in session of this user has that id (unknown, another user's, or ended)."""

    message = Text("identity.session_not_found")


class SignInRefused(IdentityError):
    """Transaction monitoring refused this sign-in; ``rule`` names the rule, ``reason`` says why."""

    def __init__(self, *, rule: str, reason: Text | None) -> None:
        super().__init__(Text("identity.sign_in_refused", reason=reason or ""))
        self.rule = rule
        self.reason = reason
