"""Cover images: renditions by screen density (1x/2x/3x) in WebP with a JPEG fallback.

Decoding is capped (bytes before, pixels before decoding: a decompression bomb is refused
from its header). Every rendition is re-encoded from pixels only, so EXIF (GPS position,
camera serial) and any other metadata never leave the upload.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from content.errors import ContentError, ContentErrorCode
from infra.i18n import Text

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
BASE_WIDTH = 375  # a cover's width in CSS pixels on a phone; 2x and 3x are 750 and 1125 device pixels
DENSITIES = (1, 2, 3)
FORMATS = ("webp", "jpeg")
_ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True, slots=True)
class Rendition:
    density: int
    format: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    sha256: str
    width: int
    height: int
    renditions: tuple[Rendition, ...]


def process(raw: bytes) -> ProcessedImage:
    """Renditions of ``raw``; ``ContentError`` NOT_AN_IMAGE or IMAGE_TOO_LARGE when refused."""
    if len(raw) > MAX_BYTES:
        raise ContentError(ContentErrorCode.IMAGE_TOO_LARGE, Text("content.image_bytes", most=MAX_BYTES // 1024 // 1024))
    try:
        with Image.open(io.BytesIO(raw)) as probe:  # reads the header only
            if probe.format not in _ACCEPTED:
                raise ContentError(ContentErrorCode.NOT_AN_IMAGE, Text("content.not_an_image"))
            if probe.width * probe.height > MAX_PIXELS:
                raise ContentError(ContentErrorCode.IMAGE_TOO_LARGE, Text("content.image_pixels", most=MAX_PIXELS))
            probe.load()
            picture = ImageOps.exif_transpose(probe)  # keep what the camera meant, then forget the EXIF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ContentError(ContentErrorCode.NOT_AN_IMAGE, Text("content.not_an_image")) from None
    picture = picture.convert("RGB")
    renditions = []
    for density in DENSITIES:
        width = min(BASE_WIDTH * density, picture.width)  # never upscaled: a 2x of a small source is its size
        height = max(1, round(picture.height * width / picture.width))
        scaled = picture if width == picture.width else picture.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in FORMATS:
            out = io.BytesIO()
            scaled.save(out, format=fmt.upper(), quality=82, **({"method": 4} if fmt == "webp" else {"optimize": True}))
            renditions.append(Rendition(density, fmt, width, height, out.getvalue()))
    return ProcessedImage(hashlib.sha256(raw).hexdigest(), picture.width, picture.height, tuple(renditions))


def pick_density(dpr: float) -> int:
    """The rendition a client of this device-pixel ratio should load: the smallest that is sharp enough."""
    for density in DENSITIES:
        if dpr <= density + 0.01:
            return density
    return DENSITIES[-1]
