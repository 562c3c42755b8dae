"""Amazon Textract DetectDocumentText-compatible JSON.

Consumers that already parse Textract (amazon-textract-textractor, the response
parser, their own code) read ocrflow results unchanged: PAGE, LINE and WORD
blocks with CHILD relationships, confidences 0-100 and geometry normalised to
the input page. Block Ids are UUIDs derived from the document id and the line
id, so the same result always renders to the same JSON.
"""

from __future__ import annotations

import uuid

import numpy as np

from ..schema.document import Document, Page

NAMESPACE = uuid.UUID("6f1c2a64-3f5e-4a8e-9b1e-0c9a7d1e5b42")
MODEL_VERSION = "1.0"


def geometry(polygon, width: int, height: int) -> dict:
    pts = np.asarray(polygon, dtype=np.float64).reshape(-1, 2) / [width, height]
    pts = np.clip(pts, 0.0, 1.0)
    left, top = pts.min(axis=0)
    right, bottom = pts.max(axis=0)
    return {
        "BoundingBox": {"Width": float(right - left), "Height": float(bottom - top),
                        "Left": float(left), "Top": float(top)},
        "Polygon": [{"X": float(x), "Y": float(y)} for x, y in pts],
    }


def _id(document_id: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{document_id}/{name}"))


def page_blocks(document_id: str, page: Page) -> list[dict]:
    w, h = page.width, page.height
    page_id = _id(document_id, f"p{page.number}")
    blocks: list[dict] = []
    line_ids = []
    for line in page.lines:
        line_id = _id(document_id, line.id)
        line_ids.append(line_id)
        word_ids = [_id(document_id, f"{line.id}-w{k}") for k in range(len(line.words))]
        blocks.append({
            "BlockType": "LINE", "Id": line_id, "Page": page.number,
            "Confidence": round(line.confidence * 100, 4), "Text": line.text,
            "Geometry": geometry(line.polygon, w, h),
            "Relationships": [{"Type": "CHILD", "Ids": word_ids}] if word_ids else [],
        })
        for word_id, word in zip(word_ids, line.words):
            blocks.append({
                "BlockType": "WORD", "Id": word_id, "Page": page.number,
                "Confidence": round(word.confidence * 100, 4), "Text": word.text,
                "TextType": "PRINTED", "Geometry": geometry(word.polygon, w, h),
            })
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    page_block = {
        "BlockType": "PAGE", "Id": page_id, "Page": page.number,
        "Geometry": geometry(corners, w, h),
        "Relationships": [{"Type": "CHILD", "Ids": line_ids}] if line_ids else [],
    }
    return [page_block, *blocks]


def to_textract(document: Document) -> dict:
    blocks = [b for page in document.pages for b in page_blocks(document.document_id, page)]
    return {
        "DocumentMetadata": {"Pages": len(document.pages)},
        "Blocks": blocks,
        "DetectDocumentTextModelVersion": MODEL_VERSION,
    }
