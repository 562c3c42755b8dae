"""Rotation geometry and skew estimation on synthetic pages: no model needed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocrflow.geometry import Affine
from ocrflow.stages.rotation import (
    ORIENTATION_SIZE,
    deskew_affine,
    estimate_skew,
    ink_points,
    orientation_crops,
    profile_sharpness,
    upright,
)
from tests.unit.test_validation import rotation


def bars(width: int = 900, height: int = 700, degrees: float = 0.0) -> np.ndarray:
    """Black bars like text lines, turned counter-clockwise by ``degrees`` about the centre."""
    page = np.full((height, width, 3), 255, np.uint8)
    for y in range(80, height - 80, 40):
        page[y:y + 12, 100:width - 100] = 0
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(page, matrix, (width, height), borderValue=(255, 255, 255))


@pytest.mark.parametrize("degrees", [-7.0, -1.5, 0.0, 3.0, 11.0])
def test_skew_is_measured_to_a_tenth_of_a_degree(degrees):
    assert estimate_skew(bars(degrees=degrees), 15.0) == pytest.approx(-degrees, abs=0.15)


def test_a_word_or_two_cannot_tell_a_skew():
    page = np.full((2339, 1654, 3), 255, np.uint8)
    page[1660:1692, 890:1042] = 0  # one word: every small turn keeps its rows about as sharp
    assert estimate_skew(page, 15.0) == 0.0


def test_a_blank_page_has_no_ink_and_no_skew():
    points, scale = ink_points(np.full((300, 200, 3), 255, np.uint8))
    assert points.shape[0] == 0 or scale == 1.0
    assert not profile_sharpness(np.empty((0, 2)), np.array([0.0, 1.0])).any()


def test_orientation_crops_spread_along_the_long_side():
    page = np.zeros((2000, 500, 3), np.uint8)
    page[:, :, 0] = np.linspace(0, 255, 2000, dtype=np.uint8)[:, None]  # brightness tells the row
    crops = orientation_crops(page, 3)
    assert crops.shape == (3, 3, ORIENTATION_SIZE, ORIENTATION_SIZE) and crops.dtype == np.float32
    means = crops[:, 0].mean(axis=(1, 2))
    assert means[0] < means[1] < means[2], "top, middle and bottom of a tall receipt"


def test_deskew_keeps_every_corner_on_the_canvas():
    affine, new_w, new_h = deskew_affine(1000, 600, 10.0)
    corners = affine.apply(np.array([[0, 0], [1000, 0], [1000, 600], [0, 600]]))
    assert (corners >= -0.5).all() and (corners[:, 0] <= new_w + 0.5).all() and (corners[:, 1] <= new_h + 0.5).all()


@pytest.mark.parametrize("angle", [0, 90, 180, 270])
def test_upright_turns_like_the_affine_says(angle):
    page = np.zeros((60, 100, 3), np.uint8)
    page[5, 10] = 255  # one marked pixel
    result = rotation(angle, width=100, height=60)
    turned = upright(page, result)
    assert turned.shape[:2] == (result.upright_height, result.upright_width)
    x, y = Affine(result.to_upright).apply([[10, 5]])[0]
    assert turned[int(round(y)), int(round(x))].max() == 255
