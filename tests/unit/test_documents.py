"""Ingest of bytes into pages: type sniffing, limits, bad input."""

import io

import numpy as np
import pytest
from PIL import Image

from ocrflow.documents import count_pages, load_pages, sniff
from ocrflow.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    UnsupportedFormatError,
)
from ocrflow.settings import IngestSettings


def encoded(fmt: str, size=(64, 48), frames: int = 1, mode="RGB") -> bytes:
    images = [Image.new(mode, size, color=(i * 40) % 255 if mode == "L" else (255, i * 40, 0))
              for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format=fmt, save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


def pdf_bytes(pages: int, password: str | None = None) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(200, 100)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("fmt,media", [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                       ("TIFF", "image/tiff"), ("BMP", "image/bmp"),
                                       ("WEBP", "image/webp")])
def test_sniffs_and_decodes_images(fmt, media):
    data = encoded(fmt)
    assert sniff(data) == media
    (page,) = list(load_pages(data))
    assert page.number == 1 and page.image.shape == (48, 64, 3) and page.image.dtype == np.uint8


def test_multi_page_tiff_and_pdf():
    assert [p.number for p in load_pages(encoded("TIFF", frames=3))] == [1, 2, 3]
    pages = list(load_pages(pdf_bytes(2), IngestSettings(pdf_dpi=144)))
    assert [p.image.shape for p in pages] == [(200, 400, 3), (200, 400, 3)]


def test_pages_are_counted_without_rendering_and_unknown_is_zero():
    assert count_pages(pdf_bytes(7)) == 7
    assert count_pages(encoded("TIFF", frames=3)) == 3 and count_pages(encoded("PNG")) == 1
    # what cannot be counted is left to load_pages, which says why
    assert count_pages(b"%PDF-1.7 truncated") == 0 and count_pages(b"<html></html>") == 0


def test_name_does_not_matter_bytes_do():
    with pytest.raises(UnsupportedFormatError):
        list(load_pages(b"GIF89a" + b"\0" * 100))
    with pytest.raises(UnsupportedFormatError):
        list(load_pages(b"<html><script>alert(1)</script></html>"))


def test_empty_and_truncated():
    with pytest.raises(EmptyDocumentError):
        list(load_pages(b""))
    with pytest.raises(CorruptDocumentError):
        list(load_pages(encoded("PNG")[:40]))
    with pytest.raises(CorruptDocumentError):
        list(load_pages(b"%PDF-1.7\n garbage that is not a pdf"))


def test_limits():
    with pytest.raises(DocumentTooLargeError):
        list(load_pages(encoded("PNG"), IngestSettings(max_bytes=10)))
    with pytest.raises(DocumentTooLargeError):
        list(load_pages(encoded("PNG", size=(200, 200)), IngestSettings(max_pixels=1000)))
    with pytest.raises(DocumentTooLargeError):
        list(load_pages(encoded("TIFF", frames=3), IngestSettings(max_pages=2)))
    with pytest.raises(DocumentTooLargeError):
        list(load_pages(pdf_bytes(3), IngestSettings(max_pages=2)))


def test_decompression_bomb_is_rejected_before_decoding():
    # A 20000x20000 PNG compresses to a few hundred KiB but would need 1.2 GB decoded.
    data = encoded("PNG", size=(20000, 20000), mode="L")
    with pytest.raises(DocumentTooLargeError):
        list(load_pages(data, IngestSettings(max_pixels=50_000_000)))


def test_transparent_png_is_flattened_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    (page,) = list(load_pages(out.getvalue()))
    assert page.image.min() == 255


def test_a_poster_sized_pdf_page_is_rendered_within_both_limits():
    from ocrflow.documents import pdf_scale

    settings = IngestSettings()
    scale = pdf_scale(14_400, 14_400, settings)  # 200 x 200 inches
    side = int(14_400 * scale)  # pixels, as the renderer gets them
    assert side <= settings.max_side and side * side <= settings.max_pixels
    assert pdf_scale(595, 842, settings) == settings.pdf_dpi / 72.0  # A4 keeps the configured dpi


def test_a_pdf_with_an_empty_page_tree_is_empty_not_corrupt():
    import pypdfium2 as pdfium

    out = io.BytesIO()
    pdfium.PdfDocument.new().save(out)
    with pytest.raises(EmptyDocumentError):
        list(load_pages(out.getvalue()))


def test_preflight_refuses_from_the_size_and_the_first_bytes(tmp_path):
    from ocrflow.documents import preflight

    big = tmp_path / "big.tiff"
    big.write_bytes(b"II*\x00" + b"\0" * 2048)
    with pytest.raises(DocumentTooLargeError):
        preflight(big, IngestSettings(max_bytes=1024))
    text = tmp_path / "note.pdf"
    text.write_text("not a pdf at all")
    with pytest.raises(UnsupportedFormatError):
        preflight(text)
    preflight(big)  # within the limits and of a known type: the rest is Ingest's job


def test_the_whole_documents_pixels_are_budgeted_before_the_first_page_is_rendered():
    from tests.hostile_inputs import pdf_bytes as sized_pdf

    posters = sized_pdf(pages=500, size=(14400, 14400), text=False)  # 200-inch pages, ~60 MP each rendered
    assert len(posters) < 200_000
    with pytest.raises(DocumentTooLargeError, match="OCRFLOW_INGEST_MAX_DOCUMENT_PIXELS"):
        next(load_pages(posters))
    a4 = sized_pdf(pages=500, size=(595, 842), text=False)  # 500 A4 pages at 200 dpi: 1.93 gigapixels
    assert next(load_pages(a4)).image.shape == (2339, 1653, 3)


def test_the_document_pixel_budget_counts_every_frame_and_is_configurable(monkeypatch):
    frames = encoded("TIFF", size=(100, 100), frames=5)
    assert len(list(load_pages(frames, IngestSettings(max_document_pixels=50_000)))) == 5
    monkeypatch.setenv("OCRFLOW_INGEST_MAX_DOCUMENT_PIXELS", "49999")
    with pytest.raises(DocumentTooLargeError, match="more than 49999 pixels"):
        next(load_pages(frames, IngestSettings()))
