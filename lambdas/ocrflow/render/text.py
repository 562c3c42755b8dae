"""Plain text in reading order: a blank line between paragraphs, a form feed
between pages (as pdftotext does)."""

from __future__ import annotations

import numpy as np

from ..geometry import bounding_box
from ..schema.document import Document, Line, Page


def _same_row(a: Line, b: Line) -> bool:
    _, at, _, ab = bounding_box(np.array(a.polygon))
    _, bt, _, bb = bounding_box(np.array(b.polygon))
    overlap = min(ab, bb) - max(at, bt)
    return overlap >= 0.5 * min(ab - at, bb - bt)


def page_text(page: Page) -> str:
    """Lines that share a row (an item and its price) are joined by a tab."""
    out: list[str] = []
    previous: Line | None = None
    for line in page.lines:
        if previous is not None and line.paragraph != previous.paragraph:
            out.append("")
        if previous is not None and line.paragraph == previous.paragraph and _same_row(previous, line):
            out[-1] += "\t" + line.text
        else:
            out.append(line.text)
        previous = line
    return "\n".join(out)


def to_text(document: Document) -> str:
    return "\f".join(page_text(p) for p in document.pages) + "\n"
