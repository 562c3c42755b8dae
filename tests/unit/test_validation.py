"""Validation rules on hand-made stage results: findings, statuses, regions, geometry."""

from __future__ import annotations

import numpy as np
import pytest

from ocrflow.geometry import quarter_turn
from ocrflow.schema.stages import RecognitionResult, RecognizedLine, Region, RegionsResult, RotationResult
from ocrflow.stages.validation import PageAssembler, assemble_document, is_suspicious, main_scripts, region_of


def rotation(angle: int = 0, width: int = 1000, height: int = 800) -> RotationResult:
    up_w, up_h = (height, width) if angle in (90, 270) else (width, height)
    return RotationResult(model="m", angle=angle, angle_confidence=0.99, skew_degrees=0.0, input_width=width,
                          input_height=height, upright_width=up_w, upright_height=up_h,
                          to_upright=quarter_turn(angle, width, height).as_list())


def line(text: str, top: float, confidence: float = 0.99, left: float = 100, right: float = 700) -> RecognizedLine:
    return RecognizedLine(text=text, confidence=confidence, detection_score=0.9,
                          polygon=[(left, top), (right, top), (right, top + 30), (left, top + 30)])


def assemble(*lines: RecognizedLine, regions=()) -> object:
    return PageAssembler()(1, {"rotation": rotation(), "regions": RegionsResult(model="r", regions=list(regions)),
                               "recognition": RecognitionResult(model="c", lines=list(lines))})


def test_a_clean_one_line_page_is_ok():
    page = assemble(line("Cover letter for claim 88-1342", 100, confidence=0.999))
    assert page.status == "ok" and page.findings == []


def test_an_empty_page_needs_review():
    page = assemble()
    assert page.status == "needs_review" and [f.code for f in page.findings] == ["EMPTY_PAGE"]


def test_one_line_in_an_unexpected_script_is_suspicious():
    latin = [line(f"Item {k} costs 12.50 dollars", 40 * k) for k in range(9)]
    page = assemble(*latin, line("日本語", 400))
    (finding,) = [f for f in page.findings if f.code == "SUSPICIOUS_CHARACTERS"]
    assert finding.line_ids == [page.lines[-1].id]
    assert page.status == "ok", "one suspicious line of ten is a finding, not a review"


def test_too_many_uncertain_lines_need_review():
    page = assemble(*[line(f"blurred {k}", 40 * k, confidence=0.6) for k in range(4)], line("sharp", 300))
    codes = [f.code for f in page.findings]
    assert codes == ["LOW_CONFIDENCE_LINE", "PAGE_NEEDS_REVIEW"] and page.status == "needs_review"


def test_main_scripts_are_counted_in_letters():
    assert main_scripts(["Hello world", "42"]) == {"LATIN"}
    assert main_scripts(["Hello world " * 20, "日本"]) == {"LATIN"}
    assert main_scripts([]) == set()
    assert is_suspicious("abc\x07", {"LATIN"}) and not is_suspicious("abc", {"LATIN"})


def test_region_of_prefers_the_smallest_covering_region():
    regions = RegionsResult(model="r", regions=[Region(label="figure", score=0.9, box=(0, 0, 1000, 1000)),
                                                Region(label="title", score=0.9, box=(90, 90, 710, 140))])
    assert region_of((100, 100, 700, 130), regions) == "title"
    assert region_of((100, 500, 700, 530), regions) == "figure"
    assert region_of((1100, 500, 1200, 530), regions) is None


def test_geometry_is_mapped_back_to_the_input_page():
    upright_line = line("turned", 100, left=100, right=300)
    page = PageAssembler()(1, {"rotation": rotation(90), "regions": RegionsResult(model="r"),
                               "recognition": RecognitionResult(model="c", lines=[upright_line])})
    to_input = quarter_turn(90, 1000, 800).inverse()
    assert np.allclose(page.lines[0].polygon, to_input.apply(np.array(upright_line.polygon)), atol=0.1)
    assert (page.width, page.height) == (1000, 800)


@pytest.mark.parametrize("statuses,expected", [(["ok", "ok"], "ok"), (["ok", "needs_review"], "needs_review")])
def test_document_status_follows_its_pages(statuses, expected):
    pages = [assemble(line("text", 100)).model_copy(update={"number": n + 1, "status": s})
             for n, s in enumerate(statuses)]
    assert assemble_document("d", pages, {}).status == expected


def test_a_document_without_text_failed():
    document = assemble_document("d", [assemble()], {})
    assert document.status == "failed" and document.findings[0].code == "NO_TEXT_FOUND"
