"""Hand-held photos of a synthetic card: on a desk among printed papers, tilted, glared, noisy.

Everything random comes from one seed, so a failing photo can be drawn again. The papers
carry decoys (a name, an address, a valid ID number, an issuing authority) that must not
leak into the card's fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.kyc.cardholders import Pool, cardholder, truth_back, truth_front
from tests.kyc.cards import FONTS, HEIGHT, WIDTH, Card, Font, back, encode, front, id_number, typeface
from tests.kyc.faces import photo

_PROSE = (
    "根据中国人民银行有关规定，开立个人银行账户应当出示本人有效身份证件。",
    "本行将依法保护客户个人信息，未经授权不得向第三方提供。",
    "请仔细阅读以下条款，如有疑问请向柜台工作人员咨询。",
    "储蓄存款实行存款自愿、取款自由、存款有息、为储户保密的原则。",
    "本合同一式两份，甲乙双方各执一份，自双方签字之日起生效。",
    "会议纪要：第三季度营业收入同比增长百分之十二，成本控制良好。",
    "通知：因系统升级，网上银行将于本周六凌晨暂停服务四小时。",
    "快递单号：SF1234567890 收件人电话：13800138000 请当面签收。",
)
_DECOYS = ("姓名：欧阳明日", "住址：深圳市福田区福华一路6号", "签发机关：广州市公安局越秀分局",
           "有效期限：2015.06.01-2035.06.01", "性别：女  民族：回", "出生：1966年6月6日")
_PALETTES = ((122, 82, 52), (150, 104, 68), (92, 62, 42), (168, 128, 88), (110, 96, 84), (70, 70, 74))


@dataclass(frozen=True)
class Framing:
    """Where the card lies in the photo (for reports); the photo itself is ``image``."""

    image: Image.Image
    corners: np.ndarray  # the card's corners in the photo, clockwise from its top left
    angle: float
    scale: float


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    small = rng.normal(0, 1, (cells, max(2, cells * shape[1] // shape[0])))
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def desk(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A wood-grain desk (or a dark laminate), as float RGB."""
    base = np.array(_PALETTES[int(rng.integers(len(_PALETTES)))], dtype=np.float32)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = rng.uniform(0, math.pi)
    along = x * math.cos(theta) + y * math.sin(theta)
    across = -x * math.sin(theta) + y * math.cos(theta)
    warp = 6 * _smooth_noise(rng, (height, width), 4)
    grain = np.sin(across / rng.uniform(5, 14) + warp + np.sin(along / rng.uniform(90, 240)) * 2)
    tone = 0.82 + 0.12 * grain + 0.06 * _smooth_noise(rng, (height, width), 8)
    pixels = base[None, None, :] * tone[..., None]
    return pixels + rng.normal(0, 3, pixels.shape)


def printed_sheet(rng: np.random.Generator, width: int, font: Font) -> Image.Image:
    """An A4 page of Chinese text with ID-card-like decoy lines."""
    height = int(width * 1.414)
    sheet = Image.new("RGB", (width, height), tuple(int(v) for v in rng.integers(238, 253, 3)))
    draw = ImageDraw.Draw(sheet)
    size = max(14, width // 34)
    face = typeface(size, font)
    margin, y = width // 12, width // 10
    decoy_number = id_number("440304", date(1977, 7, 7), 35)
    lines = [*_DECOYS, f"公民身份号码：{decoy_number}"]
    while y < height - margin:
        if rng.random() < 0.3 and lines:
            text = lines.pop(int(rng.integers(len(lines))))
        else:
            text = _PROSE[int(rng.integers(len(_PROSE)))]
        text = text[: max(4, (width - 2 * margin) // size)]
        draw.text((margin, y), text, font=face, fill=(30, 30, 30))
        y += int(size * rng.uniform(1.6, 2.2))
    return sheet


def _paste(frame: np.ndarray, picture: np.ndarray, corners: np.ndarray, *, feather: float = 0.8) -> np.ndarray:
    """``picture`` warped onto ``corners`` of ``frame`` (antialiased edge); returns its mask."""
    h, w = picture.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    size = (frame.shape[1], frame.shape[0])
    warped = cv2.warpPerspective(picture[..., :3].astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR)
    alpha = picture[..., 3].astype(np.float32) / 255 if picture.shape[2] == 4 else np.ones((h, w), np.float32)
    mask = cv2.warpPerspective(alpha, matrix, size, flags=cv2.INTER_LINEAR)
    if feather:
        mask = cv2.GaussianBlur(mask, (0, 0), feather)
    frame[:] = frame * (1 - mask[..., None]) + warped * mask[..., None]
    return mask


def _rounded(card: Image.Image) -> np.ndarray:
    """The card with ID-1's rounded corners (3.18 mm radius) as an alpha channel."""
    radius = round(3.18 / 85.6 * card.width)
    alpha = Image.new("L", card.size, 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, card.width - 1, card.height - 1), radius, fill=255)
    return np.dstack([np.asarray(card.convert("RGB")), np.asarray(alpha)])


def _card_corners(rng, frame_w, frame_h, scale, angle, perspective) -> tuple[np.ndarray, float]:
    """Corners of a card ``scale`` × the frame's width, turned by ``angle``, with a
    perspective jitter; shrunk until it lies wholly inside the frame."""
    for _ in range(60):
        w = scale * frame_w
        h = w * HEIGHT / WIDTH
        rect = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
        rect += rng.normal(0, perspective * w, rect.shape).clip(-2.5 * perspective * w, 2.5 * perspective * w)
        a = math.radians(angle)
        turned = rect @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
        span = turned.max(axis=0) - turned.min(axis=0)
        margin = 0.02 * frame_w
        room_x, room_y = frame_w - span[0] - 2 * margin, frame_h - span[1] - 2 * margin
        if room_x > 0 and room_y > 0:
            centre = turned.min(axis=0) * -1 + margin + np.array([rng.uniform(0, room_x), rng.uniform(0, room_y)])
            return turned + centre, scale
        scale *= 0.97
    raise ValueError("the card does not fit in the frame")


def _desk_with_papers(rng: np.random.Generator, portrait: bool) -> np.ndarray:
    """A desk in a phone's 4:3 frame, with one to three printed sheets lying on it."""
    long_side = int(rng.integers(1400, 2000))
    frame_w, frame_h = (long_side * 3 // 4, long_side) if portrait else (long_side, long_side * 3 // 4)
    frame = desk(rng, frame_w, frame_h)
    fonts = list(FONTS.values())
    for _ in range(int(rng.integers(1, 4))):
        sheet = np.asarray(printed_sheet(rng, int(frame_w * rng.uniform(0.45, 0.8)), fonts[int(rng.integers(len(fonts)))]))
        sw, sh = sheet.shape[1], sheet.shape[0]
        a = math.radians(rng.uniform(-40, 40))
        half = np.array([[-sw, -sh], [sw, -sh], [sw, sh], [-sw, sh]]) / 2
        turned = half @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
        centre = np.array([rng.uniform(0, frame_w), rng.uniform(0, frame_h)])
        shade = _smooth_noise(rng, (sh, sw), 3) * 0.04 + 0.97
        _paste(frame, (sheet * shade[..., None]).clip(0, 255), turned + centre)
    return frame


def _as_photographed(rng: np.random.Generator, frame: np.ndarray) -> Image.Image:
    """Uneven light, sensor noise and a slightly soft lens."""
    frame_h, frame_w = frame.shape[:2]
    frame *= (0.8 + 0.25 * (_smooth_noise(rng, (frame_h, frame_w), 2) * 0.5 + 0.5)).clip(0.7, 1.1)[..., None]
    frame += rng.normal(0, rng.uniform(3, 10), frame.shape)
    frame = cv2.GaussianBlur(frame.clip(0, 255), (0, 0), rng.uniform(0.3, 1.0))
    return Image.fromarray(frame.clip(0, 255).astype(np.uint8))


def handheld(card: Image.Image, seed: int, *, angle: float | None = None, scale: float | None = None,
             portrait: bool | None = None) -> Framing:
    """A phone photo of ``card`` lying on a desk among printed papers."""
    rng = np.random.default_rng(seed)
    portrait = bool(rng.random() < 0.25) if portrait is None else portrait
    frame = _desk_with_papers(rng, portrait)
    frame_h, frame_w = frame.shape[:2]
    angle = rng.uniform(-15, 15) if angle is None else angle
    scale = rng.uniform(0.45, 0.9) if scale is None else scale
    corners, scale = _card_corners(rng, frame_w, frame_h, scale, angle, perspective=rng.uniform(0.005, 0.03))
    picture = _rounded(card)
    # The card's shadow on the desk: its outline, offset and blurred.
    offset = rng.normal(0, 0.006 * frame_w, 2)
    shadow = np.zeros((frame_h, frame_w, 3), np.float32)
    mask = _paste(shadow, picture, corners + offset, feather=0)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.006 * frame_w + 1)
    frame *= 1 - rng.uniform(0.25, 0.5) * mask[..., None]
    _paste(frame, picture, corners)
    _glare(rng, frame, corners)
    return Framing(image=_as_photographed(rng, frame), corners=corners, angle=angle, scale=scale)


def papers_on_a_desk(seed: int) -> Image.Image:
    """The same desk and papers with no card on them."""
    rng = np.random.default_rng(seed)
    return _as_photographed(rng, _desk_with_papers(rng, portrait=False))


def _glare(rng: np.random.Generator, frame: np.ndarray, corners: np.ndarray) -> None:
    """A soft elliptical reflection somewhere on the card, washing it towards white."""
    u, v = rng.uniform(0.1, 0.9, 2)
    top = corners[0] + u * (corners[1] - corners[0])
    bottom = corners[3] + u * (corners[2] - corners[3])
    centre = top + v * (bottom - top)
    card_w = float(np.linalg.norm(corners[1] - corners[0]))
    sx, sy = card_w * rng.uniform(0.04, 0.12), card_w * rng.uniform(0.03, 0.08)
    y, x = np.mgrid[0:frame.shape[0], 0:frame.shape[1]].astype(np.float32)
    a = rng.uniform(0, math.pi)
    dx, dy = x - centre[0], y - centre[1]
    ru = (dx * math.cos(a) + dy * math.sin(a)) / sx
    rv = (-dx * math.sin(a) + dy * math.cos(a)) / sy
    strength = rng.uniform(0.45, 0.75) * np.exp(-(ru ** 2 + rv ** 2) / 2)
    frame[:] = frame * (1 - strength[..., None]) + 255 * strength[..., None]


def photo_bytes(framing: Framing, seed: int) -> bytes:
    """The photo as the phone's JPEG, at a seeded quality between 60 and 92."""
    quality = int(np.random.default_rng(seed + 10_000).integers(60, 93))
    return encode(framing.image, "JPEG", quality=quality)


PORTRAITS = ("person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1", "impostor_2")


@dataclass(frozen=True)
class Shot:
    """One seeded hand-held photo: which card, which side, in which font, and how it lies."""

    seed: int
    card: Card
    side: str
    font: str
    flat: Image.Image  # the card as a flat scan
    framing: Framing

    @property
    def photo(self) -> bytes:
        return photo_bytes(self.framing, self.seed)

    @property
    def truth(self) -> dict:
        return truth_front(self.card) if self.side == "front" else truth_back(self.card)


def shot(seed: int, pool: Pool, **placement) -> Shot:
    """The photo for ``seed``: a cardholder of ``pool``, the fonts in turn, two fronts to a back."""
    card = cardholder(np.random.default_rng(seed), pool)
    font = list(FONTS)[seed % len(FONTS)]
    side = "front" if seed % 3 else "back"
    if side == "front":
        flat = front(card, photo(PORTRAITS[seed % len(PORTRAITS)]), font=FONTS[font])
    else:
        flat = back(card, font=FONTS[font])
    return Shot(seed, card, side, font, flat, handheld(flat, seed, **placement))
