"""What can go wrong in identity, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations


class IdentityError(Exception):
    message = "identity error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidPhone(IdentityError):
    message = "not a mainland China mobile number"


class TooManyCodeRequests(IdentityError):
    def __init__(self, *, scope: str, retry_after_seconds: int) -> None:
        super().__init__(f"too many login codes requested for this {scope}")
        self.scope = scope
        self.retry_after_seconds = retry_after_seconds


class ResendTooSoon(IdentityError):
    """A code was sent to this phone moments ago; another may be asked for in N seconds."""

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(f"a code was just sent: wait {retry_after_seconds} s before asking for another")
        self.retry_after_seconds = retry_after_seconds


class WrongCode(IdentityError):
    def __init__(self, *, attempts_left: int) -> None:
        super().__init__("the code is wrong" if attempts_left else "the code is wrong and burned")
        self.attempts_left = attempts_left


class CodeExpired(IdentityError):
    message = "no valid code for this phone: request a new one"


class InvalidDevice(IdentityError):
    message = "device id must be 8-128 characters of letters, digits, '-', '_' or '.'"


class RefreshRejected(IdentityError):
    """The refresh token is unknown, expired, for another device, or its session is revoked."""

    message = "the refresh token cannot be used"


class RefreshTokenReused(IdentityError):
    message = "this refresh token was already used; the session has been revoked"


class UserNotFound(IdentityError):
    message = "no such user"


class SessionNotFound(IdentityError):
    """No signed-in session of this user has that id (unknown, another user's, or ended)."""

    message = "none of your signed-in devices has this id"
