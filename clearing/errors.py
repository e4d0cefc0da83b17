"""What can go wrong in the clearing domain, with stable codes.

``CallbackRefused`` is the answer to the network's notification: its ``code`` and HTTP
``status`` are what the network sees (an inbound credit refused with a 4xx is returned
to the sender). The others are refusals of a customer's top-up or withdrawal.
"""

from __future__ import annotations

from enum import Enum

from infra.i18n import Text


class CallbackCode(str, Enum):
    BAD_SIGNATURE = "BAD_SIGNATURE"
    REPLAYED_NONCE = "REPLAYED_NONCE"
    MALFORMED_NOTIFICATION = "MALFORMED_NOTIFICATION"
    TOO_LARGE = "TOO_LARGE"
    UNKNOWN_MOVEMENT = "UNKNOWN_MOVEMENT"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    CURRENCY_NOT_SUPPORTED = "CURRENCY_NOT_SUPPORTED"


_STATUS = {
    CallbackCode.BAD_SIGNATURE: 401, CallbackCode.REPLAYED_NONCE: 409, CallbackCode.MALFORMED_NOTIFICATION: 400,
    CallbackCode.TOO_LARGE: 413, CallbackCode.UNKNOWN_MOVEMENT: 404, CallbackCode.UNKNOWN_ACCOUNT: 404,
    CallbackCode.ACCOUNT_FROZEN: 422, CallbackCode.ACCOUNT_CLOSED: 422, CallbackCode.CURRENCY_NOT_SUPPORTED: 422,
}


class ClearingError(Exception):
    message = Text("clearing.error")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class CallbackRefused(ClearingError):
    """The notification is refused; nothing moved."""

    def __init__(self, code: CallbackCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = _STATUS[code]


class InvalidMovement(ClearingError):
    """An argument of a top-up or withdrawal is malformed; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class MovementConflict(ClearingError):
    message = Text("clearing.key_reused")


class MovementNotFound(ClearingError):
    message = Text("clearing.no_such_movement")


class NetworkNotConfigured(ClearingError):
    message = Text("clearing.not_configured")


class SettlementFileRejected(ClearingError):
    """The network's settlement file is incomplete, altered or not signed by the network."""


class NetworkUnavailable(ClearingError):
    """The network could not be reached or gave no verifiable answer."""
