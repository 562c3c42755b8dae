"""Turning the bytes a user sent into page images, or a clear ``InvalidInputError``.

The type is sniffed from the bytes, never from the file name. Every limit (bytes,
pages, pixels per page) is checked before the expensive work it guards: the
pixel count is read from the header before decoding, and a PDF page's size
before rendering, so a decompression bomb fails fast instead of exhausting
memory.

PDFium is not thread-safe, and ``ocrflow run -j N`` and the daemon ingest documents on threads:
every call into it (open, page, render, close, and the finalizers that closing explicitly
forestalls) runs under one process-wide lock, ``PDFIUM_LOCK``. Rendering is a few per cent of a
page's time, so the lock costs less than a worker process's start and page transfers would
(measured in benchmarks/pdfium_lock.py; README, Performance).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    UnsupportedFormatError,
)
from .settings import IngestSettings

MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
PDF_SEARCH = 1024
# PDFium refuses a well-formed PDF whose page tree is empty, with no error code of its own (its
# last-error state is process-wide and stale); an uncompressed empty page tree says what it is.
EMPTY_PAGE_TREE = re.compile(rb"/Count\s*0[^0-9.]")
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
EXIF_ORIENTATION = 0x0112  # PDF readers accept a header anywhere in the first KiB
PDFIUM_LOCK = threading.RLock()  # every PDFium call in the process: the library is not thread-safe


def content_id(data: bytes) -> str:
    """A document's id when nobody gave one (``ocrflow run``, the Python API): the start of its
    content's sha256, so the same content is the same document."""
    return hashlib.sha256(data).hexdigest()[:16]


def sniff(data: bytes) -> str:
    """The media type of a document, from its first bytes."""
    if not data:
        raise EmptyDocumentError("the document is empty (0 bytes)")
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in data[:PDF_SEARCH]:
        return "application/pdf"
    raise UnsupportedFormatError(
        "unsupported document type: expected PDF, PNG, JPEG, TIFF, BMP or WebP"
        f" (first bytes {data[:8]!r})")


@dataclass(frozen=True)
class PageImage:
    number: int
    image: np.ndarray  # BGR uint8
    encoded: bytes | None = None  # the input's own bytes, when they decode to exactly ``image``


def _to_bgr(image: Image.Image) -> np.ndarray:
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
        if image.mode == "RGBA":  # flatten transparency onto white, as a viewer shows it
            white = Image.new("RGB", image.size, (255, 255, 255))
            white.paste(image, mask=image.getchannel("A"))
            image = white
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def _check_pixels(width: int, height: int, number: int, settings: IngestSettings) -> None:
    if width <= 0 or height <= 0:
        raise CorruptDocumentError(f"page {number} has no pixels ({width}x{height})")
    if width * height > settings.max_pixels:
        raise DocumentTooLargeError(
            f"page {number} is {width}x{height} = {width * height} pixels,"
            f" more than the limit of {settings.max_pixels}")


def _check_document_pixels(sizes: Iterator[tuple[int, int]], settings: IngestSettings) -> None:
    """The whole document's pixels against the budget, from page sizes alone (nothing decoded yet)."""
    total = 0
    for width, height in sizes:
        total += max(width, 0) * max(height, 0)
        if total > settings.max_document_pixels:
            raise DocumentTooLargeError(
                f"the document's pages add up to more than {settings.max_document_pixels} pixels"
                " (OCRFLOW_INGEST_MAX_DOCUMENT_PIXELS)")


def _frame_sizes(source: Image.Image) -> Iterator[tuple[int, int]]:
    """Each frame's size, read from its header by seeking (no frame is decoded)."""
    for index in range(getattr(source, "n_frames", 1)):
        source.seek(index)
        yield source.size
    source.seek(0)


def _image_pages(data: bytes, settings: IngestSettings) -> Iterator[PageImage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = settings.max_pixels
            source = Image.open(io.BytesIO(data))
            frames = getattr(source, "n_frames", 1)
            if frames > settings.max_pages:
                raise DocumentTooLargeError(
                    f"the image has {frames} frames, more than the limit of {settings.max_pages}")
            _check_document_pixels(_frame_sizes(source), settings)
            for number, frame in enumerate(ImageSequence.Iterator(source), 1):
                _check_pixels(frame.width, frame.height, number, settings)
                # A plain single-frame PNG or JPEG is decoded by OpenCV (faster) and stored
                # as it came, without re-encoding.
                if (frames == 1 and frame.mode in ("RGB", "L") and source.format in ("PNG", "JPEG")
                        and frame.getexif().get(EXIF_ORIENTATION, 1) == 1):
                    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                    if image is not None and image.shape[:2] == (frame.height, frame.width):
                        yield PageImage(number, image, data)
                        continue
                frame.load()
                yield PageImage(number, _to_bgr(ImageOps.exif_transpose(frame)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentTooLargeError(f"image exceeds the pixel limit: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptDocumentError(f"the image cannot be decoded: {exc}") from exc


def pdf_scale(width_pt: float, height_pt: float, settings: IngestSettings) -> float:
    """Pixels per point: the configured dpi, lowered for a page so large that it would exceed the
    longest side or the pixel limit (a poster is legal: it is read at a lower resolution)."""
    scale = settings.pdf_dpi / 72.0
    if width_pt <= 0 or height_pt <= 0:
        return scale
    return min(scale, settings.max_side / max(width_pt, height_pt),
               (settings.max_pixels / (width_pt * height_pt)) ** 0.5)


def _open_pdf(data: bytes):
    """The open document (the caller closes it under ``PDFIUM_LOCK``), or an ``InvalidInputError``."""
    # PDFium only for a PDF
    import pypdfium2 as pdfium

    try:
        with PDFIUM_LOCK:
            return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedDocumentError("the PDF is password-protected") from exc
        if EMPTY_PAGE_TREE.search(data) and not PAGE_OBJECT.search(data):
            raise EmptyDocumentError("the PDF has no pages") from exc
        raise CorruptDocumentError(f"the PDF cannot be opened: {exc}") from exc


def _rendered_size(width_pt: float, height_pt: float, settings: IngestSettings) -> tuple[int, int]:
    scale = pdf_scale(width_pt, height_pt, settings)
    return int(width_pt * scale), int(height_pt * scale)


def _render_page(pdf, index: int, settings: IngestSettings) -> PageImage:
    """One page as BGR pixels; the caller holds ``PDFIUM_LOCK``. Page and bitmap are closed here,
    not by their finalizers on whichever thread collects them."""
    # PDFium only for a PDF
    import pypdfium2 as pdfium

    page = pdf[index]
    try:
        width_pt, height_pt = page.get_size()
        scale = pdf_scale(width_pt, height_pt, settings)
        _check_pixels(*_rendered_size(width_pt, height_pt, settings), index + 1, settings)
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
        try:
            rgb = bitmap.to_numpy()
            channels = rgb[:, :, :3] if bitmap.format == pdfium.raw.FPDFBitmap_BGR else rgb[:, :, 2::-1]
            bgr = np.array(channels, order="C", copy=True)  # a copy: the bitmap's buffer is freed below
        finally:
            bitmap.close()
    finally:
        page.close()
    return PageImage(index + 1, bgr)


def _pdf_pages(data: bytes, settings: IngestSettings) -> Iterator[PageImage]:
    # PDFium only for a PDF
    import pypdfium2 as pdfium

    pdf = _open_pdf(data)
    try:
        with PDFIUM_LOCK:
            pages = len(pdf)
        if pages == 0:
            raise EmptyDocumentError("the PDF has no pages")
        if pages > settings.max_pages:
            raise DocumentTooLargeError(
                f"the PDF has {pages} pages, more than the limit of {settings.max_pages}")
        with PDFIUM_LOCK:
            _check_document_pixels((_rendered_size(w, h, settings) for w, h in map(pdf.get_page_size, range(pages))),
                                   settings)
        for index in range(pages):
            with PDFIUM_LOCK:  # per page, never across a yield: the consumer's inference runs unlocked
                page = _render_page(pdf, index, settings)
            yield page
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(f"a PDF page cannot be rendered: {exc}") from exc
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def preflight(source: Path | bytes, settings: IngestSettings | None = None) -> None:
    """What can be refused before a document is read whole: its size (for a file, from the file
    system) and its type (from its first bytes). The same checks Ingest applies, in milliseconds."""
    settings = settings or IngestSettings()
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > settings.max_bytes:
        raise DocumentTooLargeError(f"the document is {size} bytes, more than the limit of {settings.max_bytes}")
    if isinstance(source, bytes):
        sniff(source[:PDF_SEARCH])
    else:
        with source.open("rb") as stream:
            sniff(stream.read(PDF_SEARCH))


def count_pages(data: bytes) -> int:
    """Pages of a PDF or frames of an image, without rendering or decoding one: cheap enough to
    decide where a document runs before splitting it. 0 when it cannot tell (``load_pages`` says why)."""
    try:
        if sniff(data) == "application/pdf":
            # PDFium only for a PDF
            import pypdfium2 as pdfium

            with PDFIUM_LOCK:
                pdf = pdfium.PdfDocument(data)
                try:
                    return len(pdf)
                finally:
                    pdf.close()
        return getattr(Image.open(io.BytesIO(data)), "n_frames", 1)
    except Exception:  # noqa: BLE001 - any reason not to know is "unknown"; load_pages names it
        return 0


def load_pages(data: bytes, settings: IngestSettings | None = None) -> Iterator[PageImage]:
    """Page images of a document, first to last; raises an ``InvalidInputError`` subclass."""
    settings = settings or IngestSettings()
    if len(data) > settings.max_bytes:
        raise DocumentTooLargeError(
            f"the document is {len(data)} bytes, more than the limit of {settings.max_bytes}")
    media_type = sniff(data)
    pages = _pdf_pages(data, settings) if media_type == "application/pdf" else _image_pages(data, settings)
    count = 0
    for page in pages:
        count += 1
        yield page
    if count == 0:
        raise EmptyDocumentError("the document has no pages")


# What the Python API and the searchable PDF read: any source, not only bytes.
Source = Any  # str | Path | bytes | BinaryIO | np.ndarray | PIL.Image.Image


def array_to_bgr(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        if array.dtype == np.uint16:
            array = (array >> 8).astype(np.uint8)
        elif np.issubdtype(array.dtype, np.floating) and array.size and array.max() <= 1.0:
            array = (np.clip(array, 0, 1) * 255).astype(np.uint8)
        else:
            array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    if array.ndim == 3 and array.shape[2] == 1:
        return cv2.cvtColor(array[:, :, 0], cv2.COLOR_GRAY2BGR)
    if array.ndim == 3 and array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    if array.ndim == 3 and array.shape[2] == 3:
        return np.ascontiguousarray(array)
    raise UnsupportedFormatError(f"an image array must be HxW or HxWx{{1,3,4}}, not {array.shape}")


def pages_of(source: Source, limits: IngestSettings) -> tuple[str, list[PageImage]]:
    """(document id, page images) of any supported source."""
    if isinstance(source, np.ndarray):
        image = array_to_bgr(source)
        return content_id(image.tobytes()), [PageImage(1, image)]
    if hasattr(source, "getim") and hasattr(source, "mode"):  # a PIL image, without importing PIL up front
        frames = [PageImage(n, _to_bgr(frame.copy())) for n, frame in enumerate(ImageSequence.Iterator(source), 1)]
        return content_id(b"".join(page.image.tobytes() for page in frames)), frames
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, io.IOBase) or hasattr(source, "read"):
        data = source.read()
    else:
        raise UnsupportedFormatError(f"cannot read a document from a {type(source).__name__}")
    return content_id(data), list(load_pages(data, limits))
