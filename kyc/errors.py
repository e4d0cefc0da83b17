"""What can go wrong in account opening, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations


class KycError(Exception):
    code = "KYC_ERROR"
    message = "account opening error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class BadImage(KycError):
    """An uploaded image cannot be used; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotAnIdCard(BadImage):
    """The image shows no side of a resident ID card (``NOT_AN_ID_CARD``), or only the
    other side than the one asked for (``WRONG_SIDE``)."""


class EngineBusy(KycError):
    code = "ENGINE_BUSY"

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__("the identity engines are busy; try again shortly")
        self.retry_after_seconds = retry_after_seconds


class ModelFileMismatch(KycError):
    code = "MODEL_FILE_MISMATCH"


class ApplicationNotFound(KycError):
    code = "APPLICATION_NOT_FOUND"
    message = "no such account opening application"


class WrongState(KycError):
    """The step does not apply to the application in its current state."""

    code = "WRONG_STATE"

    def __init__(self, state: str, step: str) -> None:
        super().__init__(f"cannot {step} while the application is {state}")
        self.state = state


class ChallengeInvalid(KycError):
    code = "CHALLENGE_INVALID"
    message = "the liveness challenge is unknown, used or expired: ask for a new one"
