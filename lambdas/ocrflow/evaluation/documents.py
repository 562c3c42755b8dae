"""Scoring a whole result document against its ground truth: what the scorer Lambda and
``ocrflow eval`` emit as ``OcrTestScored``.

Ground truth comes as a SageMaker Ground Truth manifest line (one page, pixel
polygons) or as Textract JSON (LINE blocks, normalised geometry, any number of
pages).
"""

from __future__ import annotations

import json

import numpy as np

from ..geometry import bounding_box, quarter_turn
from ..schema.document import Document, Page
from ..schema.events import DetectionScores, OcrTestScored, TestCase, WordScores
from ..stages.reading_order import reading_order
from .scoring import ScoredLine, aggregate, edit_distance, normalize, score_page


def truth_from_manifest_line(record: dict) -> list[list[ScoredLine]]:
    return [[ScoredLine(text=t["text"], polygon=[(p["x"], p["y"]) for p in t["polygon"]],
                        ignore=bool(t.get("incomplete", False)))
             for t in record.get("annotations", {}).get("texts", [])]]


def truth_from_textract(response: dict, sizes: list[tuple[int, int]]) -> list[list[ScoredLine]]:
    pages: list[list[ScoredLine]] = [[] for _ in sizes]
    for block in response.get("Blocks", []):
        if block.get("BlockType") != "LINE":
            continue
        number = block.get("Page", 1)
        if not 1 <= number <= len(sizes):
            continue
        w, h = sizes[number - 1]
        polygon = [(p["X"] * w, p["Y"] * h) for p in block["Geometry"]["Polygon"]]
        pages[number - 1].append(ScoredLine(text=block.get("Text", ""), polygon=polygon))
    return pages


def load_ground_truth(data: bytes, sizes: list[tuple[int, int]]) -> list[list[ScoredLine]]:
    """Either format, told apart by its keys."""
    record = json.loads(data)
    if "Blocks" in record:
        return truth_from_textract(record, sizes)
    if "annotations" in record:
        return truth_from_manifest_line(record)
    raise ValueError("ground truth is neither a manifest line (annotations) nor Textract JSON (Blocks)")


def _truth_text(lines: list[ScoredLine], page: Page) -> str:
    """Ground-truth text in reading order, ordered on the page turned the way ocrflow turned it."""
    kept = [line for line in lines if not line.ignore]
    turn = quarter_turn(page.rotation.angle, page.width, page.height)
    boxes = [bounding_box(turn.apply(np.array(line.polygon))) for line in kept]
    return " ".join(kept[i].text for i in reading_order(boxes))


def score_document(document: Document | None, truth: list[list[ScoredLine]], case: TestCase, *,
                   failure_code: str | None = None,
                   stage_milliseconds: dict[str, float] | None = None,
                   document_id: str = "") -> OcrTestScored:
    """Scores of a result (or of a failure: nothing predicted) against the ground truth."""
    pages = document.pages if document is not None else []
    per_page, expected_text, predicted_text = [], [], []
    for index, lines in enumerate(truth):
        page = pages[index] if index < len(pages) else None
        predicted = [ScoredLine(l.text, l.polygon) for l in page.lines] if page else []
        shape = (page.height, page.width) if page else _shape_of(lines)
        per_page.append(score_page(lines, predicted, shape))
        predicted_text.append(" ".join(l.text for l in page.lines) if page else "")
        expected_text.append(_truth_text(lines, page) if page else
                             " ".join(l.text for l in lines if not l.ignore))
    total = aggregate(per_page)
    truth_chars, got_chars = normalize(" ".join(expected_text)), normalize(" ".join(predicted_text))
    truth_words, got_words = truth_chars.split(), got_chars.split()
    rotation_correct = None
    if case.expected_rotation is not None and pages:
        rotation_correct = pages[0].rotation.angle == case.expected_rotation
    counts = {k: sum(p[k] for p in per_page) for k in
              ("word_tp", "word_pred", "word_gt", "alnum_tp", "alnum_pred", "alnum_gt", "line_chars",
               "line_char_errors", "lines_gt",
               "lines_pred", "lines_matched")}
    counts.update(chars=len(truth_chars), char_errors=edit_distance(truth_chars, got_chars),
                  words=len(truth_words), word_errors=edit_distance(truth_words, got_words),
                  pages=len(per_page))
    return OcrTestScored(
        document_id=document.document_id if document else document_id,
        dataset=case.dataset, case_id=case.case_id, variant=case.variant,
        outcome="failed" if document is None else "completed", failure_code=failure_code,
        word=WordScores(**total["word"]), alnum=WordScores(**total["alnum"]),
        cer=counts["char_errors"] / counts["chars"] if counts["chars"] else float(bool(got_chars)),
        wer=counts["word_errors"] / counts["words"] if counts["words"] else float(bool(got_words)),
        line_cer=total["line_cer"],
        detection=DetectionScores(recall=total["detection_recall"], precision=total["detection_precision"]),
        rotation_correct=rotation_correct, rotations=[page.rotation.angle for page in pages], counts=counts,
        stage_milliseconds=stage_milliseconds or {},
    )


def _shape_of(lines: list[ScoredLine]) -> tuple[int, int]:
    if not lines:
        return (1, 1)
    pts = np.concatenate([np.array(l.polygon) for l in lines])
    return int(pts[:, 1].max()) + 1, int(pts[:, 0].max()) + 1
