"""The Python API: ``ocrflow.ocr(source)`` on every kind of source, reusable, and the same result as
``ocrflow run`` for the same file."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

import ocrflow
from ocrflow.errors import UnsupportedFormatError
from ocrflow.synthetic import render_page
from tests.functional.test_statemachine import pdf_of

LINES = ["Invoice 2026-0417", "Total due 64.49"]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_page(LINES)[0]


@pytest.fixture(scope="module")
def engine(pipeline):
    return ocrflow.OCR()


def texts(document) -> list[list[str]]:
    return [[line.text for line in p.lines] for p in document.pages]


def test_every_kind_of_source_reads_the_same(engine, page, tmp_path):
    ok, png = cv2.imencode(".png", page)
    path = tmp_path / "page.png"
    path.write_bytes(png.tobytes())
    rgb = Image.fromarray(page[:, :, ::-1])
    sources = {"path": str(path), "pathlib": path, "bytes": png.tobytes(), "file": io.BytesIO(png.tobytes()),
               "bgr array": page, "grey array": cv2.cvtColor(page, cv2.COLOR_BGR2GRAY),
               "16-bit array": page.astype(np.uint16) * 257, "pil": rgb, "pil grey": rgb.convert("L")}
    for name, source in sources.items():
        assert texts(engine(source)) == [LINES], name


def test_a_pdf_and_a_multi_frame_image_give_one_page_each(engine):
    pdf = pdf_of([LINES, ["Second page"]])
    assert texts(engine(pdf)) == [LINES, ["Second page"]]
    frames = [Image.fromarray(render_page(lines)[0][:, :, ::-1]) for lines in ([LINES[0]], [LINES[1]])]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:])
    assert texts(engine(Image.open(io.BytesIO(tiff.getvalue())))) == [[LINES[0]], [LINES[1]]]


def test_the_document_renders_every_format(page):
    document = ocrflow.ocr(page)
    assert document.text == "\n".join(LINES) + "\n"
    assert "Invoice" in document.to_markdown() and "ocrx_word" in document.to_hocr()
    assert document.to_textract()["JobStatus"] == "SUCCEEDED" and "Total" in document.to_tsv()
    assert document.to_pdf(page).startswith(b"%PDF-")


def test_progress_is_reported_per_page(engine):
    seen = []
    engine(pdf_of([["One"], ["Two"], ["Three"]]), on_page=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_an_unreadable_source_is_a_clear_error(engine):
    with pytest.raises(UnsupportedFormatError):
        engine(b"just some text")
    with pytest.raises(UnsupportedFormatError):
        engine(12345)
    with pytest.raises(UnsupportedFormatError):
        engine(np.zeros((4, 4, 2), np.uint8))


def test_the_same_result_as_ocrflow_run(page, tmp_path, capsys):
    from ocrflow.cli import main

    ok, png = cv2.imencode(".png", page)
    path = tmp_path / "same.png"
    path.write_bytes(png.tobytes())
    assert main(["run", str(path), "--format", "json"]) == 0
    through_the_state_machine = json.loads(capsys.readouterr().out)
    assert ocrflow.ocr(path).model_dump(mode="json") == through_the_state_machine


def test_unknown_keywords_are_a_type_error_naming_the_accepted_ones():
    from ocrflow import OCR

    with pytest.raises(TypeError, match=r"'langs'.*accepted: limits, validation, variant, on_page, rotation"):
        OCR(langs=["en"])


def test_on_page_given_to_the_constructor_is_called_and_the_document_reads_and_draws(letter_page):
    from ocrflow import OCR

    calls = []
    ocr = OCR(on_page=lambda done, total: calls.append((done, total)))
    document = ocr(letter_page[0])
    assert calls == [(1, 1)]
    assert len(repr(document)) < 200 and repr(document).startswith("Document(document_id=")
    assert [word.text for _, _, word in document.words()] == " ".join(t.text for t in letter_page[1]).split()
    for cls in (type(document), type(document.pages[0]), type(document.pages[0].lines[0])):
        assert cls.__doc__ and len(cls.__doc__) > 40
    for method in ("to_textract", "to_hocr", "to_markdown", "to_tsv", "to_pdf", "draw", "words"):
        assert getattr(type(document), method).__doc__, method
    drawn = document.draw(page=0)
    assert drawn.size == (letter_page[0].shape[1], letter_page[0].shape[0])
    assert (40, 90, 220) in {colour for _, colour in drawn.getcolors(maxcolors=1 << 20)}
