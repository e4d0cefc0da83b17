"""From an uploaded photo to the OCR lines of the side of the ID card asked for.

Only a straightened card is ever parsed, so nothing printed around it can leak into its
fields. Views are tried in turn: a card-shaped image as it is (a scan), then the card
outlines found in the photo (kyc.framing), each also turned over when its first read looks
upside down; last, when no outline shows the card (its edges can vanish against paper of
its own brightness), the photo is read whole only to find where the card's printed words
lie, and the card placed by them is read alone. A view counts when the side's words are
at their places (kyc.sides); the first with all of them ends the search, else the view
with the most is kept. Reads are capped, so an image with no card in it costs a bounded
amount of work before it is refused.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from infra.i18n import Text
from kyc.errors import NotAnIdCard
from kyc.framing import CARD_ASPECT, CARD_HEIGHT, CARD_WIDTH, find_outlines, order_corners, straighten
from kyc.ocr import OcrEngine, OcrLine
from kyc.sides import BACK_WORDS, FRONT_WORDS, WORD_PLACES, SideEvidence, words_seen

MAX_READS = 5
_SCAN_ASPECT_SLACK = 0.08  # a scan or a tight crop of the card has the card's own side ratio
_SCAN_COVER = 0.5  # an outline covering less than this of a card-shaped image is inside the card
_BORDER = 20  # px of the straightened card (2 mm) along its edges where the card prints nothing
_PHOTO_MIN_SIDE, _PHOTO_MAX_ASPECT = 100, 4.0  # beyond these the photo as it is holds no readable card
_CARD_FRAME = np.float32([[0, 0], [CARD_WIDTH, 0], [CARD_WIDTH, CARD_HEIGHT], [0, CARD_HEIGHT]])


class _Search:
    """The reads made so far, the best view of the side asked for, and whether the other side showed."""

    def __init__(self, ocr: OcrEngine, side: str) -> None:
        self.ocr, self.side = ocr, side
        self.reads = 0
        self.best: tuple[float, list[OcrLine]] | None = None
        self.other_side = self.other_side_whole = False
        self.last_count = 0  # lines in the last view read

    @property
    def done(self) -> bool:
        """Out of reads, the side read whole, or the other side read whole instead."""
        whole = self.best is not None and self.best[0] == float("inf")
        return self.reads >= MAX_READS or whole or (self.best is None and self.other_side_whole)

    def read(self, view: Image.Image) -> list[OcrLine]:
        self.reads += 1
        return self.ocr.read(view)

    def look(self, card: Image.Image) -> SideEvidence:
        """Read a straightened card, dropping what lies on its very edge (the desk seen past
        a loose outline)."""
        lines = [line for line in self.read(card) if _within_card(line)]
        self.last_count = len(lines)
        evidence = SideEvidence.of(lines)
        if evidence.side == self.side:
            strength = float("inf") if evidence.complete(self.side) else evidence.strength(self.side)
            if self.best is None or strength > self.best[0]:
                self.best = (strength, lines)
        elif evidence.side is not None:
            self.other_side = True
            self.other_side_whole |= evidence.complete(evidence.side)
        return evidence

    def result(self) -> list[OcrLine]:
        if self.best is not None:
            return self.best[1]
        if self.other_side:
            if self.side == "front":
                raise NotAnIdCard("WRONG_SIDE", Text("kyc.back_given_for_front"))
            raise NotAnIdCard("WRONG_SIDE", Text("kyc.front_given_for_back"))
        if self.side == "front":
            raise NotAnIdCard("NOT_AN_ID_CARD", Text("kyc.no_card_front"))
        raise NotAnIdCard("NOT_AN_ID_CARD", Text("kyc.no_card_back"))


def card_lines(ocr: OcrEngine, image: Image.Image, side: str) -> list[OcrLine]:
    """The OCR lines of ``side`` of the card in the image, in the frame of the card
    straightened to 856 × 540; NotAnIdCard when no view shows that side."""
    search = _Search(ocr, side)
    views = [outline.corners for outline in find_outlines(image, limit=2)]
    if _scan_like(image, views):
        views.insert(0, order_corners(np.float32([[0, 0], [image.width, 0], [image.width, image.height],
                                                  [0, image.height]])))
    for corners in views:
        evidence = search.look(straighten(image, corners))
        if search.done:
            break
        if evidence.side is None and search.best is None and search.last_count >= 3:
            search.look(straighten(image, corners, upside_down=True))
        if search.done:
            break
    if not search.done and _photo_shaped(image):
        corners = _placed_by_words(search.read(image), side)
        if corners is not None and not search.done:
            search.look(straighten(image, corners))
    return search.result()


def _placed_by_words(lines: list[OcrLine], side: str) -> np.ndarray | None:
    """The card's corners in the photo from where its printed words were read (of the side
    with more of them): a similarity fit (turn, scale, shift) of their places on the card
    to the photo, robust to the same words printed on papers nearby; None without three
    words that agree."""
    seen = words_seen(lines)
    front = [s for s in seen if s.word in FRONT_WORDS]
    back = [s for s in seen if s.word in BACK_WORDS]
    # The words of one side only: front and back are never in one view of a card.
    seen = front if len(front) > len(back) or (len(front) == len(back) and side == "front") else back
    if len(seen) < 3:
        return None
    card = np.float32([WORD_PLACES[s.word] for s in seen])
    photo = np.float32([s.at for s in seen])
    scale = float(np.ptp(photo, axis=0).max()) / max(float(np.ptp(card, axis=0).max()), 1.0)
    matrix, inliers = cv2.estimateAffinePartial2D(card, photo, method=cv2.RANSAC,
                                                  ransacReprojThreshold=max(3.0, 20 * scale))
    if matrix is None or int(inliers.sum()) < 3:
        return None
    return _CARD_FRAME @ matrix[:, :2].T.astype(np.float32) + matrix[:, 2].astype(np.float32)


def _photo_shaped(image: Image.Image) -> bool:
    """Big enough and not a strip: the OCR model cannot take a 3000 × 8 image as it is."""
    return min(image.size) >= _PHOTO_MIN_SIDE and max(image.size) / min(image.size) <= _PHOTO_MAX_ASPECT


def _within_card(line: OcrLine) -> bool:
    x = sum(p[0] for p in line.box) / len(line.box)
    y = sum(p[1] for p in line.box) / len(line.box)
    return _BORDER < x < CARD_WIDTH - _BORDER and _BORDER < y < CARD_HEIGHT - _BORDER


def _scan_like(image: Image.Image, outlines: list[np.ndarray]) -> bool:
    """A card-shaped image in which no outline takes up most of the area: the card itself."""
    aspect = max(image.size) / min(image.size)
    if abs(aspect - CARD_ASPECT) / CARD_ASPECT > _SCAN_ASPECT_SLACK:
        return False
    area = image.width * image.height
    return all(cv2.contourArea(np.float32(corners)) < _SCAN_COVER * area for corners in outlines)
