"""Online account opening: the customer's journey and the reviewers' decisions."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import OptionalRecordId, RecordId, ParsedIds
from bff.kyc.types import (
    IdCardSide,
    ImageProblem,
    KycApplication,
    KycEngineBusy,
    KycImageRejected,
    KycWrongState,
    LivenessChallenge,
    LivenessChallengeInvalid,
)
from bff.permissions import requires
from identity.roles import Role
from infra.i18n import t
from kyc import errors
from kyc.models import State

KycResult = Annotated[
    KycApplication | KycImageRejected | KycEngineBusy | KycWrongState | LivenessChallengeInvalid | InvalidInput,
    strawberry.union("KycResult"),
]
ChallengeResult = Annotated[LivenessChallenge | KycWrongState | InvalidInput, strawberry.union("LivenessChallengeResult")]
MAX_FRAMES = 5


def _not_files(**named) -> InvalidInput | None:
    """A file argument sent as a plain value (a string in the JSON) instead of a multipart file part."""
    for field, value in named.items():
        if not all(isinstance(v, UploadFile) for v in (value if isinstance(value, list) else [value])):
            return InvalidInput(message=t("bff.file_part_expected", field=field), field=field)
    return None


async def _contents(*uploads) -> list[bytes]:
    """Each upload's bytes; the spooled temporary files are closed here, not left to the GC."""
    contents = []
    for upload in uploads:
        try:
            contents.append(await upload.read())
        finally:
            await upload.close()
    return contents


async def _view(info: Info, row) -> KycApplication:
    return KycApplication.of(row, await info.context.runtime.kyc.history(row))


async def _run(info: Info, step, field: str = "image"):
    """Run a journey step and map its expected failures to schema types."""
    try:
        return await _view(info, await step())
    except errors.ApplicationNotFound:
        return InvalidInput(message=t("kyc.no_such_application"), field="applicationId")
    except errors.BadImage as exc:
        return KycImageRejected(message=str(exc), problem=ImageProblem(exc.code), field=field)
    except errors.EngineBusy as exc:
        return KycEngineBusy(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
    except errors.WrongState as exc:
        return KycWrongState(message=str(exc), state=State(exc.state))
    except errors.ChallengeInvalid as exc:
        return LivenessChallengeInvalid(message=str(exc))


@strawberry.type
class KycQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                      description="One of your account openings, or your latest when no id is given.")
    async def account_opening(self, info: Info, id: OptionalRecordId = None) -> KycApplication | None:
        kyc, user_id = info.context.runtime.kyc, info.context.principal.user_id
        try:
            row = await kyc.get(application_id=id, user_id=user_id) if id else await kyc.latest(user_id=user_id)
        except errors.ApplicationNotFound:
            return None
        return await _view(info, await kyc.advance(row)) if row else None

    @strawberry.field(extensions=requires(Role.REVIEWER), description="Account openings waiting for a reviewer.")
    async def account_opening_review_queue(self, info: Info) -> list[KycApplication]:
        return [await _view(info, row) for row in await info.context.runtime.kyc.review_queue()]


@strawberry.type
class KycMutation:
    @strawberry.mutation(extensions=requires(Role.CUSTOMER),
                         description="Start opening a Class II account; returns your unfinished one if any.")
    async def start_account_opening(self, info: Info) -> KycApplication:
        return await _view(info, await info.context.runtime.kyc.start(user_id=info.context.principal.user_id))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="Upload one side of the ID card (multipart request); it is read and checked.")
    async def upload_id_card(self, info: Info, application_id: RecordId, side: IdCardSide,
                             image: Upload) -> KycResult:
        if refused := _not_files(image=image):
            return refused
        [data] = await _contents(image)
        return await _run(info, lambda: info.context.runtime.kyc.upload_document(
            application_id=application_id, user_id=info.context.principal.user_id,
            side=side.value, data=data))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="A fresh, single-use head-turn challenge for the face check.")
    async def start_liveness_challenge(self, info: Info, application_id: RecordId) -> ChallengeResult:
        try:
            challenge = await info.context.runtime.kyc.issue_challenge(
                application_id=application_id, user_id=info.context.principal.user_id)
        except errors.ApplicationNotFound:
            return InvalidInput(message=t("kyc.no_such_application"), field="applicationId")
        except errors.WrongState as exc:
            return KycWrongState(message=str(exc), state=State(exc.state))
        return LivenessChallenge(id=strawberry.ID(challenge.id), actions=list(challenge.actions),
                                 expires_in_seconds=challenge.expires_in_seconds)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="A frontal selfie and one frame per challenge action, in order; then the decision.")
    async def submit_liveness(self, info: Info, application_id: RecordId, challenge_id: strawberry.ID,
                              selfie: Upload, frames: list[Upload]) -> KycResult:
        if refused := _not_files(selfie=selfie, frames=frames):
            return refused
        selfie_data, *frame_data = await _contents(selfie, *frames)
        if not 1 <= len(frames) <= MAX_FRAMES:
            return InvalidInput(message=t("kyc.frames_count", max=MAX_FRAMES), field="frames")
        return await _run(info, lambda: info.context.runtime.kyc.submit_face(
            application_id=application_id, user_id=info.context.principal.user_id,
            challenge_id=str(challenge_id), selfie=selfie_data, frames=frame_data), field="selfie")

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.REVIEWER)],
                         description="Approve (opens the account) or reject an opening in manual review.")
    async def review_account_opening(self, info: Info, application_id: RecordId, approve: bool,
                                     reason: str) -> KycResult:
        if not 1 <= len(reason.strip()) <= 500:
            return InvalidInput(message=t("kyc.review_reason", max=500), field="reason")
        return await _run(info, lambda: info.context.runtime.kyc.review(
            application_id=application_id, reviewer_id=info.context.principal.user_id,
            approve=approve, reason=reason.strip()))
