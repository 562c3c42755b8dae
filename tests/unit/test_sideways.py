"""Sideways stacks: which boxes chain, and how a confirmed stack becomes one line on the page.

The detector is replaced by a function that finds the ink on the turned strip,
so these tests check the geometry (which strip is turned, how its line maps
back) without a model; ``test_stages`` reads a rendered sideways number with
the real one.
"""

from __future__ import annotations

import numpy as np

from ocrflow.geometry import bounding_box
from ocrflow.schema.stages import DetectedLine
from ocrflow.stages.sideways import join_sideways, sideways_chains


def box(l, t, r, b) -> DetectedLine:
    return DetectedLine(polygon=[(l, t), (r, t), (r, b), (l, b)], score=0.9)


BODY = [box(100, 100, 700, 130), box(100, 150, 650, 180)]
STACK = [box(900, 100 + 22 * k, 926, 120 + 22 * k) for k in range(6)]  # wider than tall, touching


def test_a_stack_of_sideways_characters_is_one_chain():
    assert sideways_chains(BODY + STACK) == [[2, 3, 4, 5, 6, 7]]


def test_three_stacked_numbers_are_not_a_chain():
    column = [box(900, 100 + 60 * k, 926, 120 + 60 * k) for k in range(6)]  # two characters apart
    short = [box(500, 100 + 22 * k, 526, 120 + 22 * k) for k in range(3)]  # too few
    assert sideways_chains(column + short) == []


def test_a_piece_of_vertical_line_chains_with_the_characters_it_overlaps():
    pieces = [box(676, 775, 697, 792), box(674, 785, 697, 805), box(669, 794, 700, 883)]
    assert sideways_chains(BODY + pieces) == [[2, 3, 4]]


def test_a_vertical_line_alone_is_not_a_chain():
    assert sideways_chains(BODY + [box(669, 794, 700, 883)]) == []


def ink_finder(calls: list):
    """A detector that finds one line: the bounding box of the dark pixels."""
    def detect(image: np.ndarray, max_upscale: float) -> list[DetectedLine]:
        calls.append(image.shape)
        ys, xs = np.nonzero(image.min(axis=2) < 128)
        return [box(xs.min(), ys.min(), xs.max(), ys.max())] if len(xs) else []
    return detect


def test_a_confirmed_stack_becomes_the_line_found_on_the_turned_strip():
    page = np.full((600, 1000, 3), 255, np.uint8)
    page[80:301, 901:926] = 0  # the sideways line, longer than the stack the page's pass found
    calls = []
    lines = join_sideways(page, BODY + STACK + [box(904, 280, 920, 298)], ink_finder(calls))
    assert calls == [(52, 334, 3)], "the stack's strip, 4 characters past it, turned a quarter"
    assert lines[:2] == BODY, "the rest of the page is kept"
    assert len(lines) == 3, "the stack and the box inside the line are replaced by it"
    l, t, r, b = bounding_box(np.array(lines[2].polygon))
    assert (l, t, r, b) == (900, 80, 926, 300)
    assert lines[2].replaces == STACK + [box(904, 280, 920, 298)], "recognition may read them instead"


def test_a_strip_without_one_line_of_the_stack_height_keeps_the_boxes():
    page = np.full((600, 1000, 3), 255, np.uint8)
    page[80:301, 850:990] = 0  # wider than the stack's characters: not its line
    assert join_sideways(page, BODY + STACK, ink_finder([])) == BODY + STACK
    blank = np.full((600, 1000, 3), 255, np.uint8)
    assert join_sideways(blank, BODY + STACK, ink_finder([])) == BODY + STACK
