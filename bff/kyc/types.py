"""Account opening as the client sees it: masked values only, reasons as codes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from bff.errors import Error
from kyc.models import KycApplication as ApplicationRow
from kyc.models import KycTransition
from kyc.models import State as DomainState

KycState = strawberry.enum(DomainState, name="KycState")


@strawberry.enum
class IdCardSide(Enum):
    FRONT = "front"
    BACK = "back"


@strawberry.enum
class ImageProblem(Enum):
    EMPTY = "EMPTY"
    TOO_LARGE = "TOO_LARGE"
    TOO_MANY_PIXELS = "TOO_MANY_PIXELS"
    DECOMPRESSION_BOMB = "DECOMPRESSION_BOMB"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    CORRUPT = "CORRUPT"
    NOT_AN_ID_CARD = "NOT_AN_ID_CARD"
    WRONG_SIDE = "WRONG_SIDE"


@strawberry.type(description="One change of state: who made it, when and why.")
class KycStep:
    from_state: KycState | None
    to_state: KycState
    actor: str
    reason: str
    at: datetime

    @classmethod
    def of(cls, row: KycTransition) -> KycStep:
        return cls(from_state=DomainState(row.from_state) if row.from_state else None,
                   to_state=DomainState(row.to_state), actor=row.actor, reason=row.reason, at=row.created_at)


@strawberry.type(description="An online Class II account opening. Personal data appears masked only.")
class KycApplication:
    id: strawberry.ID
    state: KycState
    reasons: list[str] = strawberry.field(description="Why the last step failed or where the decision came from.")
    masked_id_number: str | None
    masked_name: str | None
    face_score: float | None
    account_id: strawberry.ID | None = strawberry.field(description="The Class II account, once opened.")
    created_at: datetime
    updated_at: datetime
    history: list[KycStep]

    @classmethod
    def of(cls, row: ApplicationRow, history: list[KycTransition]) -> KycApplication:
        return cls(
            id=strawberry.ID(str(row.id)), state=row.state, reasons=list(row.reasons),
            masked_id_number=row.id_masked, masked_name=row.name_masked,
            face_score=None if row.face_score is None else round(row.face_score, 3),
            account_id=strawberry.ID(str(row.account_id)) if row.account_id else None,
            created_at=row.created_at, updated_at=row.updated_at, history=[KycStep.of(t) for t in history],
        )


@strawberry.type(description="Turn the head as listed, in order, one frame per action, within the time given.")
class LivenessChallenge:
    id: strawberry.ID
    actions: list[str] = strawberry.field(description="TURN_LEFT is the customer's own left (unmirrored frame).")
    expires_in_seconds: int


@strawberry.type(description="An uploaded image cannot be used.")
class KycImageRejected(Error):
    problem: ImageProblem
    field: str


@strawberry.type(description="The identity engines are at capacity; retry after `retryAfterSeconds`.")
class KycEngineBusy(Error):
    retry_after_seconds: int


@strawberry.type(description="This step does not apply to the application in its current state.")
class KycWrongState(Error):
    state: KycState


@strawberry.type(description="The liveness challenge is unknown, used or expired: ask for a new one.")
class LivenessChallengeInvalid(Error):
    pass
