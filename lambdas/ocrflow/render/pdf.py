"""A searchable PDF, as ocrmypdf makes one: the input's pages with an invisible text layer.

* A PDF input keeps its own pages (content, images, fonts, annotations, page size and
  rotation): only a text layer is added to each, in the page's own coordinates.
* An image input becomes one page per frame, the image embedded as it came where it can
  be (a JPEG's own bytes) and losslessly otherwise, the page sized from the image's
  resolution (its dpi header, else ``image_dpi``, else DEFAULT_DPI).
* ``text_only`` writes the text layer alone on pages of that size, for a tool that lays it
  under its own images (ocrmypdf's "sandwich" renderer).

Every word is one text run in the glyph-less font (``font.py``), stretched by its text
matrix onto the word's quadrilateral along the word's own direction, so selecting,
searching and ``pdftotext`` find each word where the image shows it, on turned and
skewed pages too. Built with pikepdf (qpdf), never hand-written PDF syntax.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..documents import PDFIUM_LOCK, load_pages, pages_of, sniff
from ..schema.page import Page, Paged
from ..settings import IngestSettings
from .font import ADVANCE, RESOURCE, CharacterIds, add_font
from .layout import words_of

DEFAULT_DPI = 300.0  # an image that states no resolution (Tesseract's and a scanner's usual)
MIN_DPI = 10.0  # below this a header's "resolution" is an aspect ratio, not a resolution


@dataclass(frozen=True)
class PageSpace:
    """Where a page's pixels go: the affine map from input pixels (x right, y down) to PDF user space."""

    matrix: np.ndarray  # 2x3: [x_pt, y_pt] = matrix @ [x_px, y_px, 1]
    width_pt: float
    height_pt: float

    @classmethod
    def of_image(cls, width_px: int, height_px: int, dpi: float) -> "PageSpace":
        s = 72.0 / dpi
        return cls(np.array([[s, 0, 0], [0, -s, height_px * s]]), width_px * s, height_px * s)

    def points(self, polygon) -> np.ndarray:
        quad = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
        return quad @ self.matrix[:, :2].T + self.matrix[:, 2]


def pdf_page_space(page, width_px: int, height_px: int) -> PageSpace:
    """The map for a PDF page rendered (as ingest renders it: crop box, /Rotate applied) to
    ``width_px`` x ``height_px``: display points first, then the inverse of the page's rotation."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    crop_w, crop_h = x1 - x0, y1 - y0
    shown_w, shown_h = (crop_h, crop_w) if rotate in (90, 270) else (crop_w, crop_h)
    sx, sy = shown_w / width_px, shown_h / height_px
    # (u, v): display points from the top-left, v down -> user space (x, y)
    to_user = {0: [[1, 0, x0], [0, -1, y1]], 90: [[0, 1, x0], [1, 0, y0]],
               180: [[-1, 0, x1], [0, 1, y0]], 270: [[0, -1, x1], [-1, 0, y1]]}[rotate]
    display = np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]])
    matrix = np.array(to_user, dtype=np.float64) @ display
    return PageSpace(matrix, crop_w, crop_h)


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) > 1e-9 else "0"


def _run(ids: CharacterIds, text: str, quad: np.ndarray) -> str | None:
    """A text-showing operation of ``text`` stretched onto ``quad`` (top-left, top-right,
    bottom-right, bottom-left, in points): baseline along the bottom edge, height up to the top."""
    top_left, top_right, _, bottom_left = quad[:4]
    along = (top_right - top_left) / (len(text) * ADVANCE / 1000.0)  # the run's width at font size 1
    up = top_left - bottom_left
    if not np.isfinite(along).all() or np.hypot(*along) < 1e-6 or np.hypot(*up) < 1e-3:
        return None
    matrix = " ".join(_number(v) for v in (*along, *up, *bottom_left))
    return f"{RESOURCE} 1 Tf {matrix} Tm <{ids.encode(text).hex().upper()}> Tj"


def text_layer(page: Page, space: PageSpace, ids: CharacterIds) -> bytes:
    """Content-stream operators drawing the page's words invisibly (render mode 3) in the font
    ``RESOURCE``. As Tesseract does, a word that has a next one in its line is drawn with a space
    after it, the two stretched from the word's start to the next word's start: the space is a
    character wide however narrow the gap, so text extraction keeps the words apart."""
    ops = ["BT", "3 Tr"]
    for line in page.lines:
        words = [word for word in words_of(line) if word.text.strip()]
        quads = [space.points(word.polygon)[:4] for word in words]
        for index, (word, quad) in enumerate(zip(words, quads)):
            text = word.text
            if index + 1 < len(words):
                start = quads[index + 1][0]  # the next word's top-left corner, seen along this word
                along = quad[1] - quad[0]
                reach = max(np.dot(start - quad[0], along) / max(np.dot(along, along), 1e-9), 1.0)
                text, quad = text + " ", np.array([quad[0], quad[0] + along * reach,
                                                   quad[3] + along * reach, quad[3]])
            ops.append(_run(ids, text, quad) or "")
    ops.append("ET")
    return ("\n".join(op for op in ops if op) + "\n").encode()


def _image_xobject(pdf, image: np.ndarray, encoded: bytes | None):
    # pikepdf only when a searchable PDF is written
    import pikepdf
    from pikepdf import Name

    height, width = image.shape[:2]
    grey = bool((image[:, :, 0] == image[:, :, 1]).all() and (image[:, :, 1] == image[:, :, 2]).all())
    if encoded is not None and encoded.startswith(b"\xff\xd8\xff"):  # a JPEG's own bytes, not decoded again
        mode = Image.open(io.BytesIO(encoded)).mode
        return pikepdf.Stream(pdf, encoded, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height,
                              ColorSpace=Name.DeviceGray if mode == "L" else Name.DeviceRGB, BitsPerComponent=8,
                              Filter=Name.DCTDecode)
    pixels = image[:, :, 0] if grey else image[:, :, ::-1]  # BGR -> RGB
    return pikepdf.Stream(pdf, zlib.compress(np.ascontiguousarray(pixels).tobytes(), 6), Type=Name.XObject,
                          Subtype=Name.Image, Width=width, Height=height, BitsPerComponent=8,
                          ColorSpace=Name.DeviceGray if grey else Name.DeviceRGB, Filter=Name.FlateDecode)


@dataclass(frozen=True)
class PageSource:
    """What a page of the output starts from: an image (and its own bytes, where they can be
    embedded as they are) at a resolution."""

    image: np.ndarray | None
    width_px: int
    height_px: int
    dpi: float
    encoded: bytes | None = None


def _new_page(pdf, space: PageSpace, source: PageSource | None, text: bytes):
    # pikepdf only when a searchable PDF is written
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    resources = Dictionary(Font=Dictionary())
    content = b""
    if source is not None and source.image is not None:
        resources.XObject = Dictionary(Im0=_image_xobject(pdf, source.image, source.encoded))
        content = f"q {_number(space.width_pt)} 0 0 {_number(space.height_pt)} 0 0 cm /Im0 Do Q\n".encode()
    page = pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, space.width_pt, space.height_pt]),
                                   Resources=resources, Contents=pikepdf.Stream(pdf, content + text)))
    pdf.pages.append(page)
    return pdf.pages[-1]


def _save(pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, object_stream_mode=__import__("pikepdf").ObjectStreamMode.generate)
    return out.getvalue()


def images_pdf(document: Paged, sources: list[PageSource], *, text_only: bool = False) -> bytes:
    """New pages, one per page source: the image (unless ``text_only``) under the text layer."""
    # as above
    import pikepdf

    if len(sources) != len(document.pages):
        raise ValueError(f"{len(sources)} page images for {len(document.pages)} pages")
    pdf, ids, pages = pikepdf.new(), CharacterIds(), []
    for page, source in zip(document.pages, sources):
        space = PageSpace.of_image(page.width, page.height, source.dpi)
        pages.append(_new_page(pdf, space, None if text_only else source, text_layer(page, space, ids)))
    font = add_font(pdf, ids)
    for page in pages:
        page.obj.Resources.Font[RESOURCE] = font
    return _save(pdf)


def graft_pdf(document: Paged, original: bytes) -> bytes:
    """The original PDF, every page kept as it was, with the text layer added on top."""
    # as above
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(original))
    if len(pdf.pages) != len(document.pages):
        raise ValueError(f"the PDF has {len(pdf.pages)} pages, the document {len(document.pages)}")
    ids, layers = CharacterIds(), []
    for pdf_page, page in zip(pdf.pages, document.pages):
        layers.append(text_layer(page, pdf_page_space(pdf_page, page.width, page.height), ids))
    font = add_font(pdf, ids)
    for pdf_page, layer in zip(pdf.pages, layers):
        name = pdf_page.add_resource(font, pikepdf.Name.Font, prefix="OcrFlow")
        pdf_page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)  # the page's own state is restored
        pdf_page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + layer.replace(RESOURCE.encode(), str(name).encode())))
    return _save(pdf)


def to_pdf(document: Paged, sources: bytes | list[PageSource], *, image_dpi: float | None = None,
           text_only: bool = False) -> bytes:
    """``sources``: the bytes the document was read from (a PDF is kept and given a text layer;
    an image's frames become pages), or the page sources themselves."""
    if isinstance(sources, (bytes, bytearray)):
        data = bytes(sources)
        if sniff(data) == "application/pdf" and not text_only:
            return graft_pdf(document, data)
        sources = page_sources(document, data, image_dpi)
    return images_pdf(document, sources, text_only=text_only)


def image_dpi_of(info: dict, fallback: float | None) -> float:
    """An image header's resolution where it states one, else ``fallback``, else DEFAULT_DPI."""
    dpi = info.get("dpi")
    value = float(dpi[0] if isinstance(dpi, (tuple, list)) else dpi or 0)
    if value >= MIN_DPI:
        return value
    return float(fallback or DEFAULT_DPI)


def page_dpis(document: Paged, data: bytes, image_dpi: float | None = None) -> list[float]:
    """Each page's resolution, without decoding a pixel: an image frame's from its header (else
    ``image_dpi``, else DEFAULT_DPI), a PDF page's as ingest rendered it (pixels per inch of the page)."""
    if sniff(data) == "application/pdf":
        # PDFium only for a PDF
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:  # PDFium is not thread-safe; other documents may be rendering pages
            pdf = pdfium.PdfDocument(data)
            try:
                return [72.0 * page.width / pdf[index].get_size()[0] for index, page in enumerate(document.pages)]
            finally:
                pdf.close()
    dpis = []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(len(document.pages)):
            image.seek(min(index, getattr(image, "n_frames", 1) - 1))
            dpis.append(image_dpi_of(image.info, image_dpi))
    return dpis


def page_sources(document: Paged, data: bytes, image_dpi: float | None = None) -> list[PageSource]:
    """The page images of a document's bytes, each with its resolution (``page_dpis``)."""
    pages = load_pages(data)
    return [PageSource(p.image, p.image.shape[1], p.image.shape[0], dpi, p.encoded)
            for p, dpi in zip(pages, page_dpis(document, data, image_dpi))]


def sources_of(source, image_dpi: float | None = None) -> bytes | list[PageSource]:
    """What ``to_pdf`` starts from, for anything the Python API reads: the bytes of a path, bytes or
    file (a PDF is kept as it is), else the frames of an array or PIL image."""
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read"):
        return source.read()
    fallback = image_dpi_of(getattr(source, "info", {}) or {}, image_dpi)
    return [PageSource(p.image, p.image.shape[1], p.image.shape[0], fallback)
            for p in pages_of(source, IngestSettings())[1]]


def blank_sources(document: Paged, image_dpi: float | None = None) -> list[PageSource]:
    """Pages of the document's own size in pixels at ``image_dpi``, for a text-only PDF without the input."""
    return [PageSource(None, page.width, page.height, float(image_dpi or DEFAULT_DPI)) for page in document.pages]
