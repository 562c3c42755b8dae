"""PicoDet post-processing on synthetic head outputs: no model needed."""

from __future__ import annotations

import numpy as np
import pytest

from ocrflow.stages.regions import INPUT_HW, MEAN, STD, STRIDES, decode_heads, hard_nms, preprocess, softmax

REG = 8  # distribution bins per side


def heads(cell: tuple[int, int, int], distances: tuple[int, int, int, int], classes: int = 3) -> list:
    """Outputs of the four-stride GFL head with one confident cell (stride, row, col) whose
    box sides lie ``distances`` bins away from the cell centre."""
    scores, dists = [], []
    for stride in STRIDES:
        h, w = int(np.ceil(INPUT_HW[0] / stride)), int(np.ceil(INPUT_HW[1] / stride))
        score = np.zeros((1, h * w, classes), dtype=np.float32)
        dist = np.full((1, h * w, 4 * REG), -10.0, dtype=np.float32)
        if stride == cell[0]:
            index = cell[1] * w + cell[2]
            score[0, index, 1] = 0.9
            for side, bins in enumerate(distances):
                dist[0, index, side * REG + bins] = 10.0
        scores.append(score)
        dists.append(dist)
    return scores + dists


def test_decode_heads_puts_the_box_where_the_distances_say():
    boxes, scores = decode_heads(heads((16, 10, 7), (2, 3, 4, 1)))
    best = int(scores[:, 1].argmax())
    cx, cy = (7 + 0.5) * 16, (10 + 0.5) * 16
    assert boxes[best] == pytest.approx([cx - 2 * 16, cy - 3 * 16, cx + 4 * 16, cy + 1 * 16], abs=0.01)
    assert scores[best, 1] == pytest.approx(0.9)


def test_softmax_rows_sum_to_one():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]])
    assert softmax(x, axis=1).sum(axis=1) == pytest.approx([1.0, 1.0])


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 100, 100], [5, 5, 100, 100], [200, 200, 300, 300], [0, 0, 10, 10]], float)
    scores = np.array([0.6, 0.9, 0.7, 0.5])
    assert hard_nms(boxes, scores, iou=0.5, keep=10) == [1, 2, 3]
    assert hard_nms(boxes, scores, iou=0.5, keep=2) == [1, 2]


def test_preprocess_resizes_and_normalises_with_imagenet_statistics():
    image = np.full((100, 50, 3), 255, dtype=np.uint8)
    blob = preprocess(image)
    assert blob.shape == (1, 3, *INPUT_HW) and blob.dtype == np.float32
    assert blob[0, :, 0, 0] == pytest.approx((1.0 - MEAN) / STD, abs=1e-5)
