"""App icons: one upload, cropped square and resized with Pillow to the sizes clients use."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from miniprogram_host.errors import InvalidIcon

ICON_SIZES = (48, 96, 144, 192)
_MAX_SIDE = 4096


def icon_renditions(data: bytes) -> dict[int, bytes]:
    """PNG bytes per size; refuses anything that is not a sane PNG or JPEG."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("PNG", "JPEG"):
                raise InvalidIcon()
            width, height = probe.size  # read from the header, before decoding any pixels
            if min(width, height) < max(ICON_SIZES) or max(width, height) > _MAX_SIDE:
                raise InvalidIcon()
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidIcon() from None
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    renditions = {}
    for size in ICON_SIZES:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
        renditions[size] = out.getvalue()
    return renditions
