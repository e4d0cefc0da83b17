"""Straight edges of a photo: where its long step edges run, and how much of a side is one.

Used to find the ID card's outline (kyc.framing). The line segment detector finds
straight runs of one gradient direction; what makes a card's side stand out from rows of
printed text and wood grain is that it is a step between a brighter and a darker side.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

_LINES = 48  # the strongest lines kept for pairing
_STEP_FULL = 60.0  # grey levels across a segment at which it counts fully (card on a desk)
_EDGE = 40.0  # Sobel response across a side that counts as an edge
_SHORTLIST = 48  # candidates whose sides are looked at closely after a coarse look


def strong_lines(gray: np.ndarray) -> list[tuple[float, float]]:
    """Segments of the line segment detector merged into lines (direction, distance), strongest first.

    A segment counts by its length times how clearly it is a step between a brighter and a
    darker side: a card's side on a desk is; rows of printed text and wood grain mostly are not.
    """
    segments = cv2.createLineSegmentDetector().detect(gray)[0]
    if segments is None:
        return []
    segments = segments.reshape(-1, 4).astype(np.float64)
    start, end = segments[:, :2], segments[:, 2:]
    length = np.linalg.norm(end - start, axis=1)
    keep = length >= 0.025 * max(gray.shape)
    start, end, length = start[keep], end[keep], length[keep]
    direction = (end - start) / length[:, None]
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    points = start[:, None, :] + np.linspace(0.1, 0.9, 9)[None, :, None] * (end - start)[:, None, :]
    step = _sample(gray, points + 3 * normal[:, None, :]) - _sample(gray, points - 3 * normal[:, None, :])
    clarity = np.abs(np.sign(step).mean(axis=1)) * np.minimum(np.abs(step.mean(axis=1)) / _STEP_FULL, 1)
    weight = length * clarity
    theta = np.arctan2(direction[:, 1], direction[:, 0]) % np.pi
    rho = -np.sin(theta) * start[:, 0] + np.cos(theta) * start[:, 1]
    merged: list[list[float]] = []  # direction, distance, weight
    for k in np.argsort(-weight):
        if weight[k] <= 0:
            break
        for line in merged:
            if angle_gap(line[0], theta[k]) < math.radians(2):
                # Directions near 0 and near pi are one direction: flip the distance's sign.
                same_way = abs(line[0] - theta[k]) < math.pi / 2
                if abs(line[1] - (rho[k] if same_way else -rho[k])) < 4:
                    line[2] += weight[k]
                    break
        else:
            merged.append([theta[k], rho[k], weight[k]])
    merged.sort(key=lambda line: -line[2])
    return [(line[0], line[1]) for line in merged[:_LINES]]


def angle_gap(a: float, b: float) -> float:
    gap = abs(a - b) % math.pi
    return min(gap, math.pi - gap)


def _sample(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
    x = np.clip(points[..., 0].round().astype(int), 0, gray.shape[1] - 1)
    y = np.clip(points[..., 1].round().astype(int), 0, gray.shape[0] - 1)
    return gray[y, x].astype(np.float32)


class Edges:
    """The working image's gradient, and how much of a quad's sides runs along a step edge."""

    def __init__(self, gray: np.ndarray) -> None:
        self.height, self.width = gray.shape
        self.gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
        self.gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)

    def support(self, quads: np.ndarray, *, samples: int = 48, offsets=(-2, -1, 0, 1, 2)) -> np.ndarray:
        """For each quad and side, the share of the side that is an edge of one polarity."""
        if not len(quads):
            return np.zeros((0, 4))
        start, end = quads, np.roll(quads, -1, axis=1)
        direction = end - start
        direction = direction / np.maximum(np.linalg.norm(direction, axis=2, keepdims=True), 1e-6)
        normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)[:, :, None, :]
        t = np.linspace(0.06, 0.94, samples)[None, None, :, None]  # rounded corners have no straight edge
        points = start[:, :, None, :] + t * (end - start)[:, :, None, :]
        rising = np.full(points.shape[:3], -np.inf, np.float32)
        falling = np.full(points.shape[:3], np.inf, np.float32)
        for offset in offsets:
            p = points + offset * normal
            x = np.clip(p[..., 0].round().astype(np.intp), 0, self.width - 1)
            y = np.clip(p[..., 1].round().astype(np.intp), 0, self.height - 1)
            across = self.gx[y, x] * normal[..., 0] + self.gy[y, x] * normal[..., 1]
            rising, falling = np.maximum(rising, across), np.minimum(falling, across)
        return np.maximum((rising > _EDGE).mean(axis=2), (falling < -_EDGE).mean(axis=2))

    def shortlist(self, candidates: np.ndarray, *, sides: tuple[int, ...], quads: np.ndarray | None = None):
        """The candidates whose ``sides`` look best at a glance (12 points, 3 offsets each)."""
        looked_at = candidates if quads is None else quads
        if len(looked_at) <= _SHORTLIST:
            return candidates
        glance = self.support(looked_at, samples=12, offsets=(-2, 0, 2))[:, list(sides)]
        best = np.argsort(-(glance.mean(axis=1) + glance.min(axis=1)))[:_SHORTLIST]
        return candidates[best]
