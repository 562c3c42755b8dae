"""Text line detection: DB (Differentiable Binarization) on PP-OCR detection models.

The network sees the page scaled so that its short side is at least
``min_side`` (small print stays legible) and its long side at most ``max_side``
(a 4961x7016 scan fits in memory and time); polygons are scaled back to the
full-resolution upright page so recognition can crop at full detail.
"""

from __future__ import annotations

import cv2
import numpy as np
import pyclipper

from ..geometry import order_clockwise, to_polygon
from ..inference.session import OnnxModel
from ..schema.stages import DetectedLine, DetectionResult
from ..settings import TextDetectionSettings
from .ink import find_ink
from .sideways import join_sideways

MIN_BOX_SIDE = 3
INK_REGION_SHARE = 0.5  # ink in less of the page than this: detect on the inked region alone
INK_MARGIN = 0.03  # of the page's shorter side, around that region
REGION_MAX_UPSCALE = 2.0  # a region is text at page size already; enlarging it further only costs time


def detection_scale(height: int, width: int, *, min_side: int, max_side: int,
                    max_upscale: float = float("inf")) -> tuple[int, int]:
    """Network input size (h, w), multiples of 32, honouring both limits (max_side wins)."""
    ratio = 1.0
    if min(height, width) < min_side:
        ratio = min(min_side / min(height, width), max_upscale)
    if max(height, width) * ratio > max_side:
        ratio = max_side / max(height, width)
    new_h = max(32, int(round(height * ratio / 32)) * 32)
    new_w = max(32, int(round(width * ratio / 32)) * 32)
    return new_h, new_w


def normalize(image: np.ndarray) -> np.ndarray:
    """BGR uint8 (H, W, 3) -> float32 (1, 3, H, W) in [-1, 1], as PP-OCR was trained."""
    blob = np.empty((1, 3, *image.shape[:2]), dtype=np.float32)  # contiguous: onnxruntime copies a view
    np.multiply(image.transpose(2, 0, 1), np.float32(2.0 / 255.0), out=blob[0])
    blob -= 1.0
    return blob


def mini_box(contour: np.ndarray) -> tuple[np.ndarray, float]:
    rect = cv2.minAreaRect(contour)
    return order_clockwise(cv2.boxPoints(rect)), float(min(rect[1]))


def region_score(probability: np.ndarray, polygon: np.ndarray) -> float:
    """Mean probability inside the region's own outline (DB's 'slow' score). The rotated rectangle
    around it (the 'fast' score) is mostly low-probability rim where the region is a thin glyph:
    five lone "1"s on a 4961x7016 receipt scan, detected at a quarter of that, scored 0.47-0.55 on
    their rectangles (two were dropped at the 0.5 threshold) and 0.52-0.66 on their outlines."""
    h, w = probability.shape
    x0 = int(np.clip(np.floor(polygon[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(polygon[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(polygon[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(polygon[:, 1].max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    shifted = (polygon - [x0, y0]).astype(np.int32).reshape(-1, 2)
    cv2.fillPoly(mask, [shifted], 1)
    return float(cv2.mean(probability[y0:y1 + 1, x0:x1 + 1], mask)[0])


def unclip(box: np.ndarray, ratio: float) -> np.ndarray:
    """Grow a shrunk text kernel back to the text's extent (offset = area * ratio / perimeter)."""
    contour = box.astype(np.float32).reshape(-1, 1, 2)
    distance = cv2.contourArea(contour) * ratio / max(cv2.arcLength(contour, True), 1e-6)
    offset = pyclipper.PyclipperOffset()
    offset.AddPath([tuple(p) for p in box.tolist()], pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    expanded = offset.Execute(distance)
    if not expanded:
        return np.empty((0, 2), dtype=np.float32)
    return np.array(max(expanded, key=len), dtype=np.float32)


def boxes_from_probability(
    probability: np.ndarray, settings: TextDetectionSettings, scale_x: float, scale_y: float,
    page_w: int, page_h: int,
) -> list[DetectedLine]:
    bitmap: np.ndarray = (probability > settings.binary_threshold).astype(np.uint8)
    bitmap = cv2.dilate(bitmap, np.ones((2, 2), dtype=np.uint8))
    contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours[: settings.max_candidates]:
        box, short_side = mini_box(contour)
        if short_side < MIN_BOX_SIDE:
            continue
        score = region_score(probability, contour.reshape(-1, 2))
        if score < settings.box_threshold:
            continue
        grown = unclip(box, settings.unclip_ratio)
        if len(grown) < 3:
            continue
        box, short_side = mini_box(grown.reshape(-1, 1, 2))
        if short_side < MIN_BOX_SIDE + 2:
            continue
        box[:, 0] = np.clip(box[:, 0] * scale_x, 0, page_w - 1)
        box[:, 1] = np.clip(box[:, 1] * scale_y, 0, page_h - 1)
        box = order_clockwise(box)
        if np.linalg.norm(box[0] - box[1]) <= 3 or np.linalg.norm(box[0] - box[3]) <= 3:
            continue
        lines.append(DetectedLine(polygon=to_polygon(box), score=min(1.0, max(0.0, score))))
    return lines


def shifted(line: DetectedLine, dx: float, dy: float) -> DetectedLine:
    return line.model_copy(update={"polygon": [(round(x + dx, 1), round(y + dy, 1)) for x, y in line.polygon]})


class TextDetector:
    """Page image in, text line polygons (upright-page pixels) out."""

    def __init__(self, settings: TextDetectionSettings | None = None) -> None:
        self.settings = settings or TextDetectionSettings()
        self.model = OnnxModel.load(self.settings.model, self.settings)

    def __call__(self, image: np.ndarray) -> DetectionResult:
        ink = find_ink(image)
        if ink.box is None:  # a blank page: nothing to detect
            return DetectionResult(model=self.settings.model)
        if ink.box_share < INK_REGION_SHARE:
            left, top, right, bottom = ink.region(image.shape[1], image.shape[0], INK_MARGIN)
            region = np.ascontiguousarray(image[top:bottom, left:right])
            lines = [shifted(line, left, top) for line in self._detect(region, REGION_MAX_UPSCALE)]
        else:
            lines = self._detect(image)
        return DetectionResult(model=self.settings.model, lines=join_sideways(image, lines, self._detect))

    def _detect(self, image: np.ndarray, max_upscale: float = float("inf")) -> list[DetectedLine]:
        page_h, page_w = image.shape[:2]
        net_h, net_w = detection_scale(page_h, page_w, min_side=self.settings.min_side,
                                       max_side=self.settings.max_side, max_upscale=max_upscale)
        resized = cv2.resize(image, (net_w, net_h), interpolation=cv2.INTER_AREA
                             if net_w < page_w else cv2.INTER_LINEAR)
        probability = self.model.run(normalize(resized))[0][0, 0]
        return boxes_from_probability(
            probability, self.settings, page_w / net_w, page_h / net_h, page_w, page_h
        )
