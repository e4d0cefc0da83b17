"""Uploaded images, decoded safely: known formats only, byte and pixel caps, EXIF rotation."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from infra.i18n import Text
from kyc.errors import BadImage

FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 24_000_000  # a 6000 × 4000 phone photo


def decode_image(data: bytes, limits: ImageLimits) -> Image.Image:
    """An upright RGB image, or BadImage with the reason as its code."""
    if not data:
        raise BadImage("EMPTY", Text("kyc.image_empty"))
    if len(data) > limits.max_bytes:
        raise BadImage("TOO_LARGE", Text("kyc.image_too_large", max=limits.max_bytes))
    with warnings.catch_warnings():
        # Pillow warns before it refuses: treat its warning as the refusal it announces.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
        except UnidentifiedImageError:
            raise BadImage("NOT_AN_IMAGE", Text("kyc.image_not_an_image")) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage("DECOMPRESSION_BOMB", Text("kyc.image_bomb")) from None
        width, height = image.size
        if width * height > limits.max_pixels:  # checked before any pixel is decoded
            raise BadImage("TOO_MANY_PIXELS", Text("kyc.image_too_many_pixels", max=limits.max_pixels))
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage("DECOMPRESSION_BOMB", Text("kyc.image_bomb")) from None
        except (OSError, SyntaxError, ValueError):
            raise BadImage("CORRUPT", Text("kyc.image_corrupt")) from None
    return upright.convert("RGB")
