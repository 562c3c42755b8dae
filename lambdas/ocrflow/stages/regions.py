"""Region detection: layout regions (text, title, table, figure...) from a PP-PicoDet model.

Labels enrich lines and guide reading order; they never remove text. The
bundled CDLA model was trained on Chinese papers and calls a whole receipt a
``figure``, which is why validation only uses regions as hints.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..inference.session import OnnxModel
from ..schema.stages import Region, RegionsResult
from ..settings import RegionsSettings
from .ink import find_ink

INPUT_HW = (800, 608)
STRIDES = (8, 16, 32, 64)
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
NMS_TOP_K = 1000  # per feature map, before NMS
NMS_CANDIDATES = 200
KEEP_TOP_K = 100
NEAR_EMPTY = 0.002  # ink on fewer of the page's pixels than this (one word fills about 0.05 %)


def preprocess(image: np.ndarray) -> np.ndarray:
    resized = cv2.resize(image, (INPUT_HW[1], INPUT_HW[0]), interpolation=cv2.INTER_AREA)
    blob = (resized.astype(np.float32) / 255.0 - MEAN) / STD
    return blob.transpose(2, 0, 1)[None].astype(np.float32)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def decode_heads(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """GFL heads -> (boxes l,t,r,b in network pixels, class scores)."""
    half = len(outputs) // 2
    boxes, scores = [], []
    for stride, score, dist in zip(STRIDES, outputs[:half], outputs[half:]):
        score, dist = score[0], dist[0]
        fm_h, fm_w = int(np.ceil(INPUT_HW[0] / stride)), int(np.ceil(INPUT_HW[1] / stride))
        ys, xs = np.meshgrid(np.arange(fm_h), np.arange(fm_w), indexing="ij")
        cx, cy = (xs.ravel() + 0.5) * stride, (ys.ravel() + 0.5) * stride
        reg = dist.shape[-1] // 4
        distance = (softmax(dist.reshape(-1, reg), axis=1) @ np.arange(reg)).reshape(-1, 4) * stride
        top = np.argsort(score.max(axis=1))[::-1][:NMS_TOP_K]
        centre = np.stack([cx, cy, cx, cy], axis=1)[top]
        boxes.append(centre + np.array([-1, -1, 1, 1]) * distance[top])
        scores.append(score[top])
    return np.concatenate(boxes), np.concatenate(scores)


def hard_nms(boxes: np.ndarray, scores: np.ndarray, iou: float, keep: int) -> list[int]:
    """OpenCV's NMS over the NMS_CANDIDATES best boxes (l, t, r, b), best first."""
    order = np.argsort(scores)[::-1][:NMS_CANDIDATES]
    rects = [[float(l), float(t), float(r - l), float(b - t)] for l, t, r, b in boxes[order]]
    picked = cv2.dnn.NMSBoxes(rects, [float(s) for s in scores[order]], 0.0, iou, top_k=keep)
    return [int(order[i]) for i in np.asarray(picked, dtype=np.int64).reshape(-1)]


class RegionDetector:
    """Upright page in, scored layout regions (upright-page pixels) out."""

    def __init__(self, settings: RegionsSettings | None = None) -> None:
        self.settings = settings or RegionsSettings()
        self.model = OnnxModel.load(self.settings.model, self.settings)
        self.labels = self.model.labels()

    def __call__(self, image: np.ndarray) -> RegionsResult:
        if find_ink(image).fraction < NEAR_EMPTY:  # a line or two: no layout to find, not worth the model
            return RegionsResult(model=self.settings.model)
        h, w = image.shape[:2]
        boxes, scores = decode_heads(self.model.run(preprocess(image)))
        sx, sy = w / INPUT_HW[1], h / INPUT_HW[0]
        regions = []
        for cls, label in enumerate(self.labels):
            mask = scores[:, cls] > self.settings.score_threshold
            if not mask.any():
                continue
            cls_boxes, cls_scores = boxes[mask], scores[mask, cls]
            for i in hard_nms(cls_boxes, cls_scores, self.settings.iou_threshold, KEEP_TOP_K):
                l, t, r, b = cls_boxes[i]
                regions.append(Region(
                    label=label, score=float(min(1.0, cls_scores[i])),
                    box=(round(float(np.clip(l * sx, 0, w)), 1), round(float(np.clip(t * sy, 0, h)), 1),
                         round(float(np.clip(r * sx, 0, w)), 1), round(float(np.clip(b * sy, 0, h)), 1)),
                ))
        regions.sort(key=lambda r: (r.box[1], r.box[0]))
        return RegionsResult(model=self.settings.model, regions=regions)
