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
