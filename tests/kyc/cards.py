"""Synthetic resident ID cards drawn with Pillow and Debian CJK fonts, for the real OCR.

The layout follows the second-generation card (85.6 × 54 mm): labels in blue on the left,
values beside them, the portrait on the right, the number along the bottom; the back
carries the issuing authority and the validity period. Cards are drawn in any of
``FONTS`` (scripts/test installs their Debian packages); the default is WenQuanYi Zen Hei.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kyc.gb11643 import check_character



@dataclass(frozen=True)
class Font:
    path: Path
    index: int = 0  # the face inside a .ttc collection


FONTS = {
    "wqy-zenhei": Font(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),  # fonts-wqy-zenhei
    "noto-sans-sc": Font(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # fonts-noto-cjk
    "noto-serif-sc": Font(Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), 2),  # fonts-noto-cjk
    "uming-cn": Font(Path("/usr/share/fonts/truetype/arphic/uming.ttc")),  # fonts-arphic-uming
    "ukai-cn": Font(Path("/usr/share/fonts/truetype/arphic/ukai.ttc")),  # fonts-arphic-ukai
}
FONT = FONTS["wqy-zenhei"]
WIDTH, HEIGHT = 856, 540
LABEL = (40, 90, 160)
INK = (20, 20, 20)


def id_number(region: str, born: date, sequence: int) -> str:
    """A number with a correct check character; odd sequence digits are men."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def sequence_with_x(region: str, born: date, *, male: bool) -> int:
    """A sequence number whose check character is X."""
    for seq in range(1 if male else 2, 1000, 2):
        if id_number(region, born, seq).endswith("X"):
            return seq
    raise ValueError("no X check character for this region and date")


@dataclass(frozen=True)
class Card:
    name: str = "张伟"
    sex: str = "男"
    ethnicity: str = "汉"
    born: date = date(1990, 3, 7)
    address: tuple[str, ...] = ("北京市朝阳区建国路88号",)
    number: str = ""
    authority: str = "北京市公安局朝阳分局"
    valid_from: date = date(2020, 5, 1)
    valid_until: date | None = date(2040, 5, 1)  # None: 长期

    def __post_init__(self):
        if not self.number:
            object.__setattr__(self, "number", id_number("110105", self.born, 123 if self.sex == "男" else 124))

    def but(self, **changes) -> Card:
        return replace(self, **changes)


def typeface(size: int, font: Font = FONT) -> ImageFont.FreeTypeFont:
    assert font.path.exists(), f"{font.path} is missing: scripts/test installs the fonts"
    return ImageFont.truetype(str(font.path), size, index=font.index)


def _background() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), (236, 238, 232))
    draw = ImageDraw.Draw(image)
    for y in range(0, HEIGHT, 6):  # faint guilloche-like lines, as on the printed card
        draw.line([(0, y), (WIDTH, y + 40)], fill=(228, 232, 226))
    return image


def front(card: Card, portrait: Image.Image | None = None, *, font: Font = FONT) -> Image.Image:
    image = _background()
    draw = ImageDraw.Draw(image)
    label, value, number_font = typeface(26, font), typeface(30, font), typeface(34, font)
    left, column = 56, 150
    draw.text((left, 62), "姓名", font=label, fill=LABEL)
    draw.text((column, 58), card.name, font=value, fill=INK)
    draw.text((left, 124), "性别", font=label, fill=LABEL)
    draw.text((column, 120), card.sex, font=value, fill=INK)
    draw.text((290, 124), "民族", font=label, fill=LABEL)
    draw.text((384, 120), card.ethnicity, font=value, fill=INK)
    draw.text((left, 186), "出生", font=label, fill=LABEL)
    x = column
    for text, size, colour in (
        (str(card.born.year), value, INK), ("年", label, LABEL), (str(card.born.month), value, INK),
        ("月", label, LABEL), (str(card.born.day), value, INK), ("日", label, LABEL),
    ):
        draw.text((x, 182 if size is value else 186), text, font=size, fill=colour)
        x += int(draw.textlength(text, font=size)) + 12
    draw.text((left, 248), "住址", font=label, fill=LABEL)
    for i, line in enumerate(card.address):
        draw.text((column, 244 + 44 * i), line, font=value, fill=INK)
    draw.text((left, 452), "公民身份号码", font=label, fill=LABEL)
    draw.text((300, 448), card.number, font=number_font, fill=INK)
    box = (560, 50, 800, 380)
    if portrait is not None:
        image.paste(_portrait_fit(portrait, (box[2] - box[0], box[3] - box[1])), box[:2])
    else:
        draw.rectangle(box, fill=(222, 226, 230))
    return image


def _portrait_fit(photo: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Crop the photo to the portrait frame's aspect, keeping its upper middle (the face)."""
    w, h = photo.size
    target = size[0] / size[1]
    if w / h > target:
        crop_w = int(h * target)
        left = (w - crop_w) // 2
        box = (left, 0, left + crop_w, h)
    else:
        crop_h = int(w / target)
        box = (0, 0, w, crop_h)
    return photo.convert("RGB").crop(box).resize(size, Image.LANCZOS)


def back(card: Card, *, font: Font = FONT) -> Image.Image:
    image = _background()
    draw = ImageDraw.Draw(image)
    draw.text((300, 90), "中华人民共和国", font=typeface(40, font), fill=INK)
    draw.text((270, 160), "居民身份证", font=typeface(64, font), fill=INK)
    label, value = typeface(26, font), typeface(28, font)
    draw.text((150, 370), "签发机关", font=label, fill=INK)
    draw.text((290, 368), card.authority, font=value, fill=INK)
    draw.text((150, 440), "有效期限", font=label, fill=INK)
    until = "长期" if card.valid_until is None else f"{card.valid_until:%Y.%m.%d}"
    draw.text((290, 438), f"{card.valid_from:%Y.%m.%d}-{until}", font=value, fill=INK)
    return image


def photographed(card: Image.Image, *, angle: float = 0.0, noise: float = 0.0, seed: int = 7) -> Image.Image:
    """The card on a desk: a margin of background, a small rotation, sensor noise."""
    canvas = Image.new("RGB", (card.width + 120, card.height + 120), (96, 86, 74))
    canvas.paste(card, (60, 60))
    if angle:
        canvas = canvas.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(96, 86, 74))
    if noise:
        pixels = np.asarray(canvas).astype(np.float32)
        pixels += np.random.default_rng(seed).normal(0, noise, pixels.shape)
        canvas = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return canvas


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()
