"""A table block's grid: rows from the block's visual rows, columns from where its cells sit.

A cell is a run of words (a Textract LINE: ``split_line`` cuts a printed row at its wide gaps).
Columns are the x-intervals that the cells of ordinary width cover, merged where they overlap;
a cell wider than half the table (a heading over several columns) is left out of that
projection and spans the columns it covers, which Textract writes as a MERGED_CELL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..geometry import bounding_box
from ..schema.page import Word
from .layout import Block

WIDE = 0.5  # a cell wider than this share of the table spans columns instead of defining one


@dataclass
class Cell:
    row: int  # 1-based, as Textract's RowIndex
    column: int
    column_span: int = 1
    words: list[Word] = field(default_factory=list)
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def _box(words: list[Word]) -> tuple[float, float, float, float]:
    return bounding_box(np.concatenate([np.asarray(word.polygon, dtype=np.float64) for word in words]))


def columns(runs: list[list[Word]], width: float) -> list[tuple[float, float]]:
    """The table's column intervals, left to right."""
    spans = sorted((l, r) for l, _, r, _ in map(_box, runs) if r - l <= WIDE * width) or \
        sorted((l, r) for l, _, r, _ in map(_box, runs))
    merged: list[list[float]] = []
    for left, right in spans:
        if merged and left < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [(left, right) for left, right in merged]


def grid(block: Block, split) -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[Cell]]:
    """(column intervals, row intervals, cells with words) of a table block; ``split`` cuts a line into
    its runs of words. Every (row, column) has a cell, empty where nothing is printed."""
    rows = [[run for line in row for run in split(line) if run] for row in block.rows()]
    rows = [row for row in rows if row]
    l, _, r, _ = block.box
    cols = columns([run for row in rows for run in row], r - l)
    row_spans = [(_box([w for run in row for w in run])[1], _box([w for run in row for w in run])[3]) for row in rows]
    cells: list[Cell] = []
    for i, row in enumerate(rows, 1):
        row_cells = [Cell(i, j) for j in range(1, len(cols) + 1)]
        for run in row:
            left, _, right, _ = _box(run)
            covered = [j for j, (a, b) in enumerate(cols) if min(right, b) - max(left, a) > 0] or \
                [int(np.argmin([abs((a + b) / 2 - (left + right) / 2) for a, b in cols]))]
            first, last = min(covered), max(covered)
            row_cells[first].column_span = max(row_cells[first].column_span, last - first + 1)
            for word in run:  # each word in the column its middle falls in, within the run's span
                wl, _, wr, _ = _box([word])
                middle = (wl + wr) / 2
                j = min(range(first, last + 1), key=lambda k: 0 if cols[k][0] <= middle <= cols[k][1]
                        else min(abs(middle - cols[k][0]), abs(middle - cols[k][1])))
                row_cells[j].words.append(word)
        cells += row_cells
    _, t, _, b = block.box
    x_edges, y_edges = tiled(cols, l, r), tiled(row_spans, t, b)
    for cell in cells:  # cells tile the table, as Textract's do: edges halfway across the gaps
        cell.box = (x_edges[cell.column - 1], y_edges[cell.row - 1], x_edges[cell.column], y_edges[cell.row])
    return cols, row_spans, cells


def tiled(spans: list[tuple[float, float]], start: float, end: float) -> list[float]:
    """Edges of consecutive intervals that tile [start, end]: the first and last edges, and the
    middle of each gap (or overlap) between neighbours."""
    return [start] + [(a[1] + b[0]) / 2 for a, b in zip(spans, spans[1:])] + [end]
