"""What can go wrong in account opening, as typed exceptions the API layer maps to schema types."""

from __future__ import annotations

from infra.i18n import Text


class KycError(Exception):
    code = "KYC_ERROR"
    message = Text("kyc.error")

    def __init__(self, message: Text | str | None = None) -> None:
        super().__init__(message or self.message)


class BadImage(KycError):
    """An uploaded image cannot be used; ``code`` says why."""

    def __init__(self, code: str, message: Text) -> None:
        super().__init__(message)
        self.code = code


class NotAnIdCard(BadImage):
    """The image shows no side of a resident ID card (``NOT_AN_ID_CARD``), or only the
    other side than the one asked for (``WRONG_SIDE``)."""


class EngineBusy(KycError):
    code = "ENGINE_BUSY"

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("kyc.engine_busy"))
        self.retry_after_seconds = retry_after_seconds


class ModelFileMismatch(KycError):
    code = "MODEL_FILE_MISMATCH"


class ApplicationNotFound(KycError):
    code = "APPLICATION_NOT_FOUND"
    message = Text("kyc.application_not_found")


_STATES = {
    "started": Text("kyc.state_started"),
    "documents_read": Text("kyc.state_documents_read"),
    "face_verified": Text("kyc.state_face_verified"),
    "risk_checked": Text("kyc.state_risk_checked"),
    "opened": Text("kyc.state_opened"),
    "rejected": Text("kyc.state_rejected"),
    "manual_review": Text("kyc.state_manual_review"),
}


class WrongState(KycError):
    """The step does not apply to the application in its current state."""

    code = "WRONG_STATE"

    def __init__(self, state: str, step: Text) -> None:
        super().__init__(Text("kyc.wrong_state", step=step, state=_STATES.get(state, state)))
        self.state = state


class ChallengeInvalid(KycError):
    code = "CHALLENGE_INVALID"
    message = Text("kyc.challenge_invalid")
