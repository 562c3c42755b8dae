"""A page as blocks of lines with a layout kind: what every structured rendering starts from
(Textract's LAYOUT_* blocks, Markdown's headings and tables, hOCR's content areas).

Each paragraph is a block, in reading order; its kind is the layout region most of its
lines fall in. The layout model is a hint, so two of its habits are corrected: a figure
region that holds most of the page's lines is not a figure (it calls a whole receipt
one, and its text is the page's text), and a "title" of more than TITLE_ROWS rows, or one
that ends a sentence, is a paragraph (it calls large print a title). Consecutive table paragraphs form one table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..geometry import bounding_box
from ..schema.document import Line, Page

KINDS = {"title": "title", "header": "header", "footer": "footer", "table": "table", "figure": "figure"}
FIGURE_SHARE = 0.5  # a "figure" holding more of the page's lines than this is the page itself
TITLE_ROWS = 2


@dataclass(frozen=True)
class Block:
    kind: str  # title, header, footer, table, figure or text
    lines: tuple[Line, ...]

    @property
    def box(self) -> tuple[float, float, float, float]:
        return bounding_box(np.concatenate([np.array(line.polygon) for line in self.lines]))

    @property
    def confidence(self) -> float:
        return float(np.mean([line.confidence for line in self.lines]))

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


def blocks(page: Page) -> list[Block]:
    kinds = page_kinds(page)
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
        if kind == "table" and out and out[-1].kind == "table":
            out[-1] = Block("table", out[-1].lines + lines)
        else:
            out.append(Block(kind, lines))
    return out
