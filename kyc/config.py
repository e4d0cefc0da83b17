"""Account opening settings, read from the app's environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyc.face import FacePolicy
from kyc.images import ImageLimits
from infra.settings import Settings, SettingsError, positive_int, read_env


def _unit_float(config, name: str, default: float) -> float:
    value = read_env(config, name, float, default)
    if not 0 < value < 1:
        raise SettingsError(f"{name} must be between 0 and 1, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class KycConfig:
    images: ImageLimits = field(default_factory=ImageLimits)
    face: FacePolicy = field(default_factory=FacePolicy)
    review_below: float = 0.45  # matches scoring under this (but over the threshold) go to a reviewer
    yaw_delta: float = 0.12  # head turn: the nose moves this many eye distances from the selfie's pose
    challenge_seconds: int = 120
    challenge_actions: int = 3
    engine_workers: int = 2
    engine_queue: int = 4
    ocr_threads: int = 0  # 0: onnxruntime's default (every core)
    ocr_engine: str = "rapidocr"  # or "module:factory" returning an OcrEngine
    liveness_engine: str = "head-turn"  # or "module:factory" returning a LivenessEngine
    max_document_attempts: int = 5
    max_face_attempts: int = 3
    image_retention_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> KycConfig:
        config = settings.config()
        d = cls()
        face = FacePolicy(
            threshold=_unit_float(config, "KYC_FACE_THRESHOLD", d.face.threshold),
            min_face_px=positive_int(config, "KYC_FACE_MIN_PX", d.face.min_face_px),
            min_detection_score=_unit_float(config, "KYC_FACE_MIN_SCORE", d.face.min_detection_score),
        )
        review_below = _unit_float(config, "KYC_FACE_REVIEW_BELOW", max(d.review_below, face.threshold))
        if review_below < face.threshold:
            raise SettingsError("KYC_FACE_REVIEW_BELOW must not be below KYC_FACE_THRESHOLD")
        return cls(
            images=ImageLimits(
                max_bytes=positive_int(config, "KYC_MAX_IMAGE_BYTES", d.images.max_bytes),
                max_pixels=positive_int(config, "KYC_MAX_IMAGE_PIXELS", d.images.max_pixels),
            ),
            face=face,
            review_below=review_below,
            yaw_delta=_unit_float(config, "KYC_YAW_DELTA", d.yaw_delta),
            challenge_seconds=positive_int(config, "KYC_CHALLENGE_SECONDS", d.challenge_seconds),
            challenge_actions=positive_int(config, "KYC_CHALLENGE_ACTIONS", d.challenge_actions),
            engine_workers=positive_int(config, "KYC_ENGINE_WORKERS", d.engine_workers),
            engine_queue=read_env(config, "KYC_ENGINE_QUEUE", int, d.engine_queue),
            ocr_threads=read_env(config, "KYC_OCR_THREADS", int, d.ocr_threads),
            ocr_engine=read_env(config, "KYC_OCR_ENGINE", str, d.ocr_engine),
            liveness_engine=read_env(config, "KYC_LIVENESS_ENGINE", str, d.liveness_engine),
            max_document_attempts=positive_int(config, "KYC_MAX_DOCUMENT_ATTEMPTS", d.max_document_attempts),
            max_face_attempts=positive_int(config, "KYC_MAX_FACE_ATTEMPTS", d.max_face_attempts),
            image_retention_days=positive_int(config, "KYC_IMAGE_RETENTION_DAYS", d.image_retention_days),
        )
