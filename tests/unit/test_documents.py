"""Ingest of bytes into pages: type sniffing, limits, bad input."""

import io

import numpy as np
import pytest
from PIL import Image

from ocrflow.documents import load_pages, sniff
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
