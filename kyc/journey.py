"""The account opening journey as a persisted state machine.

    started → documents_read → face_verified → risk_checked → opened | rejected | manual_review

Each step reads the application's row, runs the engines off the event loop without
holding a lock, then re-reads the row locked and applies the result only if the state is
still the one it started from. Every transition is written with who, when and why.
``advance`` drives the steps that need no new input, so an application left between
them by a restart finishes on its next read; opening the account is idempotent by key.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import service as audit_log
from infra.i18n import Text
from kyc import gb11643
from kyc.config import KycConfig
from kyc.engines import EnginePool
from kyc.errors import ApplicationNotFound, WrongState
from kyc.idcard import age_on, MINIMUM_AGE
from kyc.liveness import Challenge, ChallengeStore
from kyc.models import KycApplication, KycBlacklistEntry, KycImage, KycTransition, State
from kyc.reading import read_side, verify_person
from ledger.service import AccountKind, AccountStatus, accounts_of, get_account, open_account
from infra.masking import mask_id_number, mask_name
from infra.pii import PiiCipher

_ID_PURPOSE = "id_number"
_REVIEWER = "reviewer:"  # the actor of a manual decision: "reviewer:<user id>"
# Checks the age rule of the risk step decides, not the document step.
_DEFERRED_CHECKS = {"AGE_AT_LEAST_16"}


def today() -> date:
    return datetime.now(timezone.utc).date()


async def verified_masked_name(*, user_id: int) -> str | None:
    """The masked legal name (``张*``) read from the customer's ID card at account opening.

    None until an application of theirs is opened: a name nobody verified is never shown.
    """
    opened = await KycApplication.filter(user_id=user_id, state=State.OPENED).order_by("-id").first()
    return opened.name_masked if opened is not None else None


class KycService:
    def __init__(self, *, config: KycConfig, cipher: PiiCipher, redis: aioredis.Redis) -> None:
        self.config = config
        self.engines = EnginePool(config)
        self.challenges = ChallengeStore(redis, seconds=config.challenge_seconds, length=config.challenge_actions)
        self._cipher = cipher

    def close(self) -> None:
        self.engines.close()

    # -- reading -----------------------------------------------------------------------

    async def get(self, *, application_id: int, user_id: int | None = None) -> KycApplication:
        filters = {"id": application_id} | ({"user_id": user_id} if user_id is not None else {})
        found = await KycApplication.get_or_none(**filters)
        if found is None:
            raise ApplicationNotFound()
        return found

    async def latest(self, *, user_id: int) -> KycApplication | None:
        return await KycApplication.filter(user_id=user_id).order_by("-id").first()

    async def history(self, application: KycApplication) -> list[KycTransition]:
        return await KycTransition.filter(application_id=application.id).order_by("id")

    def front_fields(self, application: KycApplication) -> dict:
        """The decrypted reading of the card's front (for the risk step and reviewers)."""
        if not application.front_ct:
            return {}
        return json.loads(self._cipher.decrypt(application.front_ct, context=f"kyc:{application.id}:front"))

    # -- steps -------------------------------------------------------------------------

    async def start(self, *, user_id: int) -> KycApplication:
        """The customer's unfinished application, or a new one."""
        async with in_transaction():
            open_one = await KycApplication.filter(
                user_id=user_id, state__not_in=[State.OPENED, State.REJECTED]
            ).select_for_update().first()
            if open_one is not None:
                return open_one
            application = await KycApplication.create(user_id=user_id)
            await _record(application, None, State.STARTED, f"customer:{user_id}", "account opening started")
        return application

    async def upload_document(self, *, application_id: int, user_id: int, side: str, data: bytes) -> KycApplication:
        application = await self.get(application_id=application_id, user_id=user_id)
        _expect(application, State.STARTED, Text("kyc.step_upload_id_card"))
        reading = await self.engines.run(read_side, data, side, today())
        async with in_transaction():
            application = await _locked(application.id)
            _expect(application, State.STARTED, Text("kyc.step_upload_id_card"))
            await self._store_image(application, side, data)
            fields = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in reading.fields.items()}
            sealed = self._cipher.encrypt(json.dumps(fields, ensure_ascii=False), context=f"kyc:{application.id}:{side}")
            passed = not set(reading.failed) - _DEFERRED_CHECKS
            setattr(application, f"{side}_ct", sealed)
            setattr(application, f"{side}_ok", passed)
            if side == "front" and reading.fields.get("id_number"):
                number = reading.fields["id_number"]
                application.id_index = self._cipher.blind_index(number, purpose=_ID_PURPOSE)
                application.id_masked = mask_id_number(number)
                application.name_masked = mask_name(reading.fields.get("name") or "")
            failed = [f"{side.upper()}_{code}" for code in reading.failed if code not in _DEFERRED_CHECKS]
            # Reasons of the other side stay until that side is uploaded again.
            application.reasons = [r for r in application.reasons if not r.startswith(side.upper() + "_")] + failed
            actor = f"customer:{user_id}"
            if failed:
                application.document_attempts += 1
                if application.document_attempts >= self.config.max_document_attempts:
                    await self._move(application, State.REJECTED, actor, "ID card not readable after "
                                     f"{application.document_attempts} uploads: " + ", ".join(failed))
            elif application.front_ok and application.back_ok:
                await self._move(application, State.DOCUMENTS_READ, actor, "both sides of the ID card read and checked")
            await application.save()
        return application

    async def issue_challenge(self, *, application_id: int, user_id: int) -> Challenge:
        application = await self.get(application_id=application_id, user_id=user_id)
        _expect(application, State.DOCUMENTS_READ, Text("kyc.step_start_face_check"))
        return await self.challenges.issue(application.id)

    async def submit_face(self, *, application_id: int, user_id: int, challenge_id: str, selfie: bytes,
                          frames: list[bytes]) -> KycApplication:
        """The selfie against the card's portrait, and the challenge frames; then the decision."""
        application = await self.get(application_id=application_id, user_id=user_id)
        _expect(application, State.DOCUMENTS_READ, Text("kyc.step_submit_face_check"))
        actions = await self.challenges.consume(application.id, challenge_id)
        portrait = await self._image(application, "front")
        match, liveness = await self.engines.run(verify_person, portrait, selfie, frames, actions)
        actor = f"customer:{user_id}"
        async with in_transaction():
            application = await _locked(application.id)
            _expect(application, State.DOCUMENTS_READ, Text("kyc.step_submit_face_check"))
            await self._store_image(application, "selfie", selfie)
            for number, frame in enumerate(frames, start=1):
                await self._store_image(application, f"frame_{number}", frame)
            application.face_attempts += 1
            application.face_score = match.score
            application.liveness_passed = liveness.passed
            application.reasons = match.reasons + liveness.reasons
            score = "none" if match.score is None else f"{match.score:.3f}"
            if match.matched and liveness.passed:
                await self._move(application, State.FACE_VERIFIED, actor,
                                 f"face score {score} (threshold {match.threshold}); liveness passed")
            elif application.face_attempts >= self.config.max_face_attempts:
                await self._move(application, State.REJECTED, actor,
                                 f"face check failed {application.face_attempts} times: " + ", ".join(application.reasons))
            await application.save()
        return await self.advance(application)

    async def advance(self, application: KycApplication) -> KycApplication:
        """Run the steps that need no new input: risk checks, then opening the account."""
        if application.state is State.FACE_VERIFIED:
            application = await self._check_risk(application)
        if application.state is State.RISK_CHECKED:
            application = await self._decide(application, actor="system")
        return application

    async def review(self, *, application_id: int, reviewer_id: int, approve: bool, reason: str) -> KycApplication:
        application = await self.get(application_id=application_id)
        _expect(application, State.MANUAL_REVIEW, Text("kyc.step_review"))
        actor = f"{_REVIEWER}{reviewer_id}"
        if approve:
            return await self._open(application, actor=actor, reason=f"approved by a reviewer: {reason}",
                                    from_states=(State.MANUAL_REVIEW,))
        async with in_transaction():
            application = await _locked(application.id)
            _expect(application, State.MANUAL_REVIEW, Text("kyc.step_review"))
            await self._move(application, State.REJECTED, actor, f"rejected by a reviewer: {reason}")
            application.reasons = ["REJECTED_BY_REVIEWER"]
            await application.save()
        return application

    async def review_queue(self) -> list[KycApplication]:
        return await KycApplication.filter(state=State.MANUAL_REVIEW).order_by("updated_at")

    async def blacklist(self, *, id_number: str, reason: str) -> None:
        index = self._cipher.blind_index(gb11643.normalise(id_number), purpose=_ID_PURPOSE)
        await KycBlacklistEntry.update_or_create(defaults={"reason": reason[:200]}, id_index=index)

    async def purge_images(self, *, now: datetime | None = None) -> int:
        """Drop the ciphertext of every image older than the retention period."""
        now = now or datetime.now(timezone.utc)
        cutoff = now - timedelta(days=self.config.image_retention_days)
        return await KycImage.filter(created_at__lt=cutoff, ciphertext__isnull=False).update(
            ciphertext=None, purged_at=now
        )

    # -- internals ---------------------------------------------------------------------

    async def _check_risk(self, application: KycApplication) -> KycApplication:
        fields = self.front_fields(application)
        born = date.fromisoformat(fields["birth_date"]) if fields.get("birth_date") else None
        reject, review = [], []
        if born is None or age_on(born, today()) < MINIMUM_AGE:
            reject.append("UNDER_16")
        if await KycBlacklistEntry.filter(id_index=application.id_index).exists():
            reject.append("BLACKLISTED")
        if await self._holds_class_two(application):
            reject.append("ALREADY_HAS_CLASS_TWO")
        if application.face_score is not None and application.face_score < self.config.review_below:
            review.append("FACE_SCORE_LOW")
        if await KycApplication.filter(id_index=application.id_index, user_id__not=application.user_id,
                                       state__not=State.REJECTED).exists():
            review.append("ID_USED_BY_ANOTHER_USER")
        outcome = "reject" if reject else "review" if review else "open"
        async with in_transaction():
            locked = await _locked(application.id)
            if locked.state is not State.FACE_VERIFIED:
                return locked
            locked.risk_outcome = outcome
            locked.reasons = reject + review
            await self._move(locked, State.RISK_CHECKED, "system",
                             f"risk checks: {outcome}" + (" (" + ", ".join(reject + review) + ")" if reject + review else ""))
            await locked.save()
        return locked

    async def _decide(self, application: KycApplication, *, actor: str) -> KycApplication:
        if application.risk_outcome == "open":
            return await self._open(application, actor=actor, reason="every check passed",
                                    from_states=(State.RISK_CHECKED,))
        target = State.REJECTED if application.risk_outcome == "reject" else State.MANUAL_REVIEW
        async with in_transaction():
            locked = await _locked(application.id)
            if locked.state is State.RISK_CHECKED:
                await self._move(locked, target, actor, ", ".join(locked.reasons))
                await locked.save()
        return locked

    async def _open(self, application: KycApplication, *, actor: str, reason: str, from_states) -> KycApplication:
        try:
            async with in_transaction():
                locked = await _locked(application.id)
                if locked.state not in from_states:
                    return locked
                account = await open_account(
                    owner_user_id=locked.user_id, kind=AccountKind.CLASS_TWO, name="Class II account",
                    idempotency_key=f"kyc:{locked.id}",
                )
                locked.account_id = account.id
                locked.open_person_index = locked.id_index
                locked.reasons = []
                await self._move(locked, State.OPENED, actor, f"{reason}; Class II account {account.id} opened")
                await locked.save()
                return locked
        except IntegrityError:  # another application of this person opened first
            async with in_transaction():
                locked = await _locked(application.id)
                if locked.state in from_states:
                    locked.reasons = ["ALREADY_HAS_CLASS_TWO"]
                    await self._move(locked, State.REJECTED, actor, "ALREADY_HAS_CLASS_TWO")
                    await locked.save()
                return locked

    async def _holds_class_two(self, application: KycApplication) -> bool:
        """Whether this person (by ID number) or this customer already has an open Class II account."""
        for held in await KycApplication.filter(open_person_index=application.id_index).exclude(id=application.id):
            account = await get_account(account_id=held.account_id)
            if account.status is not AccountStatus.CLOSED:
                return True
            held.open_person_index = None  # closed: the person may open one again
            await held.save(update_fields=["open_person_index"])
        return any(a.kind is AccountKind.CLASS_TWO and a.status is not AccountStatus.CLOSED
                   for a in await accounts_of(owner_user_id=application.user_id))

    async def _move(self, application: KycApplication, to: State, actor: str, reason: str) -> None:
        await _record(application, application.state, to, actor, reason)
        if actor.startswith(_REVIEWER):  # a person's decision: into the tamper-evident log, in this transaction
            await audit_log.record(actor=f"user:{actor.removeprefix(_REVIEWER)}", action=f"kyc.manual_{to.value}",
                                   subject=f"kyc_application:{application.id}",
                                   detail={"from": application.state.value, "to": to.value, "reason": reason[:500]})
        application.state = to

    async def _store_image(self, application: KycApplication, kind: str, data: bytes) -> None:
        await KycImage.create(application=application, kind=kind,
                              ciphertext=self._cipher.encrypt(data, context=f"kyc:{application.id}:image:{kind}"))

    async def _image(self, application: KycApplication, kind: str) -> bytes:
        row = await KycImage.filter(application_id=application.id, kind=kind).order_by("-id").first()
        if row is None or row.ciphertext is None:
            step = Text("kyc.step_use_purged_front") if kind == "front" else Text("kyc.step_use_purged_back")
            raise WrongState(application.state.value, step)
        return self._cipher.decrypt_bytes(row.ciphertext, context=f"kyc:{application.id}:image:{kind}")


def _expect(application: KycApplication, state: State, step: Text) -> None:
    if application.state is not state:
        raise WrongState(application.state.value, step)


async def _locked(application_id: int) -> KycApplication:
    return await KycApplication.select_for_update().get(id=application_id)


async def _record(application: KycApplication, from_state: State | None, to: State, actor: str, reason: str) -> None:
    await KycTransition.create(application=application, from_state=from_state.value if from_state else None,
                               to_state=to.value, actor=actor, reason=reason)
