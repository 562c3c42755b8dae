"""Where the ink is, on synthetic pages."""

from __future__ import annotations

import numpy as np

from ocrflow.stages.ink import find_ink, ink_mask


def page(width: int = 2000, height: int = 2800) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def test_a_blank_page_has_no_ink():
    ink = find_ink(page())
    assert ink.box is None and ink.box_share == 0.0 and ink.fraction == 0.0


def test_one_word_is_a_small_box_in_page_pixels():
    image = page()
    image[1400:1440, 900:1100] = 0
    ink = find_ink(image)
    left, top, right, bottom = ink.box
    assert abs(left - 900) <= 3 and abs(top - 1400) <= 3 and abs(right - 1100) <= 3 and abs(bottom - 1440) <= 3
    assert ink.box_share < 0.01 and 0.0005 < ink.fraction < 0.003
    grow = 60  # 3 % of the shorter side
    assert ink.region(2000, 2800, 0.03) == (left - grow, top - grow, right + grow, bottom + grow)


def test_region_stays_inside_the_page():
    image = page(400, 300)
    image[0:10, 0:50] = 0
    assert find_ink(image).region(400, 300, 0.1) == (0, 0, 80, 40)


def test_mask_is_computed_on_a_small_copy():
    mask, scale = ink_mask(page(4000, 6000), 1000)
    assert mask.shape == (1000, 667) and scale == 1000 / 6000
