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
lines are split the same way here. A LINE's confidence is the mean of its WORDs', as
Textract's is. In a paragraph, each row printed in columns (a receipt's item and its price)
is a LAYOUT_TEXT of its own, so that a reader keeps the rows apart; a
layout block's confidence is the layout model's (``layout.Block.confidence``). A table
region is a TABLE of CELLs (``tables.grid``), with a MERGED_CELL over cells that one
printed cell spans. Block ids are UUIDs derived from the document id and the line id, so
the same result always renders to the same JSON.
"""

from __future__ import annotations

import uuid

import numpy as np

from ..schema.page import Line, Page, Paged, Word
from .layout import Block, blocks
from .tables import grid

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


def _confidence(values) -> float:
    return round(float(np.mean(values)) * 100, 4)


def _box_geometry(box, w: int, h: int) -> dict:
    l, t, r, b = box
    return geometry([(l, t), (r, t), (r, b), (l, b)], w, h)


def layout_parts(block: Block, runs: dict[str, list[list[Word]]]) -> list[tuple[Line, ...]]:
    """The block's lines as Textract's layout blocks hold them: in a text block, each row printed in
    columns (several runs: an item and its price) is a block of its own, and the rows between such
    rows stay together; any other block is one."""
    if block.kind != "text":
        return [block.lines]
    parts: list[list[Line]] = []
    columns_before = True
    for row in block.rows():
        in_columns = sum(len(runs[line.id]) for line in row) > 1
        if in_columns or columns_before or not parts:
            parts.append([])
        parts[-1] += row
        columns_before = in_columns
    return [tuple(part) for part in parts]


def table_blocks(document_id: str, name: str, block: Block, page: Page, word_ids: dict[int, str]) -> list[dict]:
    """TABLE, its CELLs and MERGED_CELLs for a table block."""
    w, h = page.width, page.height
    _, _, cells = grid(block, split_line)
    out, cell_ids, merged_ids = [], [], []
    for cell in cells:
        cell_id = _id(document_id, f"{name}-r{cell.row}c{cell.column}")
        cell_ids.append(cell_id)
        out.append(with_children({
            "BlockType": "CELL", "Id": cell_id, "Page": page.number,
            "Confidence": _confidence([word.confidence for word in cell.words]) if cell.words else
            round(block.confidence * 100, 4),
            "RowIndex": cell.row, "ColumnIndex": cell.column, "RowSpan": 1, "ColumnSpan": 1,
            "Geometry": _box_geometry(cell.box, w, h)}, [word_ids[id(word)] for word in cell.words]))
    by_position = {(cell.row, cell.column): (cell, cell_id) for cell, cell_id in zip(cells, cell_ids)}
    for cell in cells:
        if cell.column_span > 1:
            spanned = [by_position[(cell.row, cell.column + k)] for k in range(cell.column_span)]
            merged_id = _id(document_id, f"{name}-r{cell.row}c{cell.column}-merged")
            merged_ids.append(merged_id)
            l, t, _, b = spanned[0][0].box
            r = spanned[-1][0].box[2]
            out.append(with_children({
                "BlockType": "MERGED_CELL", "Id": merged_id, "Page": page.number,
                "Confidence": round(block.confidence * 100, 4), "RowIndex": cell.row, "ColumnIndex": cell.column,
                "RowSpan": 1, "ColumnSpan": cell.column_span, "Geometry": _box_geometry((l, t, r, b), w, h)},
                [cell_id for _, cell_id in spanned]))
    table = with_children({"BlockType": "TABLE", "Id": _id(document_id, name), "Page": page.number,
                           "Confidence": round(block.confidence * 100, 4), "EntityTypes": ["STRUCTURED_TABLE"],
                           "Geometry": _box_geometry(block.box, w, h)}, cell_ids)
    if merged_ids:
        table["Relationships"].append({"Type": "MERGED_CELL", "Ids": merged_ids})
    return [table, *out]


def page_blocks(document_id: str, page: Page) -> list[dict]:
    w, h = page.width, page.height
    line_blocks: dict[str, list[dict]] = {}
    runs: dict[str, list[list[Word]]] = {}
    word_ids: dict[int, str] = {}  # id() of a Word -> its WORD block's id
    words_out: list[dict] = []
    for line in page.lines:
        parts = []
        runs[line.id] = split_line(line)
        for k, run in enumerate(runs[line.id]):
            key = line.id if k == 0 else f"{line.id}.{k}"
            ids: list[str] = []
            for word in run:
                word_id = _id(document_id, f"{key}-w{len(ids)}")
                ids.append(word_id)
                word_ids[id(word)] = word_id
                words_out.append({"BlockType": "WORD", "Id": word_id, "Page": page.number,
                                  "Confidence": round(word.confidence * 100, 4), "Text": word.text,
                                  "TextType": "PRINTED", "Geometry": geometry(word.polygon, w, h)})
            text = " ".join(word.text for word in run) if len(line.words) > 1 else line.text
            polygon = run_polygon(run) if len(line.words) > 1 else line.polygon
            confidence = _confidence([word.confidence for word in run]) if run else round(line.confidence * 100, 4)
            parts.append(with_children({"BlockType": "LINE", "Id": _id(document_id, key), "Page": page.number,
                                        "Confidence": confidence, "Text": text,
                                        "Geometry": geometry(polygon, w, h)}, ids))
        line_blocks[line.id] = parts
    layouts, tables = [], []
    for index, block in enumerate(blocks(page)):
        for k, lines in enumerate(layout_parts(block, runs)):
            ids = [part["Id"] for line in lines for part in line_blocks[line.id]]
            part = Block(block.kind, lines, block.region, block.score)
            layouts.append(with_children({
                "BlockType": LAYOUT_TYPES[block.kind],
                "Id": _id(document_id, f"p{page.number}-layout{index}" + (f".{k}" if k else "")),
                "Page": page.number, "Confidence": round(block.confidence * 100, 4),
                "Geometry": _box_geometry(part.box, w, h)}, ids))
        if block.kind == "table":
            tables += table_blocks(document_id, f"p{page.number}-table{index}", block, page, word_ids)
    line_parts = [part for parts in line_blocks.values() for part in parts]
    top = [b["Id"] for b in line_parts + layouts + tables if b["BlockType"] in ("LINE", "TABLE") or
           b["BlockType"].startswith("LAYOUT")]
    page_block = with_children({"BlockType": "PAGE", "Id": _id(document_id, f"p{page.number}"), "Page": page.number,
                                "Geometry": geometry([(0, 0), (w, 0), (w, h), (0, h)], w, h)}, top)
    return [page_block, *line_parts, *words_out, *layouts, *tables]


def to_textract(document: Paged) -> dict:
    return {"DocumentMetadata": {"Pages": len(document.pages)}, "JobStatus": "SUCCEEDED",
            "Blocks": [block for page in document.pages for block in page_blocks(document.document_id, page)],
            "AnalyzeDocumentModelVersion": MODEL_VERSION}
