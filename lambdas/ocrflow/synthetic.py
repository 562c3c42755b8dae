"""Documents with known text, rendered here, for tests and the bundled sample.

Fonts come from a package (matplotlib ships DejaVu), so the rendering is the
same on every machine and the ground truth is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    try:
        # matplotlib ships the font the test pages are drawn in: only when one is drawn
        import matplotlib
    except ImportError as exc:  # a dev dependency; the runtime never renders
        raise RuntimeError("rendering test documents needs matplotlib (pip install -e '.[dev]')") from exc
    return Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / name


@dataclass(frozen=True)
class RenderedLine:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in page pixels


def render_page(lines: list[str | tuple[str, int]], *, width: int = 1240, margin: int = 90,
                font_size: int = 30, spacing: float = 1.6, font: str = "DejaVuSans.ttf",
                ) -> tuple[np.ndarray, list[RenderedLine]]:
    """A white page (BGR) with one line of text per entry; an entry may carry its own x offset.
    An empty string leaves a blank line (a paragraph break)."""
    face = ImageFont.truetype(str(font_path(font)), font_size)
    height = int(2 * margin + spacing * font_size * max(1, len(lines)))
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    truth = []
    for row, entry in enumerate(lines):
        text, x = (entry, margin) if isinstance(entry, str) else (entry[0], margin + entry[1])
        if not text:
            continue
        y = int(margin + row * spacing * font_size)
        draw.text((x, y), text, font=face, fill="black")
        l, t, r, b = draw.textbbox((x, y), text, font=face)
        truth.append(RenderedLine(text, (l, t, r, b)))
    return np.ascontiguousarray(np.asarray(page)[:, :, ::-1]), truth


def rotate_page(image: np.ndarray, angle: int) -> np.ndarray:
    """Turn a page clockwise by a quarter turn (what a sideways scan looks like)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[angle]) if angle else image


def skew_page(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by a few degrees counter-clockwise about the centre, white fill (a skewed scan)."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderValue=(255, 255, 255), flags=cv2.INTER_LINEAR)



def render_pdf(pages: list[list[str]], *, size: tuple[float, float] = (420.0, 297.0),
               font_size: float = 14.0) -> bytes:
    """A born-digital PDF (A5 landscape by default): each entry of ``pages`` a page of text lines
    in PDFium's standard Helvetica, so rendering it loads fonts as real documents do."""
    # PDFium only to make a test PDF
    import ctypes
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument.new()
    try:
        for lines in pages:
            page = pdf.new_page(*size)
            for row, text in enumerate(lines):
                obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(font_size))
                units = text.encode("utf-16-le") + b"\0\0"
                pdfium_c.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(units), ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
                pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 36, size[1] - 48 - row * 2 * font_size)
                pdfium_c.FPDFPage_InsertObject(page.raw, obj)
            page.gen_content()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()
