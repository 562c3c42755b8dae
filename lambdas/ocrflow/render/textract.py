"""Amazon Textract JSON, as AnalyzeDocument with the Layout feature writes it.

Consumers that already parse Textract (amazon-textract-textractor, the response
parser, their own code) read ocrflow results unchanged: PAGE, LINE and WORD blocks
with CHILD relationships, and a LAYOUT_TITLE / HEADER / FOOTER / TEXT / TABLE /
FIGURE block per paragraph whose children are its lines, so that textractor's
``get_text()`` and ``to_markdown()`` keep the paragraphs. Confidences are 0-100 and
geometry is normalised to the input page.

Textract splits a printed row into separate LINE blocks where the gap between words
is wide (two table columns, a key and a distant value; in its own responses the split
sits at about three line heights, words within a phrase stay together); ocrflow's
lines are split the same way here. Block ids are UUIDs derived from the document id
and the line id, so the same result always renders to the same JSON.
"""

from __future__ import annotations

import uuid

import numpy as np

from ..schema.document import Document, Line, Page, Word
from .layout import blocks

NAMESPACE = uuid.UUID("6f1c2a64-3f5e-4a8e-9b1e-0c9a7d1e5b42")
MODEL_VERSION = "1.0"
SPLIT_GAP = 2.5  # in line heights: a wider gap between two words starts a new LINE
LAYOUT_TYPES = {"title": "LAYOUT_TITLE", "header": "LAYOUT_HEADER", "footer": "LAYOUT_FOOTER",
                "table": "LAYOUT_TABLE", "figure": "LAYOUT_FIGURE", "text": "LAYOUT_TEXT"}


def geometry(polygon, width: int, height: int) -> dict:
    pts = np.clip(np.asarray(polygon, dtype=np.float64).reshape(-1, 2) / [width, height], 0.0, 1.0)
    left, top = pts.min(axis=0)
    right, bottom = pts.max(axis=0)
    return {"BoundingBox": {"Width": float(right - left), "Height": float(bottom - top),
                            "Left": float(left), "Top": float(top)},
            "Polygon": [{"X": float(x), "Y": float(y)} for x, y in pts]}


def _id(document_id: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{document_id}/{name}"))


def split_line(line: Line) -> list[list[Word]]:
    """The line's words in runs separated by gaps wider than SPLIT_GAP line heights, measured
    along the line (whatever its direction on the page)."""
    if len(line.words) < 2:
        return [list(line.words)]
    quad = np.asarray(line.polygon, dtype=np.float64)
    along = quad[1] - quad[0]
    along /= np.linalg.norm(along) or 1.0
    height = float(np.linalg.norm(quad[3] - quad[0])) or 1.0
    spans = [np.asarray(word.polygon, dtype=np.float64) @ along for word in line.words]
    runs = [[line.words[0]]]
    for previous, span, word in zip(spans, spans[1:], line.words[1:]):
        if span.min() - previous.max() > SPLIT_GAP * height:
            runs.append([])
        runs[-1].append(word)
    return runs


def run_polygon(words: list[Word]) -> list[tuple[float, float]]:
    first, last = np.asarray(words[0].polygon), np.asarray(words[-1].polygon)
    return [tuple(first[0]), tuple(last[1]), tuple(last[2]), tuple(first[3])]


def with_children(block: dict, ids: list[str]) -> dict:
    if ids:  # Textract writes no empty Relationships
        block["Relationships"] = [{"Type": "CHILD", "Ids": ids}]
    return block


def page_blocks(document_id: str, page: Page) -> list[dict]:
    w, h = page.width, page.height
    line_blocks: dict[str, list[dict]] = {}
    words_out: list[dict] = []
    for line in page.lines:
        parts = []
        for k, run in enumerate(split_line(line)):
            key = line.id if k == 0 else f"{line.id}.{k}"
            word_ids = []
            for word in run:
                word_id = _id(document_id, f"{key}-w{len(word_ids)}")
                word_ids.append(word_id)
                words_out.append({"BlockType": "WORD", "Id": word_id, "Page": page.number,
                                  "Confidence": round(word.confidence * 100, 4), "Text": word.text,
                                  "TextType": "PRINTED", "Geometry": geometry(word.polygon, w, h)})
            text = " ".join(word.text for word in run) if len(line.words) > 1 else line.text
            polygon = run_polygon(run) if len(line.words) > 1 else line.polygon
            parts.append(with_children({"BlockType": "LINE", "Id": _id(document_id, key), "Page": page.number,
                                        "Confidence": round(line.confidence * 100, 4), "Text": text,
                                        "Geometry": geometry(polygon, w, h)}, word_ids))
        line_blocks[line.id] = parts
    layouts = []
    for index, block in enumerate(blocks(page)):
        ids = [part["Id"] for line in block.lines for part in line_blocks[line.id]]
        l, t, r, b = block.box
        layouts.append(with_children({
            "BlockType": LAYOUT_TYPES[block.kind], "Id": _id(document_id, f"p{page.number}-layout{index}"),
            "Page": page.number, "Confidence": round(block.confidence * 100, 4),
            "Geometry": geometry([(l, t), (r, t), (r, b), (l, b)], w, h)}, ids))
    lines = [part for parts in line_blocks.values() for part in parts]
    page_block = with_children({"BlockType": "PAGE", "Id": _id(document_id, f"p{page.number}"), "Page": page.number,
                                "Geometry": geometry([(0, 0), (w, 0), (w, h), (0, h)], w, h)},
                               [block["Id"] for block in lines + layouts])
    return [page_block, *lines, *words_out, *layouts]


def to_textract(document: Document) -> dict:
    return {"DocumentMetadata": {"Pages": len(document.pages)}, "JobStatus": "SUCCEEDED",
            "Blocks": [block for page in document.pages for block in page_blocks(document.document_id, page)],
            "AnalyzeDocumentModelVersion": MODEL_VERSION}
