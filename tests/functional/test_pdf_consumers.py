"""The searchable PDF read by the tools people use on it: qpdf --check, pdffonts (an embedded font
with a ToUnicode map), pdftotext (non-ASCII words found on their boxes), pdfinfo (page size from the
image's resolution); a PDF input keeps its pages and gets only a text layer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pytest

from ocrflow.render.pdf import PageSource, to_pdf
from ocrflow.schema.document import Document, Paragraph
from tests.unit.test_render import document as hand_made
from tests.unit.test_render import line

WORDS = ["Łódź", "naïve—ﬁ", "中文", "Ωμέγα", "😀ok"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make test installs qpdf and poppler-utils)")
    return path


def unicode_document(width=1000, height=800) -> Document:
    text = " ".join(WORDS)
    lines = [line("p1-l0", text, 100, 100, 900, 140, 0, 0), line("p1-l1", "second line", 100, 300, 400, 330, 1, 1)]
    page = hand_made().pages[0].model_copy(update={
        "width": width, "height": height, "lines": lines,
        "paragraphs": [Paragraph(line_ids=[l.id], box=(0, 0, 1, 1)) for l in lines]})
    return Document(document_id="unicode", status="ok", pages=[page])


def png(width: int, height: int, dpi: int | None) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def words_with_boxes(pdf_path) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run([tool("pdftotext"), "-bbox", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


@pytest.fixture
def written(tmp_path):
    def write(data: bytes, name="out.pdf"):
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write


def test_qpdf_finds_no_errors_and_pdffonts_an_embedded_font_with_tounicode(written):
    path = written(to_pdf(unicode_document(), png(1000, 800, 200)))
    check = subprocess.run([tool("qpdf"), "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    fonts = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = [row.split() for row in fonts.splitlines()[2:]]
    assert len(rows) == 1
    name, *_, emb, sub, uni, _obj, _gen = rows[0]
    assert name == "GlyphLessFont" and "Identity-H" in fonts and (emb, uni) == ("yes", "yes")


def test_pdftotext_reads_every_non_ascii_word_on_its_box(written):
    document = unicode_document()
    path = written(to_pdf(document, png(1000, 800, 200)))
    found = {text: box for text, *box in words_with_boxes(path)}
    assert sorted(found) == sorted(WORDS + ["second", "line"])
    scale = 72 / 200
    for word in [w for l in document.pages[0].lines for w in l.words]:
        l, t, r, b = (np.array([word.polygon[0], word.polygon[2]]).ravel() * scale)
        x0, y0, x1, y1 = found[word.text]
        text = word.text
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        assert l <= centre[0] <= r and t <= centre[1] <= b, (text, (x0, y0, x1, y1), (l, t, r, b))


@pytest.mark.parametrize("dpi, given, expected", [(300, None, 300), (None, 150, 150), (None, None, 300)])
def test_the_page_size_comes_from_the_images_resolution(written, dpi, given, expected):
    path = written(to_pdf(unicode_document(1000, 800), png(1000, 800, dpi), image_dpi=given))
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (width, height) == pytest.approx((1000 * 72 / expected, 800 * 72 / expected), abs=0.01)


def test_text_only_has_the_words_and_no_image(written):
    path = written(to_pdf(unicode_document(), [PageSource(None, 1000, 800, 300)], text_only=True))
    assert sorted(w for w, *_ in words_with_boxes(path)) == sorted(WORDS + ["second", "line"])
    images = subprocess.run([tool("pdfimages"), "-list", str(path)], capture_output=True, text=True, check=True)
    assert len(images.stdout.splitlines()) == 2, "a header and no image row"


def scanned_pdf(pages: list[np.ndarray], rotate: int = 0) -> bytes:
    """A PDF of JPEG page images at 150 dpi, as a scanner writes one (pikepdf), optionally /Rotate'd."""
    import cv2
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    pdf = pikepdf.new()
    for image in pages:
        h, w = image.shape[:2]
        jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
        xobject = pikepdf.Stream(pdf, jpeg, Type=Name.XObject, Subtype=Name.Image, Width=w, Height=h,
                                 ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.DCTDecode)
        size = (w * 72 / 150, h * 72 / 150)
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, *size]), Rotate=rotate,
                          Resources=Dictionary(XObject=Dictionary(Im0=xobject)),
                          Contents=pikepdf.Stream(pdf, f"q {size[0]} 0 0 {size[1]} 0 0 cm /Im0 Do Q".encode()))
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotate", [0, 90])
def test_a_pdf_input_keeps_its_pages_and_images_and_gains_the_text(written, pipeline, letter_page, rotate):
    import pikepdf

    from ocrflow.documents import load_pages
    from ocrflow.stages.validation import assemble_document

    original = scanned_pdf([letter_page[0]], rotate=rotate)
    pages = [pipeline(page.image, page.number) for page in load_pages(original)]
    document = assemble_document("scan", pages, pipeline.models)
    out = to_pdf(document, original)
    assert len(out) < 1.5 * len(original) + 20_000, "the images are kept, not rasterised again"
    with pikepdf.open(io.BytesIO(original)) as before, pikepdf.open(io.BytesIO(out)) as after:
        image_before = before.pages[0].obj.Resources.XObject.Im0
        image_after = after.pages[0].obj.Resources.XObject.Im0
        assert image_after.read_raw_bytes() == image_before.read_raw_bytes()
        assert list(after.pages[0].mediabox) == list(before.pages[0].mediabox)
        assert int(after.pages[0].obj.get("/Rotate", 0)) == rotate
    path = written(out)
    text = subprocess.run([tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Quarterly Report", "headcount rose to 37 people.", "finance@example.com"):
        assert expected in text
    found = {w for w, *_ in words_with_boxes(path)}
    assert {"Revenue", "grew", "percent", "Operating"} <= found
