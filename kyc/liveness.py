"""Active liveness: a server-issued head-turn challenge, checked on the uploaded frames.

The server picks a random sequence of head turns, keeps it in Redis for a short time and
hands it out once; the client uploads a frontal selfie and one frame per action, in order.
Each frame must show the selfie's person (SFace) with the head turned the asked way: the
nose moves off the midpoint of the eyes in YuNet's landmarks, measured against the
selfie's own pose. This defeats replaying a still photo or an old recording of other
moves; it does not detect a live-rendered deepfake, a 3D mask or a person coerced in front
of the camera. A certified presentation-attack engine plugs in as a ``LivenessEngine``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis
from PIL import Image

from kyc.errors import ChallengeInvalid
from kyc.face import FaceEngine, FaceRejected

TURN_LEFT = "TURN_LEFT"  # the customer's own left: the nose moves right in an unmirrored frame
TURN_RIGHT = "TURN_RIGHT"
ACTIONS = (TURN_LEFT, TURN_RIGHT)


@dataclass(frozen=True, slots=True)
class Challenge:
    id: str
    actions: tuple[str, ...]
    expires_in_seconds: int


@dataclass
class LivenessResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)
    yaw: list[float] = field(default_factory=list)  # per frame, relative to the selfie


class LivenessEngine(Protocol):
    def assess(self, *, actions: tuple[str, ...], selfie: Image.Image, frames: list[Image.Image],
               faces: FaceEngine, threshold: float) -> LivenessResult:
        """Whether ``frames`` show the selfie's person performing ``actions`` in order."""


class HeadTurnLiveness:
    def __init__(self, *, yaw_delta: float) -> None:
        self.yaw_delta = yaw_delta

    def assess(self, *, actions, selfie, frames, faces, threshold) -> LivenessResult:
        result = LivenessResult(passed=False)
        if len(frames) != len(actions):
            result.reasons.append("FRAME_COUNT")
            return result
        base = faces.sample(selfie)
        for index, (action, frame) in enumerate(zip(actions, frames, strict=True), start=1):
            try:
                sample = faces.sample(frame)
            except FaceRejected as exc:
                result.reasons.append(f"FRAME_{index}_{exc.code}")
                continue
            if faces.similarity(base, sample) < threshold:
                result.reasons.append(f"FRAME_{index}_DIFFERENT_PERSON")
            moved = sample.face.yaw_ratio - base.face.yaw_ratio
            result.yaw.append(round(moved, 3))
            wanted = 1 if action == TURN_LEFT else -1
            if moved * wanted < self.yaw_delta:
                result.reasons.append(f"FRAME_{index}_NOT_{action}")
        result.passed = not result.reasons
        return result


class ChallengeStore:
    """Random, single-use, short-lived challenges bound to one application."""

    def __init__(self, redis: aioredis.Redis, *, seconds: int, length: int) -> None:
        self._redis = redis
        self._seconds = seconds
        self._length = max(length, 2)

    def _key(self, application_id: int, challenge_id: str) -> str:
        return f"kyc:challenge:{application_id}:{challenge_id}"

    async def issue(self, application_id: int) -> Challenge:
        rng = secrets.SystemRandom()
        while True:  # both directions, so a single turned photo cannot pass
            actions = tuple(rng.choice(ACTIONS) for _ in range(self._length))
            if len(set(actions)) == len(ACTIONS):
                break
        challenge = Challenge(secrets.token_urlsafe(16), actions, self._seconds)
        await self._redis.set(self._key(application_id, challenge.id), json.dumps(actions), ex=self._seconds)
        return challenge

    async def consume(self, application_id: int, challenge_id: str) -> tuple[str, ...]:
        """The challenge's actions; it is gone afterwards, whatever the frames show."""
        if not challenge_id or len(challenge_id) > 64:
            raise ChallengeInvalid()
        raw = await self._redis.getdel(self._key(application_id, challenge_id))
        if raw is None:
            raise ChallengeInvalid()
        return tuple(json.loads(raw))
