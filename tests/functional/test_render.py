"""Renderings: plain text and Textract JSON, the latter read back with amazon-textract-textractor."""

from __future__ import annotations

import json

import pytest

from ocrflow.render import to_text, to_textract
from ocrflow.stages.validation import assemble_document


@pytest.fixture(scope="module")
def document(pipeline, letter_page):
    from ocrflow.synthetic import rotate_page

    pages = [pipeline(letter_page[0], 1), pipeline(rotate_page(letter_page[0], 90), 2)]
    return assemble_document("doc-1", pages, pipeline.models)


def test_text_has_blank_lines_between_paragraphs_and_form_feeds_between_pages(document):
    first, second = to_text(document).rstrip("\n").split("\n\f")
    assert first == second
    assert first.split("\n\n") == [
        "Quarterly Report",
        "Revenue grew by 12 percent in the third\nquarter, driven by strong demand for\n"
        "our new product line.",
        "Operating costs stayed flat at 4.2 million\nwhile headcount rose to 37 people.",
        "Contact: finance@example.com",
    ]


def test_textract_json_loads_in_textractor(document, letter_page):
    from textractor.entities.document import Document as TextractorDocument

    response = json.loads(json.dumps(to_textract(document)))
    parsed = TextractorDocument.open(response)
    assert len(parsed.pages) == 2
    expected = [t.text for t in letter_page[1]]
    assert [line.text for line in parsed.pages[0].lines] == expected
    for page in parsed.pages:  # textractor orders lines by their position on the page
        assert sorted(line.text for line in page.lines) == sorted(expected)
        for line in page.lines:
            assert " ".join(w.text for w in line.words) == line.text
        assert len(page.words) == sum(len(t.split()) for t in expected)
        for word in page.words:
            box = word.bbox
            assert 0 <= box.x <= 1 and 0 <= box.y <= 1 and box.width > 0 and box.height > 0
            assert 0.5 < word.confidence <= 1.0  # textractor scales Textract's 0-100 to 0-1


def test_textract_blocks_are_well_formed(document):
    blocks = to_textract(document)["Blocks"]
    ids = {b["Id"] for b in blocks}
    assert len(ids) == len(blocks)
    pages = [b for b in blocks if b["BlockType"] == "PAGE"]
    assert [p["Page"] for p in pages] == [1, 2]
    for block in blocks:
        for rel in block.get("Relationships", []):
            assert rel["Type"] == "CHILD" and set(rel["Ids"]) <= ids
        if block["BlockType"] == "WORD":
            assert block["TextType"] == "PRINTED"
        if block["BlockType"] in ("WORD", "LINE"):
            assert 50 < block["Confidence"] <= 100
    # The second page is sideways: its PAGE geometry is still the unit square.
    assert pages[1]["Geometry"]["BoundingBox"] == {"Width": 1.0, "Height": 1.0, "Left": 0.0, "Top": 0.0}
    assert to_textract(document) == to_textract(document), "ids are deterministic"
