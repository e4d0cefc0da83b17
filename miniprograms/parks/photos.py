"""Photos of units and repairs: checked, cleaned and rendered with Pillow.

The original is never kept. Orientation from EXIF is applied to the pixels, then every
rendition is encoded from the pixels alone, so no EXIF (GPS included), XMP or ICC comment
survives. Each photo gets 1x/2x/3x renditions in WebP with a JPEG fallback, and a square
thumbnail for lists.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from miniprograms.parks import errors

FORMATS = {"JPEG", "PNG", "WEBP"}
BASE_WIDTH = 400  # CSS pixels of a photo in a listing card; 2x and 3x for denser screens
SCALES = {"1x": 1, "2x": 2, "3x": 3}
THUMB = 160


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True, slots=True)
class Rendition:
    name: str
    media_type: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    width: int
    height: int
    renditions: tuple[Rendition, ...]


def process(data: bytes, *, limits: PhotoLimits) -> CleanPhoto:
    """Check one upload and make its renditions; NotAnImage, ImageTooLarge, TooManyPixels."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise errors.NotAnImage()
    if len(data) > limits.max_bytes:
        raise errors.ImageTooLarge(max_bytes=limits.max_bytes)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on decompression bombs: our own cap decides first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise errors.NotAnImage()
            if image.width * image.height > limits.max_pixels:
                raise errors.TooManyPixels(max_pixels=limits.max_pixels)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise errors.NotAnImage() from None
    upright = ImageOps.exif_transpose(image)
    pixels = upright.convert("RGB")  # drops alpha onto nothing; a photo has none worth keeping
    renditions: list[Rendition] = []
    for name, scale in SCALES.items():
        width = min(BASE_WIDTH * scale, pixels.width)
        height = max(1, round(pixels.height * width / pixels.width))
        resized = pixels if width == pixels.width else pixels.resize((width, height), Image.Resampling.LANCZOS)
        renditions.append(_encode(resized, name, "WEBP"))
        renditions.append(_encode(resized, name, "JPEG"))
    thumb = ImageOps.fit(pixels, (THUMB, THUMB), Image.Resampling.LANCZOS)
    renditions.append(_encode(thumb, "thumb", "WEBP"))
    renditions.append(_encode(thumb, "thumb", "JPEG"))
    return CleanPhoto(width=pixels.width, height=pixels.height, renditions=tuple(renditions))


def _encode(image: Image.Image, name: str, fmt: str) -> Rendition:
    out = io.BytesIO()
    # No exif= argument: Pillow writes no metadata the pixels did not come with.
    image.save(out, format=fmt, quality=82, **({"optimize": True} if fmt == "JPEG" else {"method": 4}))
    return Rendition(name=name, media_type=f"image/{fmt.lower()}", width=image.width, height=image.height,
                     data=out.getvalue())
