"""Tesseract's TSV: level, page, block, paragraph, line and word numbers, the box (left, top,
width, height in input-image pixels), confidence (-1 above word level) and text."""

from __future__ import annotations

import numpy as np

from ..geometry import bounding_box
from ..schema.page import Paged
from .layout import blocks

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def row(level: int, numbers: tuple[int, ...], box, conf: float, text: str = "") -> str:
    l, t, r, b = (int(round(v)) for v in box)
    cells = [level, *numbers, l, t, r - l, b - t, f"{conf:.2f}" if conf >= 0 else -1, text.replace("\t", " ")]
    return "\t".join(str(cell) for cell in cells)


def to_tsv(document: Paged) -> str:
    out = [HEADER]
    for page in document.pages:
        p = page.number
        out.append(row(1, (p, 0, 0, 0, 0), (0, 0, page.width, page.height), -1))
        for b, block in enumerate(blocks(page), 1):
            out.append(row(2, (p, b, 0, 0, 0), block.box, -1))
            out.append(row(3, (p, b, 1, 0, 0), block.box, -1))
            for n, line in enumerate(block.lines, 1):
                out.append(row(4, (p, b, 1, n, 0), bounding_box(np.asarray(line.polygon)), -1))
                for w, word in enumerate(line.words, 1):
                    out.append(row(5, (p, b, 1, n, w), bounding_box(np.asarray(word.polygon)),
                                   word.confidence * 100, word.text))
    return "\n".join(out) + "\n"
