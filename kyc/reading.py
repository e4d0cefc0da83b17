"""The engine work of one step, run on a pool thread: decode, read or compare, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kyc.engines import Engines
from kyc.face import FaceRejected
from kyc.idcard import Reading, read_back, read_front
from kyc.images import decode_image
from kyc.liveness import LivenessResult
from kyc.locate import card_lines

SIDES = ("front", "back")


def read_side(engines: Engines, data: bytes, side: str, today: date) -> Reading:
    """One side of the ID card, found in the photo, straightened, parsed and checked;
    BadImage for an unusable upload, NotAnIdCard when the image shows no such side."""
    image = decode_image(data, engines.config.images)
    lines = card_lines(engines.ocr, image, side)
    return read_front(lines, today=today) if side == "front" else read_back(lines, today=today)


@dataclass
class FaceMatch:
    score: float | None
    threshold: float
    reasons: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.reasons and self.score is not None and self.score >= self.threshold

    def as_json(self) -> dict:
        return {"score": None if self.score is None else round(self.score, 4), "threshold": self.threshold,
                "matched": self.matched, "reasons": self.reasons}


def match_faces(engines: Engines, id_image: bytes, selfie: bytes) -> FaceMatch:
    """The selfie against the ID card's portrait; quality-gate failures are named reasons."""
    faces = engines.face
    match = FaceMatch(score=None, threshold=faces.policy.threshold)
    samples = []
    for role, data in (("ID_PORTRAIT", id_image), ("SELFIE", selfie)):
        try:
            samples.append(faces.sample(decode_image(data, engines.config.images)))
        except FaceRejected as exc:
            match.reasons.append(f"{role}_{exc.code}")
    if len(samples) == 2:
        match.score = faces.similarity(*samples)
        if match.score < match.threshold:
            match.reasons.append("FACES_DIFFER")
    return match


def verify_person(engines: Engines, id_image: bytes, selfie: bytes, frames: list[bytes],
                  actions: tuple[str, ...]) -> tuple[FaceMatch, LivenessResult]:
    """Face match and liveness for one submission of the challenge."""
    match = match_faces(engines, id_image, selfie)
    limits = engines.config.images
    try:
        liveness = engines.liveness.assess(
            actions=actions, selfie=decode_image(selfie, limits), frames=[decode_image(f, limits) for f in frames],
            faces=engines.face, threshold=engines.face.policy.threshold,
        )
    except FaceRejected as exc:
        liveness = LivenessResult(passed=False, reasons=[f"SELFIE_{exc.code}"])
    return match, liveness
