"""A page as blocks of lines with a layout kind: what every structured rendering starts from
(Textract's LAYOUT_* blocks, Markdown's headings and tables, hOCR's content areas).

Each paragraph is a block, in reading order; its kind is the layout region most of its
lines fall in. The layout model is a hint, so two of its habits are corrected: a figure
region that holds most of the page's lines is not a figure (it calls a whole receipt
one, and its text is the page's text), and a "title" of more than TITLE_ROWS rows, or one
that ends a sentence, is a paragraph (it calls large print a title). Consecutive table paragraphs
in the same table region form one table. A block's confidence is the layout model's score for the
region its lines fall in (for lines in no region, the mean of their text confidences).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..geometry import bounding_box, box_area, box_intersection
from ..schema.page import Line, Page, Word

KINDS = {"title": "title", "header": "header", "footer": "footer", "table": "table", "figure": "figure"}
FIGURE_SHARE = 0.5  # a "figure" holding more of the page's lines than this is the page itself
TITLE_ROWS = 2
REGION_COVER = 0.5  # a region holds a line when it covers this share of the line's box (as validation assigns)


def words_of(line: Line) -> list[Word | Line]:
    """A line's words, or the line itself where it has no word boxes (drawn as one word)."""
    return [*line.words] or [line]


@dataclass(frozen=True)
class Block:
    kind: str  # title, header, footer, table, figure or text
    lines: tuple[Line, ...]
    region: int | None = None  # index into Page.regions of the region most of its lines fall in
    score: float | None = None  # the layout model's score for that region

    @property
    def box(self) -> tuple[float, float, float, float]:
        return bounding_box(np.concatenate([np.array(line.polygon) for line in self.lines]))

    @property
    def confidence(self) -> float:
        """The layout model's score for the block's region, else the mean of its lines' confidences."""
        return self.score if self.score is not None else float(np.mean([line.confidence for line in self.lines]))

    def rows(self) -> list[list[Line]]:
        """The block's lines grouped by visual row, each row left to right."""
        grouped: dict[int, list[Line]] = {}
        for line in self.lines:
            grouped.setdefault(line.row, []).append(line)
        return [sorted(row, key=lambda line: bounding_box(np.array(line.polygon))[0])
                for _, row in sorted(grouped.items())]


def page_kinds(page: Page) -> dict[str, str]:
    """Line id -> kind, with the whole-page figure read as text."""
    figure_lines = sum(line.region == "figure" for line in page.lines)
    page_is_figure = figure_lines > FIGURE_SHARE * max(1, len(page.lines))
    kinds = {}
    for line in page.lines:
        kind = KINDS.get(line.region or "", "text")
        kinds[line.id] = "text" if kind == "figure" and page_is_figure else kind
    return kinds


def line_regions(page: Page) -> dict[str, int]:
    """Line id -> index of the region it was labelled from: the smallest region of the line's label
    covering REGION_COVER of its box."""
    boxes = [bounding_box(np.asarray(region.polygon, dtype=np.float64)) for region in page.regions]
    out = {}
    for line in page.lines:
        box = bounding_box(np.asarray(line.polygon, dtype=np.float64))
        area = box_area(box) or 1.0
        covering = [i for i, region in enumerate(page.regions) if region.label == line.region
                    and box_intersection(box, boxes[i]) >= REGION_COVER * area]
        if covering:
            out[line.id] = min(covering, key=lambda i: box_area(boxes[i]))
    return out


def blocks(page: Page) -> list[Block]:
    kinds, regions = page_kinds(page), line_regions(page)
    by_id = {line.id: line for line in page.lines}
    out: list[Block] = []
    for paragraph in page.paragraphs:
        lines = tuple(by_id[i] for i in paragraph.line_ids if i in by_id)
        if not lines:
            continue
        kind = Counter(kinds[line.id] for line in lines).most_common(1)[0][0]
        if kind == "title" and (len({line.row for line in lines}) > TITLE_ROWS
                                or lines[-1].text.rstrip().endswith((".", "!", "?"))):
            kind = "text"
        held = [regions[line.id] for line in lines if line.id in regions]
        region = Counter(held).most_common(1)[0][0] if held else None
        score = page.regions[region].score if region is not None else None
        if kind == "table" and out and out[-1].kind == "table" and out[-1].region == region:
            out[-1] = Block("table", out[-1].lines + lines, region, score)
        else:
            out.append(Block(kind, lines, region, score))
    return out
