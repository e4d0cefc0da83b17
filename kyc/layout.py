"""OCR lines put back on the card: deskewed, grouped into rows, read left to right.

Photographed cards come back tilted and out of reading order, and a label and its value
may be one line ("性别男") or two. Parsing by position, not by keywords alone, survives
that (and addresses that contain label words, such as a road called 民族大道).
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from dataclasses import dataclass

from kyc.ocr import OcrLine


@dataclass(frozen=True, slots=True)
class Placed:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def y_mid(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True, slots=True)
class Row:
    lines: tuple[Placed, ...]  # left to right

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)

    @property
    def x0(self) -> float:
        return self.lines[0].x0

    @property
    def y_mid(self) -> float:
        return statistics.fmean(line.y_mid for line in self.lines)


def clean(text: str) -> str:
    """Full-width forms folded, spaces and stray punctuation around values dropped, and
    symbols (☑, ©, +) dropped: the card prints none, OCR makes them of glare and specks."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("S")).strip(":：·")


def skew_angle(lines: list[OcrLine]) -> float:
    """The median slope of the long lines' top edges, in radians."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1) = line.box[0], line.box[1]
        width = math.hypot(x1 - x0, y1 - y0)
        if width > 0 and len(line.text) >= 2:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def place(lines: list[OcrLine]) -> list[Placed]:
    """Each line as an axis-aligned box in the card's own (deskewed) frame."""
    angle = skew_angle(lines)
    cos, sin = math.cos(-angle), math.sin(-angle)
    placed = []
    for line in lines:
        text = clean(line.text)
        if not text:
            continue
        xs, ys = zip(*((x * cos - y * sin, x * sin + y * cos) for x, y in line.box), strict=True)
        placed.append(Placed(text, min(xs), min(ys), max(xs), max(ys)))
    return placed


def rows(placed: list[Placed]) -> list[Row]:
    """Lines whose vertical middles lie within half a line height of each other, top to bottom."""
    if not placed:
        return []
    tolerance = statistics.median(p.height for p in placed) / 2
    grouped: list[list[Placed]] = []
    for line in sorted(placed, key=lambda p: p.y_mid):
        if grouped and abs(line.y_mid - statistics.fmean(p.y_mid for p in grouped[-1])) <= tolerance:
            grouped[-1].append(line)
        else:
            grouped.append([line])
    return [Row(tuple(sorted(group, key=lambda p: p.x0))) for group in grouped]
