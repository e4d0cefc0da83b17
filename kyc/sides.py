"""Which side of the resident ID card a set of OCR lines shows, if any: its printed words.

Both sides carry fixed words at fixed places: the front its field labels, the back the
state's name, the card's title and two labels. On a straightened card a word counts only
at its place, so a form or a page that prints the same words elsewhere is not a card.
A face, a page of text or a blank image shows too few of them, and is refused rather than
read into a partial reading.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from kyc import gb11643
from kyc.hanzi import simplified
from kyc.ocr import OcrLine

FRONT_WORDS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
BACK_WORDS = ("中华人民共和国", "居民身份证", "签发机关", "有效期限")
# Where each word starts (the top left of its text) on the card straightened to 856 × 540.
WORD_PLACES = {
    "姓名": (52, 60), "性别": (52, 121), "民族": (282, 121), "出生": (52, 185), "住址": (52, 247),
    "公民身份号码": (52, 450), "中华人民共和国": (298, 94), "居民身份证": (266, 166),
    "签发机关": (148, 370), "有效期限": (146, 440),
}
_PLACE_TOLERANCE = 45  # px (4.5 mm): a loose outline and the font move a word this much
_DATE_RANGE = re.compile(r"\d{4}\D?\d{2}\D?\d{2}\D{0,3}(?:\d{4}\D?\d{2}\D?\d{2}|长期)")
_DIGITS = re.compile(r"[\dX]{18,}")


def fold(text: str) -> str:
    return simplified("".join(unicodedata.normalize("NFKC", text).split())).upper()


@dataclass(frozen=True, slots=True)
class WordSeen:
    word: str
    at: tuple[float, float]  # where the word starts, in the view's pixels


def words_seen(lines: list[OcrLine]) -> list[WordSeen]:
    """Every fixed word found in the lines, with where it starts. A word of four characters
    or more also counts with one end character missing (OCR drops or misreads one)."""
    seen = []
    for line in lines:
        text = fold(line.text)
        for word in FRONT_WORDS + BACK_WORDS:
            index = _find(text, word)
            if index is not None:
                seen.append(WordSeen(word, _point_at(line, text, index)))
    return seen


def _find(text: str, word: str) -> int | None:
    if word in text:
        return text.index(word)
    if len(word) >= 4:
        if word[1:] in text:
            return text.index(word[1:]) - 1
        if word[:-1] in text:
            return text.index(word[:-1])
    return None


def _point_at(line: OcrLine, text: str, index: int) -> tuple[float, float]:
    """Where character ``index`` of the line starts along its top edge (characters of a
    Chinese line are about equally wide)."""
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    share = index / max(len(text), 1)
    return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share


@dataclass(frozen=True, slots=True)
class SideEvidence:
    front_words: frozenset[str]
    back_words: frozenset[str]
    valid_number: bool  # an 18-character number with a correct GB 11643 check character
    date_range: bool  # a validity period as the back prints it

    @classmethod
    def of(cls, lines: list[OcrLine], *, placed: bool = True) -> SideEvidence:
        """What the lines show; with ``placed``, the lines are of a straightened card and a
        word counts only near its place on the card."""
        found = {
            seen.word for seen in words_seen(lines)
            if not placed or math.dist(seen.at, WORD_PLACES[seen.word]) <= _PLACE_TOLERANCE
        }
        texts = [fold(line.text) for line in lines]
        numbers = [m.group(0) for t in texts for m in _DIGITS.finditer(t)]
        return cls(
            front_words=frozenset(w for w in FRONT_WORDS if w in found),
            back_words=frozenset(w for w in BACK_WORDS if w in found),
            valid_number=any(gb11643.is_valid(n[i:i + 18]) for n in numbers for i in range(len(n) - 17)),
            date_range=bool(_DATE_RANGE.search("".join(texts))),
        )

    def strength(self, side: str) -> int:
        if side == "front":
            return len(self.front_words) + (2 if self.valid_number else 0)
        return len(self.back_words) + (1 if self.date_range else 0)

    @property
    def side(self) -> str | None:
        """``front``, ``back`` or None: three front words (two with a valid number) make a
        front, two back words (one with a validity period) a back."""
        front = bool(self.front_words) and self.strength("front") >= 3
        back = bool(self.back_words) and self.strength("back") >= 2
        if front and back:
            return "front" if len(self.front_words) / len(FRONT_WORDS) >= len(self.back_words) / len(BACK_WORDS) else "back"
        return "front" if front else "back" if back else None

    def complete(self, side: str) -> bool:
        """Every fixed word of that side was read: no better view of the card is needed."""
        return (self.front_words if side == "front" else self.back_words) == frozenset(
            FRONT_WORDS if side == "front" else BACK_WORDS)
