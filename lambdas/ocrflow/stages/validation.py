"""Validation: assemble pages in input-image coordinates, order them, apply the rules.

Rules produce findings with stable codes; the status follows from them:
``failed`` when no page has readable text, ``needs_review`` when a page is
empty or too much of it is uncertain or suspicious, ``ok`` otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any, Mapping

import numpy as np

from ..geometry import Affine, bounding_box, box_area, box_intersection, to_polygon
from ..schema.document import (
    Document,
    Finding,
    Line,
    Page,
    PageRotation,
    Paragraph,
    RegionOut,
    Word,
)
from ..schema.stages import RecognitionResult, RegionsResult, RotationResult
from ..settings import ValidationSettings
from .reading_order import paragraphs, reading_order

REGION_COVER = 0.5
MAIN_SCRIPT_SHARE = 0.1
# Control characters, the replacement character and private-use code points never belong in text.
SUSPICIOUS = re.compile(r"[\u0000-\u001f\u007f-\u009f\ufffd\ue000-\uf8ff]")


def is_suspicious(text: str, page_scripts: set[str]) -> bool:
    """A line is suspicious when it holds impossible characters, or letters of a script the
    rest of the page does not use (a Latin receipt with one line of CJK is a misread)."""
    if SUSPICIOUS.search(text):
        return True
    return bool(scripts(text) - page_scripts)


def script_of(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ")[0]


def scripts(text: str) -> set[str]:
    return {script_of(char) for char in text if char.isalpha()}


def main_scripts(texts) -> set[str]:
    """The scripts the page is written in: each holding at least MAIN_SCRIPT_SHARE of its letters.
    Counted in letters, not lines, so that a page of one clean line has a script too."""
    letters = Counter(script_of(char) for text in texts for char in text if char.isalpha())
    total = sum(letters.values())
    return {script for script, count in letters.items() if count >= MAIN_SCRIPT_SHARE * total}


def region_of(box: tuple[float, ...], regions: RegionsResult) -> str | None:
    """The most specific region covering most of the line (smallest by area)."""
    area = box_area(box) or 1.0
    covering = [r for r in regions.regions if box_intersection(box, r.box) >= REGION_COVER * area]
    if not covering:
        return None
    return min(covering, key=lambda r: box_area(r.box)).label


class PageAssembler:
    """One page's stage results in (by stage name, as the pipeline and the page task collect
    them), a ``Page`` in input coordinates out."""

    def __init__(self, settings: ValidationSettings | None = None) -> None:
        self.settings = settings or ValidationSettings()

    def __call__(self, number: int, outputs: Mapping[str, Any]) -> Page:
        rotation: RotationResult = outputs["rotation"]
        regions: RegionsResult = outputs["regions"]
        recognition: RecognitionResult = outputs["recognition"]
        to_input = Affine(rotation.to_upright).inverse()
        lines = recognition.lines
        upright_boxes = [bounding_box(np.array(line.polygon)) for line in lines]
        order = reading_order(upright_boxes)
        ordered_boxes = [upright_boxes[i] for i in order]
        paragraph_of, row_of = paragraphs(ordered_boxes, [lines[i].text for i in order])
        out_lines: list[Line] = []
        for rank, (i, para, row) in enumerate(zip(order, paragraph_of, row_of)):
            line = lines[i]
            out_lines.append(Line(
                id=f"p{number}-l{rank}", text=line.text, confidence=line.confidence,
                polygon=to_polygon(to_input.apply(np.array(line.polygon))),
                region=region_of(upright_boxes[i], regions), paragraph=para, row=row,
                words=[Word(text=w.text, confidence=w.confidence,
                            polygon=to_polygon(to_input.apply(np.array(w.polygon))))
                       for w in line.words],
            ))
        page = Page(
            number=number, width=rotation.input_width, height=rotation.input_height,
            rotation=PageRotation(angle=rotation.angle, angle_confidence=rotation.angle_confidence,
                                  skew_degrees=rotation.skew_degrees),
            status="ok",
            mean_confidence=float(np.mean([l.confidence for l in out_lines])) if out_lines else 0.0,
            regions=[RegionOut(label=r.label, score=r.score, polygon=to_polygon(to_input.apply(
                np.array([[r.box[0], r.box[1]], [r.box[2], r.box[1]], [r.box[2], r.box[3]],
                          [r.box[0], r.box[3]]])))) for r in regions.regions],
            lines=out_lines,
            paragraphs=self._paragraphs(out_lines, paragraph_of, ordered_boxes, to_input),
        )
        return self._apply_rules(page)

    @staticmethod
    def _paragraphs(lines: list[Line], numbers: list[int], boxes, to_input: Affine) -> list[Paragraph]:
        out = []
        for number in sorted(set(numbers)):
            members = [k for k, n in enumerate(numbers) if n == number]
            corners = np.concatenate([to_input.apply(np.array(
                [[boxes[k][0], boxes[k][1]], [boxes[k][2], boxes[k][3]]])) for k in members])
            box = tuple(round(v, 1) for v in bounding_box(corners))
            out.append(Paragraph(line_ids=[lines[k].id for k in members], box=box))
        return out

    def _apply_rules(self, page: Page) -> Page:
        s = self.settings
        findings: list[Finding] = []
        if not page.lines:
            findings.append(Finding(code="EMPTY_PAGE", severity="warning", page=page.number,
                                    message="No readable text was found on the page"))
        low = [l.id for l in page.lines if l.confidence < s.low_confidence]
        if low:
            findings.append(Finding(
                code="LOW_CONFIDENCE_LINE", severity="info", page=page.number, line_ids=low,
                message=f"{len(low)} of {len(page.lines)} lines read with confidence < {s.low_confidence}"))
        page_scripts = main_scripts(line.text for line in page.lines)
        odd = [line.id for line in page.lines if is_suspicious(line.text, page_scripts)]
        if odd:
            findings.append(Finding(
                code="SUSPICIOUS_CHARACTERS", severity="info", page=page.number, line_ids=odd,
                message=f"{len(odd)} lines hold control characters or an unexpected script"))
        n = max(1, len(page.lines))
        review = (not page.lines or len(low) / n > s.review_share or len(odd) / n > s.suspicious_share)
        if review and page.lines:
            findings.append(Finding(code="PAGE_NEEDS_REVIEW", severity="warning", page=page.number,
                                    message="Too many uncertain or suspicious lines on the page"))
        return page.model_copy(update={"findings": findings,
                                       "status": "needs_review" if review else "ok"})


def assemble_document(document_id: str, pages: list[Page], models: dict[str, str],
                      variant: str | None = None) -> Document:
    findings: list[Finding] = []
    if not any(p.lines for p in pages):
        findings.append(Finding(code="NO_TEXT_FOUND", severity="error",
                                message="No page of the document has readable text"))
        status = "failed"
    elif any(p.status != "ok" for p in pages):
        status = "needs_review"
    else:
        status = "ok"
    return Document(document_id=document_id, status=status, models=models, variant=variant,
                    pages=sorted(pages, key=lambda p: p.number), findings=findings)
