"""Sideways lines: a document number printed up the margin, read as one line.

PP-OCR detectors were trained on horizontal lines: a number printed sideways
(a Bates number on a scanned form) comes out as one box per character, or as a
piece of vertical line with single characters stacked above and below it.
``sideways_chains`` finds such stacks; ``join_sideways`` turns each stack's
strip of the page a quarter turn, so the detector sees a horizontal line, and
keeps the one line it finds there as a single vertical line. The strip reaches
a few character heights past the stack, because characters the detector
missed on the page are often found on the turned strip. A column of short
numbers looks like a stack too: there the turned strip mostly holds no single
line of the stack's height, and the boxes stay as they were; where it does (a
dense column of note numbers), the joined line carries the boxes it replaces,
and recognition keeps whichever reading is the better (``TextRecognizer``).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from ..geometry import bounding_box, to_polygon
from ..schema.stages import DetectedLine

SIDEWAYS_ASPECT = (1.0, 1.7)  # width / height of a rotated digit or capital
VERTICAL_RATIO = 1.5  # a box this many times taller than wide is a piece of vertical line
CHAIN_MIN = 4  # boxes of single characters, or 2 boxes with a piece of vertical line
CHAIN_WIDTH = 1.6  # the widest ratio of two neighbours' widths (character heights)
CHAIN_OVERLAP = 0.8  # neighbours may overlap by this share of a character
CHAIN_GAP = 1.6  # or be this many characters apart (a missed "11" leaves a gap)
STRIP_MARGIN = 0.5  # across the line, in character heights
STRIP_REACH = 4.0  # along the line, past the stack, in character heights
STRIP_MAX_UPSCALE = 1.0  # the strip is at print size: enlarging it to the page pass's 736 px cost 55 ms a stack
LINE_WIDTH = (0.6, 1.6)  # the turned line's height, in the stack's character heights


def sideways_chains(lines: list[DetectedLine]) -> list[list[int]]:
    """Indices of the boxes that may be pieces of one sideways line, top to bottom."""
    rects = [bounding_box(np.array(line.polygon)) for line in lines]
    low, high = SIDEWAYS_ASPECT
    vertical = {i for i, (l, t, r, b) in enumerate(rects) if (b - t) > VERTICAL_RATIO * (r - l)}
    candidates = sorted((i for i, (l, t, r, b) in enumerate(rects)
                         if low * (b - t) < (r - l) < high * (b - t) or i in vertical),
                        key=lambda i: rects[i][1])
    used: set[int] = set()
    chains = []
    for i in candidates:
        if i in used:
            continue
        chain = [i]
        for j in candidates:
            if j in used or j in chain:
                continue
            l0, t0, r0, b0 = rects[chain[-1]]
            l1, t1, r1, b1 = rects[j]
            width = r0 - l0
            character = min(b0 - t0, width)  # a piece of vertical line is one character high across
            overlap = min(r0, r1) - max(l0, l1)
            if (overlap > 0.7 * min(width, r1 - l1) and 1 / CHAIN_WIDTH < (r1 - l1) / width < CHAIN_WIDTH
                    and -CHAIN_OVERLAP * character < t1 - b0 < CHAIN_GAP * character):
                chain.append(j)
        if len(chain) >= CHAIN_MIN or (len(chain) >= 2 and vertical.intersection(chain)):
            used.update(chain)
            chains.append(chain)
    return chains


def join_sideways(image: np.ndarray, lines: list[DetectedLine],
                  detect: Callable[[np.ndarray, float], list[DetectedLine]]) -> list[DetectedLine]:
    """``lines`` with every confirmed sideways stack, and the boxes inside its line, replaced by
    that line. ``detect(image, max_upscale)`` finds lines on an image (the detector's own pass)."""
    rects = [bounding_box(np.array(line.polygon)) for line in lines]
    joined, used = [], set[int]()
    for chain in sideways_chains(lines):
        if used.intersection(chain):  # inside a line joined already
            continue
        l, t, r, b = bounding_box(np.concatenate([np.array(lines[k].polygon) for k in chain]))
        character = r - l
        x0, x1 = int(max(0, l - STRIP_MARGIN * character)), int(min(image.shape[1], r + STRIP_MARGIN * character))
        y0, y1 = int(max(0, t - STRIP_REACH * character)), int(min(image.shape[0], b + STRIP_REACH * character))
        turned = cv2.rotate(image[y0:y1, x0:x1], cv2.ROTATE_90_CLOCKWISE)
        found = []
        # the turned strip's (u, v) is the strip's (v, height - 1 - u)
        for line in detect(turned, STRIP_MAX_UPSCALE):
            u0, v0, u1, v1 = bounding_box(np.array(line.polygon))
            box = (x0 + v0, y1 - 1 - u1, x0 + v1, y1 - 1 - u0)
            if min(box[3], b) > max(box[1], t):
                found.append((box, line.score))
        if len(found) != 1:
            continue
        (fl, ft, fr, fb), score = found[0]
        low, high = LINE_WIDTH
        if fb - ft < 0.8 * (b - t) or not low * character < fr - fl < high * character:
            continue
        fl, fr = min(fl, l), max(fr, r)
        inside = {k for k, (rl, rt, rr, rb) in enumerate(rects)
                  if fl <= (rl + rr) / 2 <= fr and ft <= (rt + rb) / 2 <= fb and rr - rl < high * character}
        replaced = sorted(inside | set(chain))
        used.update(replaced)
        joined.append(DetectedLine(polygon=to_polygon(np.array([(fl, ft), (fr, ft), (fr, fb), (fl, fb)])),
                                   score=score, replaces=[lines[k] for k in replaced]))
    return [line for k, line in enumerate(lines) if k not in used] + joined
