"""A searchable PDF, as ocrmypdf makes one: each page image with an invisible text layer.

Every word is a text object in render mode 3 (invisible), stretched onto the word's box
along the word's own direction, so selecting, searching and ``pdftotext`` find the words
where the image shows them, on turned and skewed pages too. Built with PDFium
(pypdfium2, already a dependency) and its standard Helvetica font.
"""

from __future__ import annotations

import ctypes
import io

import cv2
import numpy as np

from ..documents import PDFIUM_LOCK
from ..schema.document import Document, Page

DPI = 200.0  # the page image's resolution, as PDF pages are rendered for OCR
JPEG_QUALITY = 90
FONT = b"Helvetica"


def _set_text(obj, text: str) -> None:
    import pypdfium2.raw as pdfium_c

    buffer = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))


def _text_object(pdf, font, text: str, separated: bool):
    """An invisible text object of the word at size 1 and its natural width; ``separated`` ends it
    with a space (outside the measured width) so that text extraction keeps words apart."""
    import pypdfium2.raw as pdfium_c

    obj = pdfium_c.FPDFPageObj_CreateTextObj(pdf.raw, font, ctypes.c_float(1.0))
    _set_text(obj, text)
    width = _natural_width(obj)
    if separated:
        _set_text(obj, text + " ")
    pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    return obj, width


def _natural_width(obj) -> float:
    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in (left, bottom, right, top)))
    return max(right.value - left.value, 1e-3)


def _place(obj, width: float, polygon, page_height: int, scale: float) -> None:
    """Map the text's unit box onto the word's quad (top-left, top-right, bottom-right, bottom-left):
    baseline from the bottom-left corner towards the bottom-right, height towards the top-left."""
    import pypdfium2.raw as pdfium_c

    quad = np.asarray(polygon, dtype=np.float64)
    pdf_points = np.column_stack([quad[:, 0] * scale, (page_height - quad[:, 1]) * scale])
    top_left, top_right, _, bottom_left = pdf_points
    along = (top_right - top_left) / width
    up = top_left - bottom_left
    origin = bottom_left + 0.2 * up  # Helvetica's descender: the baseline sits above the box's bottom
    pdfium_c.FPDFPageObj_Transform(obj, along[0], along[1], up[0] * 0.8, up[1] * 0.8, origin[0], origin[1])


def _add_page(pdf, font, page: Page, image: np.ndarray) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    scale = 72.0 / DPI
    width, height = page.width * scale, page.height * scale
    pdf_page = pdf.new_page(width, height)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    picture = pdfium.PdfImage.new(pdf)
    picture.load_jpeg(io.BytesIO(jpeg.tobytes()), inline=True)
    picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
    pdf_page.insert_obj(picture)
    for line in page.lines:
        words = [word for word in (line.words or [line]) if word.text.strip()]
        for index, word in enumerate(words):
            obj, natural = _text_object(pdf, font, word.text, separated=index + 1 < len(words))
            _place(obj, natural, word.polygon, page.height, scale)
            pdfium_c.FPDFPage_InsertObject(pdf_page.raw, obj)
    pdf_page.gen_content()


def to_pdf(document: Document, images: list[np.ndarray]) -> bytes:
    """``images``: the page images the document was read from (input pixels, BGR), in page order."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if len(images) != len(document.pages):
        raise ValueError(f"{len(images)} page images for {len(document.pages)} pages")
    out = io.BytesIO()
    with PDFIUM_LOCK:  # PDFium is not thread-safe; other documents may be rendering pages
        pdf = pdfium.PdfDocument.new()
        try:
            font = pdfium_c.FPDFText_LoadStandardFont(pdf.raw, FONT)
            for page, image in zip(document.pages, images):
                _add_page(pdf, font, page, image)
            pdf.save(out)
        finally:
            pdf.close()
    return out.getvalue()
