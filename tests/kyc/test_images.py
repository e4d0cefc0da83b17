"""Uploaded images: three formats, byte and pixel caps, EXIF rotation, bombs and junk refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from kyc.errors import BadImage
from kyc.images import ImageLimits, decode_image
from tests.kyc.cards import encode

LIMITS = ImageLimits(max_bytes=2_000_000, max_pixels=4_000_000)


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels and holds almost none of them."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def code_of(data: bytes, limits: ImageLimits = LIMITS) -> str:
    with pytest.raises(BadImage) as caught:
        decode_image(data, limits)
    return caught.value.code


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_read_as_rgb(fmt):
    image = decode_image(encode(Image.new("L", (64, 48), 128), fmt), LIMITS)
    assert (image.mode, image.size) == ("RGB", (64, 48))


def test_exif_orientation_is_applied():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise
    Image.new("RGB", (80, 40), "white").save(out, "JPEG", exif=exif)
    assert decode_image(out.getvalue(), LIMITS).size == (40, 80)


def test_other_formats_and_non_images_are_refused():
    assert code_of(encode(Image.new("RGB", (10, 10)), "GIF")) == "NOT_AN_IMAGE"
    assert code_of(b"%PDF-1.7 not a photo") == "NOT_AN_IMAGE"
    assert code_of(b"") == "EMPTY"


def test_caps_on_bytes_and_pixels():
    assert code_of(b"\xff" * (LIMITS.max_bytes + 1)) == "TOO_LARGE"
    assert code_of(png_header(2500, 2000)) == "TOO_MANY_PIXELS"


def test_a_decompression_bomb_is_refused_before_decoding():
    generous = ImageLimits(max_bytes=LIMITS.max_bytes, max_pixels=10**12)
    assert code_of(png_header(30_000, 30_000), generous) == "DECOMPRESSION_BOMB"


def test_a_truncated_image_is_corrupt():
    data = encode(Image.effect_noise((300, 300), 60).convert("RGB"), "JPEG")
    assert code_of(data[: len(data) // 2]) == "CORRUPT"
