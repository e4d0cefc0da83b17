"""Finding the ID card in a photo and straightening it to the size of a flat scan.

People photograph their cards by hand: tilted, in perspective, filling half the frame, on
a desk among printed papers. The card is an ISO/IEC 7810 ID-1 card (85.6 × 54 mm), so its
outline is a convex quadrilateral whose sides keep roughly that ratio. Line segments are
found in the downscaled photo and merged into lines; two pairs of near-parallel lines make
a candidate, scored by how much of its perimeter is a real step edge. A card lying on paper
of its own brightness may show only three sides: the fourth is then put where the card's
aspect ratio says and slid to the strongest edge near there. Paper sheets are bright
rectangles too, so the caller confirms an outline by reading it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from kyc.straight_edges import Edges, strong_lines

CARD_WIDTH, CARD_HEIGHT = 856, 540  # the canonical card: 10 px per mm
CARD_ASPECT = 85.6 / 54
_WORKING_SIDE = 640  # lines are looked for on the photo downscaled to this long side
_MIN_AREA = 0.08  # of the photo: a card filling less is too small to read
_ASPECT_SLACK = 0.22  # perspective stretches the outline's side ratio up to this share
_PARALLEL = math.radians(16)  # opposite sides under perspective
_SQUARE = math.radians(20)  # adjacent sides under perspective
_MIN_SIDE_SUPPORT = 0.35  # a side against paper in soft light still shows this much edge
_SEEN_SIDE_SUPPORT = 0.6  # when one side is inferred, the other three must be clear
_REFINED = 5  # three-sided candidates whose fourth side is looked for
_INFERRED_COST = 0.8  # a side nobody saw counts for less than one seen


@dataclass(frozen=True, slots=True)
class Outline:
    """A card candidate: four corners in the photo's pixels, clockwise from the card's top left."""

    corners: np.ndarray
    score: float


def find_outlines(image: Image.Image, *, limit: int = 3) -> list[Outline]:
    """The likeliest card outlines in the photo, best first; empty when none has a card's shape."""
    rgb = np.asarray(image.convert("RGB"))
    factor = min(_WORKING_SIDE / max(rgb.shape[:2]), 1.0)
    small = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else rgb
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (3, 3), 0)
    edges = Edges(gray)
    plane = _Plane(strong_lines(gray), edges.width, edges.height)
    found: list[tuple[np.ndarray, float]] = []
    four = edges.shortlist(plane.four_sided(), sides=(0, 1, 2, 3))
    for quad, share in zip(four, edges.support(four), strict=True):
        if share.min() >= _MIN_SIDE_SUPPORT:
            found.append((quad, float(share.mean())))
    three, moves = plane.three_sided()
    keep = edges.shortlist(np.arange(len(three)), sides=(0, 2, 3), quads=three)
    three, moves = three[keep], moves[keep]
    seen = edges.support(three)[:, [0, 2, 3]]
    scores = np.where(seen.min(axis=1, initial=1) >= _SEEN_SIDE_SUPPORT, seen.sum(axis=1) / 3, 0)
    for k in np.argsort(-scores)[:_REFINED]:
        if scores[k] > 0:
            found.append(_place_fourth_side(edges, three[k], moves[k], seen[k]))
    outlines = []
    for quad, support in found:
        quad = order_corners(quad)
        lengths = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
        aspect_error = abs((lengths[0] + lengths[2]) / (lengths[1] + lengths[3]) - CARD_ASPECT) / CARD_ASPECT
        size = cv2.contourArea(quad) / (edges.width * edges.height)
        outlines.append(Outline(quad / factor, support * (1 - aspect_error) * (0.8 + 0.4 * min(size, 0.5))))
    return _distinct(sorted(outlines, key=lambda o: -o.score), limit)


def straighten(image: Image.Image, corners: np.ndarray, *, upside_down: bool = False) -> Image.Image:
    """The card inside ``corners`` warped to the canonical CARD_WIDTH × CARD_HEIGHT."""
    target = np.float32([[0, 0], [CARD_WIDTH, 0], [CARD_WIDTH, CARD_HEIGHT], [0, CARD_HEIGHT]])
    source = np.roll(corners, 2, axis=0) if upside_down else corners
    matrix = cv2.getPerspectiveTransform(np.float32(source), target)
    warped = cv2.warpPerspective(np.asarray(image.convert("RGB")), matrix, (CARD_WIDTH, CARD_HEIGHT),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(warped)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Clockwise from the top left, with a long side on top, turned the least from upright."""
    centre = points.mean(axis=0)
    ring = points[np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]))]
    best = None
    for start in range(4):
        quad = np.roll(ring, -start, axis=0)
        top, side = quad[1] - quad[0], quad[2] - quad[1]
        if np.linalg.norm(top) + 1e-6 < np.linalg.norm(side):
            continue
        tilt = abs(math.atan2(top[1], top[0]))
        if best is None or tilt < best[0]:
            best = (tilt, quad)
    return best[1].astype(np.float32)


def _place_fourth_side(edges: Edges, quad: np.ndarray, move: np.ndarray, seen: np.ndarray):
    """Slide the inferred side (corners 1 and 2) along the seen sides to the strongest edge
    within a tenth of the card; found, it counts like a seen side, else it costs."""
    steps = np.linspace(-0.1, 0.1, 21)
    tries = np.repeat(quad[None], len(steps), axis=0)
    tries[:, 1] += steps[:, None] * move[0]
    tries[:, 2] += steps[:, None] * move[1]
    inferred = edges.support(tries)[:, 1]
    best = int(np.argmax(inferred))
    if inferred[best] >= _MIN_SIDE_SUPPORT:
        return tries[best], float((seen.sum() + inferred[best]) / 4)
    return quad, float(seen.mean() * _INFERRED_COST)


class _Plane:
    """Lines of the working image, where they meet, and the quadrilaterals they make."""

    def __init__(self, lines: list[tuple[float, float]], width: int, height: int) -> None:
        self.width, self.height = width, height
        self.theta = np.array([t for t, _ in lines])
        self.rho = np.array([r for _, r in lines])
        self.normal = np.stack([-np.sin(self.theta), np.cos(self.theta)], axis=-1).reshape(-1, 2)
        gap = np.abs(self.theta[:, None] - self.theta[None, :]) % np.pi
        self.gap = np.minimum(gap, np.pi - gap)
        count = len(lines)
        self.meet = self._meet(np.repeat(np.arange(count), count), self.normal[np.tile(np.arange(count), count)],
                               np.tile(self.rho, count)).reshape(count, count, 2)
        same_way = np.abs(self.theta[:, None] - self.theta[None, :]) < np.pi / 2
        apart = np.abs(self.rho[:, None] - np.where(same_way, self.rho[None, :], -self.rho[None, :]))
        self.pairs = np.nonzero(np.triu((self.gap < _PARALLEL) & (apart > 0.1 * min(width, height)), 1))

    def _meet(self, line: np.ndarray, normal: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """Where each line of ``line`` meets the line of ``normal`` at ``rho``; NaN if parallel."""
        n1, r1 = self.normal[line], self.rho[line]
        det = n1[:, 0] * normal[:, 1] - n1[:, 1] * normal[:, 0]
        det = np.where(np.abs(det) < 1e-6, np.nan, det)
        return np.stack([(r1 * normal[:, 1] - n1[:, 1] * rho) / det, (n1[:, 0] * rho - r1 * normal[:, 0]) / det],
                        axis=1)

    def four_sided(self) -> np.ndarray:
        """Two pairs of opposite lines, roughly square to each other."""
        i, j = self.pairs
        across = np.abs(self.gap[i][:, i] - np.pi / 2) < _SQUARE
        first, second = np.nonzero(np.triu(across, 1))
        a, b, c, d = i[first], j[first], i[second], j[second]
        quads = np.stack([self.meet[a, c], self.meet[c, b], self.meet[b, d], self.meet[d, a]], axis=1)
        return quads[self.plausible(quads)]

    def three_sided(self) -> tuple[np.ndarray, np.ndarray]:
        """A pair of opposite lines and one line across them, closed by a fourth side where the
        card's aspect ratio puts it (corners 1 and 2), with the way those corners move as
        the card grows."""
        i, j = self.pairs
        pair, c = np.nonzero(np.abs(self.gap[i] - np.pi / 2) < _SQUARE)
        a, b = i[pair], j[pair]
        near_a, near_b = self.meet[a, c], self.meet[b, c]
        across = np.linalg.norm(near_b - near_a, axis=1)
        quads, moves = [], []
        for ratio in (CARD_ASPECT, 1 / CARD_ASPECT):
            for sign in (1, -1):
                far_rho = self.rho[c] + sign * across * ratio
                far_a = self._meet(a, self.normal[c], far_rho)
                far_b = self._meet(b, self.normal[c], far_rho)
                quads.append(np.stack([near_a, far_a, far_b, near_b], axis=1))
                moves.append(np.stack([far_a - near_a, far_b - near_b], axis=1))
        quads, moves = np.concatenate(quads).reshape(-1, 4, 2), np.concatenate(moves).reshape(-1, 2, 2)
        keep = self.plausible(quads)
        return quads[keep], moves[keep]

    def plausible(self, quads: np.ndarray) -> np.ndarray:
        """Convex, inside the photo, big enough, and with about a card's side ratio."""
        if not len(quads):
            return np.zeros(0, bool)
        slack = 0.02 * max(self.width, self.height)
        with np.errstate(invalid="ignore"):
            keep = ~np.isnan(quads).any(axis=(1, 2))
            keep &= (quads[..., 0] > -slack).all(1) & (quads[..., 0] < self.width + slack).all(1)
            keep &= (quads[..., 1] > -slack).all(1) & (quads[..., 1] < self.height + slack).all(1)
            edges = np.roll(quads, -1, axis=1) - quads
            ahead = np.roll(edges, -1, axis=1)
            turns = edges[:, :, 0] * ahead[:, :, 1] - edges[:, :, 1] * ahead[:, :, 0]
            keep &= (turns > 0).all(1) | (turns < 0).all(1)
            lengths = np.linalg.norm(edges, axis=2)
            one, other = lengths[:, 0] + lengths[:, 2], lengths[:, 1] + lengths[:, 3]
            ratio = np.maximum(one, other) / np.maximum(np.minimum(one, other), 1e-6)
            keep &= np.abs(ratio - CARD_ASPECT) / CARD_ASPECT < _ASPECT_SLACK
            area = np.abs(turns.sum(1)) / 4  # a convex quad's area from its corners' turns
            return keep & (area > _MIN_AREA * self.width * self.height)


def _distinct(outlines: list[Outline], limit: int) -> list[Outline]:
    """Drop near-duplicates (one card edge found as two close lines)."""
    kept: list[Outline] = []
    for outline in outlines:
        span = np.linalg.norm(outline.corners[1] - outline.corners[0])
        if all(np.abs(outline.corners - k.corners).max() > 0.05 * span for k in kept):
            kept.append(outline)
        if len(kept) == limit:
            break
    return kept
