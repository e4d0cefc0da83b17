"""The project's OCR interface and its RapidOCR implementation (PaddleOCR's PP-OCR models).

A deployment plugs in another engine (PaddleOCR itself, a vendor's service) by pointing
``KYC_OCR_ENGINE`` at a factory ``module:callable`` that returns an ``OcrEngine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One detected line of text and its quadrilateral, clockwise from the top left."""

    text: str
    box: tuple[tuple[float, float], ...]
    score: float


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> list[OcrLine]:
        """Every line of text found in an upright RGB image."""


class RapidOcrEngine:
    """PP-OCR detection and recognition models shipped inside the rapidocr wheel, on onnxruntime.

    The orientation classifier is off and the detector's input is capped at 960 px: on
    ID-card photos that halves the time and reads the same (measured, see STACK-NOTES).
    Not thread-safe: the engine pool gives each worker thread its own instance.
    """

    def __init__(self, *, threads: int = 0) -> None:
        from rapidocr import RapidOCR

        params = {
            "Global.use_cls": False,
            "Global.log_level": "error",
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self._engine = RapidOCR(params=params)

    def read(self, image: Image.Image) -> list[OcrLine]:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        result = self._engine(bgr)
        if result.boxes is None or result.txts is None:
            return []
        return [
            OcrLine(text=str(text), box=tuple((float(x), float(y)) for x, y in box), score=float(score))
            for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]
