"""Test images made with Pillow: a photo taken sideways with GPS in its EXIF, and bad uploads."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def sideways_photo_with_gps(width: int = 1600, height: int = 1200) -> bytes:
    """A landscape JPEG whose EXIF says 'rotate 90° clockwise to view' and carries GPS."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: shows where the pixels went
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "TestCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (113.0, 56.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 128)).save(out, format="PNG")
    return out.getvalue()


def huge_in_pixels(width: int = 9000, height: int = 9000) -> bytes:
    """Few bytes, many pixels (a flat PNG): the pixel cap refuses it before decoding."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    return out.getvalue()
