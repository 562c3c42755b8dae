"""Reading order and paragraphs, on line boxes of the upright page.

Order is a recursive XY-cut that only splits a band into columns when the two
sides do not share rows: a receipt's item/price pairs or a form's key/value
pairs read row by row, a two-column article reads column by column.

Paragraph breaks use the four cues Textract users apply after the fact: extra
line spacing, a change of font size (line height), indentation, and a full
stop on a line that ends short of the column's right edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROW_OVERLAP = 0.5
SHARED_ROWS_FOR_TABLE = 0.3
MIN_COLUMN_GAP = 1.5  # in median line heights
PARAGRAPH_GAP = 0.8  # extra spacing, in line heights
FONT_CHANGE = 0.3
INDENT = 1.2  # in line heights
SHORT_LINE = 0.8
SENTENCE_END = (".", "!", "?", ":")


@dataclass(frozen=True)
class Box:
    index: int
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


def vertical_overlap(a: Box, b: Box) -> float:
    inter = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(0.0, inter) / min(a.height, b.height)


def gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Cut positions between intervals that leave at least ``min_gap`` of empty space."""
    cuts, reach = [], None
    for start, end in sorted(intervals):
        if reach is not None and start - reach >= min_gap:
            cuts.append((start + reach) / 2.0)
        reach = end if reach is None else max(reach, end)
    return cuts


def rows(boxes: list[Box]) -> list[list[Box]]:
    """Group into rows by vertical overlap, top to bottom, each row left to right."""
    out: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        for row in out:
            if any(vertical_overlap(box, other) >= ROW_OVERLAP for other in row):
                row.append(box)
                break
        else:
            out.append([box])
    out.sort(key=lambda row: np.median([(b.top + b.bottom) / 2 for b in row]))
    return [sorted(row, key=lambda b: b.left) for row in out]


def shares_rows(left: list[Box], right: list[Box]) -> bool:
    aligned = sum(1 for a in left if any(vertical_overlap(a, b) >= ROW_OVERLAP for b in right))
    return aligned >= SHARED_ROWS_FOR_TABLE * min(len(left), len(right))


def xy_cut(boxes: list[Box], line_height: float) -> list[Box]:
    if len(boxes) <= 1:
        return boxes
    bands = _split(boxes, gaps([(b.top, b.bottom) for b in boxes], line_height * 0.5), "y")
    if len(bands) > 1:
        return [b for band in bands for b in xy_cut(band, line_height)]
    cuts = gaps([(b.left, b.right) for b in boxes], line_height * MIN_COLUMN_GAP)
    columns = _split(boxes, cuts, "x")
    if len(columns) > 1 and not any(
        shares_rows(columns[i], columns[i + 1]) for i in range(len(columns) - 1)
    ):
        return [b for column in columns for b in xy_cut(column, line_height)]
    return [b for row in rows(boxes) for b in row]


def _split(boxes: list[Box], cuts: list[float], axis: str) -> list[list[Box]]:
    if not cuts:
        return [boxes]
    groups: list[list[Box]] = [[] for _ in range(len(cuts) + 1)]
    for box in boxes:
        centre = (box.top + box.bottom) / 2 if axis == "y" else (box.left + box.right) / 2
        groups[int(np.searchsorted(cuts, centre))].append(box)
    return [g for g in groups if g]


def reading_order(boxes: list[tuple[float, float, float, float]]) -> list[int]:
    """Indices of (l, t, r, b) boxes in reading order."""
    items = [Box(i, *b) for i, b in enumerate(boxes)]
    if not items:
        return []
    line_height = float(np.median([b.height for b in items]))
    return [b.index for b in xy_cut(items, line_height)]


def paragraphs(boxes: list[tuple[float, float, float, float]],
               texts: list[str]) -> tuple[list[int], list[int]]:
    """Paragraph and row number of each line, for lines already in reading order.

    Consecutive lines on one row (a label and its value, an item and its price)
    share a row and a paragraph; the paragraph cues are compared between rows.
    """
    if not boxes:
        return [], []
    items = [Box(i, *b) for i, b in enumerate(boxes)]
    row_of: list[int] = []
    rows_: list[int] = []
    for k, box in enumerate(items):
        if k and vertical_overlap(items[k - 1], box) >= ROW_OVERLAP and box.left >= items[k - 1].left:
            row_of.append(row_of[-1])
        else:
            rows_.append(k)
            row_of.append(len(rows_) - 1)
    firsts = [items[k] for k in rows_]
    lasts = [items[max(j for j, r in enumerate(row_of) if r == n)] for n in range(len(rows_))]
    column_right = max(b.right for b in items)
    numbers, current = [0], 0
    for n in range(1, len(rows_)):
        prev, box, prev_end = firsts[n - 1], firsts[n], lasts[n - 1]
        height = min(prev.height, box.height)
        if (box.top < prev.top - 0.5 * height  # a new column
                or box.top - prev.bottom > PARAGRAPH_GAP * height
                or abs(box.height - prev.height) > FONT_CHANGE * max(prev.height, box.height)
                or abs(box.left - prev.left) > INDENT * height
                or (texts[prev_end.index].rstrip().endswith(SENTENCE_END)
                    and prev_end.right < prev.left + SHORT_LINE * (column_right - prev.left))):
            current += 1
        numbers.append(current)
    return [numbers[r] for r in row_of], row_of
