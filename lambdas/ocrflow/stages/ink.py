"""Where the ink is: a look at a page before any model runs (a few milliseconds).

A downscaled, Otsu-binarised copy says which pixels are ink. Rotation reads the
ink's row profile for skew; text detection skips a blank page and, when the ink
sits in a small part of the page, detects on that region: on a whole, mostly
blank page the DB probability map of a lone small word stays below threshold
(a cover sheet with one line comes out empty, RapidOCR's too), on its own region
it does not, and a small region is also far cheaper than the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

INK_MAX_SIDE = 1024


def ink_mask(image: np.ndarray, max_side: int = INK_MAX_SIDE) -> tuple[np.ndarray, float]:
    """Ink pixels (255) of a copy at most ``max_side`` long, and the scale of that copy."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink, scale


@dataclass(frozen=True)
class Ink:
    box: tuple[int, int, int, int] | None  # left, top, right, bottom in page pixels; None on a blank page
    box_share: float  # the box's share of the page's area
    fraction: float  # share of the page's pixels that are ink

    def region(self, width: int, height: int, margin: float) -> tuple[int, int, int, int]:
        """The box grown by ``margin`` of the page's shorter side, inside the page."""
        grow = int(margin * min(width, height))
        assert self.box is not None, "a blank page has no ink to grow"
        left, top, right, bottom = self.box
        return max(0, left - grow), max(0, top - grow), min(width, right + grow), min(height, bottom + grow)


def find_ink(image: np.ndarray) -> Ink:
    ink, scale = ink_mask(image)
    points = cv2.findNonZero(ink)
    if points is None:
        return Ink(None, 0.0, 0.0)
    x, y, w, h = cv2.boundingRect(points)
    box = (int(x / scale), int(y / scale), int(np.ceil((x + w) / scale)), int(np.ceil((y + h) / scale)))
    return Ink(box, (w * h) / ink.size, len(points) / ink.size)
