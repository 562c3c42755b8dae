"""DB post-processing on synthetic probability maps: no model needed."""

from __future__ import annotations

import numpy as np
import pytest

from ocrflow.geometry import bounding_box
from ocrflow.settings import TextDetectionSettings
from ocrflow.stages.text_detection import (
    boxes_from_probability,
    detection_scale,
    normalize,
    unclip,
)


@pytest.mark.parametrize("shape,expected", [
    ((1000, 754), (992, 768)),       # legible already: only rounded to multiples of 32
    ((500, 400), (928, 736)),        # short side raised to 736
    ((7016, 4961), (1600, 1120)),    # long side capped at 1600 (max_side wins)
    ((50, 20000), (32, 1600)),       # a strip keeps at least one 32-pixel row
])
def test_detection_scale(shape, expected):
    got = detection_scale(*shape, min_side=736, max_side=1600)
    assert got == expected and got[0] % 32 == 0 and got[1] % 32 == 0


def test_normalize_maps_bytes_to_minus_one_one_channels_first():
    image = np.array([[[0, 128, 255]]], dtype=np.uint8)
    blob = normalize(image)
    assert blob.shape == (1, 3, 1, 1) and blob.dtype == np.float32
    assert blob[0, :, 0, 0] == pytest.approx([-1.0, 0.0039, 1.0], abs=1e-3)


def test_unclip_grows_by_area_times_ratio_over_perimeter():
    box = np.array([[10, 10], [110, 10], [110, 30], [10, 30]], dtype=np.float32)
    grown = unclip(box, 1.5)
    l, t, r, b = bounding_box(grown)
    distance = 100 * 20 * 1.5 / 240  # 12.5 px on every side
    assert l == pytest.approx(10 - distance, abs=1) and r == pytest.approx(110 + distance, abs=1)
    assert t == pytest.approx(10 - distance, abs=1) and b == pytest.approx(30 + distance, abs=1)


def probability_map() -> np.ndarray:
    """Two text kernels, a speck too small to be text and a faint blob below the box threshold."""
    prob = np.zeros((200, 400), dtype=np.float32)
    prob[40:52, 30:250] = 0.9     # a line kernel
    prob[120:134, 60:330] = 0.8   # another
    prob[180:182, 10:12] = 0.95   # speck
    prob[160:172, 300:390] = 0.35  # above the binary threshold, below the box threshold
    return prob


def test_boxes_from_probability_finds_the_lines_and_scales_them_to_the_page():
    settings = TextDetectionSettings()
    lines = boxes_from_probability(probability_map(), settings, 2.0, 3.0, 800, 600)
    assert len(lines) == 2
    boxes = sorted(bounding_box(np.array(line.polygon)) for line in lines)
    (l1, t1, r1, b1), (l2, t2, r2, b2) = sorted(boxes, key=lambda b: b[1])
    # kernels are grown back (unclip) then scaled by (2, 3) into page pixels
    assert l1 < 30 * 2 and r1 > 250 * 2 and t1 < 40 * 3 and b1 > 52 * 3
    assert l2 < 60 * 2 and r2 > 330 * 2 and t2 < 120 * 3 and b2 > 134 * 3
    for line in lines:
        pts = np.array(line.polygon)
        assert pts[0, 0] < pts[1, 0] and pts[0, 1] < pts[3, 1], "top-left, top-right, bottom-right, bottom-left"
        assert (pts[:, 0] <= 799).all() and (pts[:, 1] <= 599).all()
    # DB's "slow" score: the mean probability inside the region's outline, about the kernel's own value
    by_top = sorted(lines, key=lambda line: line.polygon[0][1])
    assert 0.8 <= by_top[0].score <= 0.9 and 0.7 <= by_top[1].score <= 0.8


def test_a_region_is_scored_on_its_outline_not_its_rectangle():
    """A thin "1" with its flag and foot fills a fifth of its rectangle (scored 0.18 on it)."""
    probability = np.zeros((60, 60), np.float32)
    probability[10:40, 20:23] = 0.8  # the stem
    probability[37:40, 20:38] = 0.8  # the foot
    probability[10:13, 14:23] = 0.8  # the flag
    lines = boxes_from_probability(probability, TextDetectionSettings(box_threshold=0.5), 1, 1, 60, 60)
    assert len(lines) == 1 and 0.5 < lines[0].score < 0.8  # the dilated rim is inside the outline


def test_empty_probability_map_has_no_lines():
    assert boxes_from_probability(np.zeros((64, 64), np.float32), TextDetectionSettings(), 1, 1, 64, 64) == []
