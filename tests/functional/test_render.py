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


@pytest.fixture(scope="module")
def images(letter_page):
    from ocrflow.synthetic import rotate_page

    return [letter_page[0], rotate_page(letter_page[0], 90)]


def test_textractor_keeps_the_paragraphs(document):
    from textractor.entities.document import Document as TextractorDocument

    parsed = TextractorDocument.open(json.loads(json.dumps(to_textract(document))))
    page = parsed.pages[0]
    assert [layout.layout_type for layout in page.layouts][:1] in (["LAYOUT_HEADER"], ["LAYOUT_TITLE"],
                                                                   ["LAYOUT_TEXT"])
    paragraphs = [p.strip() for p in page.to_markdown().split("\n\n") if p.strip()]
    assert paragraphs[1:3] == [
        "Revenue grew by 12 percent in the third quarter, driven by strong demand for our new product line.",
        "Operating costs stayed flat at 4.2 million while headcount rose to 37 people."]
    assert len([p for p in page.get_text().split("\n\n") if p.strip()]) == 4


def test_the_textract_response_parser_loads_it(document, letter_page):
    from trp import Document as TrpDocument

    parsed = TrpDocument(to_textract(document))
    assert len(parsed.pages) == 2
    assert [line.text for line in parsed.pages[0].lines] == [t.text for t in letter_page[1]]


def test_hocr_matches_the_json_and_stays_on_the_page(document):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(document.to_hocr().encode())
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = root.findall(".//h:div[@class='ocr_page']", ns)
    assert len(pages) == 2
    for page, result in zip(pages, document.pages):
        words = page.findall(".//h:span[@class='ocrx_word']", ns)
        assert [w.text for w in words] == [word.text for line in result.lines for word in line.words]
        for word in words:
            left, top, right, bottom = map(int, word.get("title").split(";")[0].split()[1:])
            assert 0 <= left < right <= result.width and 0 <= top < bottom <= result.height


def test_the_searchable_pdf_carries_the_words_on_their_boxes(document, images):
    import numpy as np
    import pypdfium2 as pdfium

    from ocrflow.geometry import bounding_box
    from ocrflow.render.pdf import PageSource, to_pdf

    DPI = 200.0
    sources = [PageSource(image, image.shape[1], image.shape[0], DPI) for image in images]
    pdf = pdfium.PdfDocument(to_pdf(document, sources))
    assert len(pdf) == 2
    scale = 72.0 / DPI
    for page, result in zip(pdf, document.pages):
        textpage = page.get_textpage()
        lines = textpage.get_text_range().replace("\r", "").split("\n")
        assert lines == [line.text for line in result.lines]
        height = page.get_height()
        for line in result.lines:
            for word in line.words:  # the word's text is found inside the word's box on the page
                l, t, r, b = bounding_box(np.array(word.polygon))
                found = textpage.get_text_bounded(l * scale - 1, height - b * scale - 1, r * scale + 1,
                                                  height - t * scale + 1)
                assert word.text in found.replace("\r\n", " "), (word.text, found)
