"""The Python API: ``ocrflow.ocr(source)``, or a reusable ``ocrflow.OCR()``.

It runs the page stages in process (no state machine), in the registry's order,
with the limits and page splitting Ingest applies, and assembles the same
``Document`` that ``ocrflow run`` returns for the same file (the document id is
the same content hash). Sources: a path, bytes or a binary file object (PDF,
PNG, JPEG, TIFF, BMP, WebP), a numpy array (BGR or grey, as ``cv2.imread``
gives), or a PIL image (every frame).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .documents import PageImage, content_id, load_pages
from .errors import UnsupportedFormatError
from .pipeline import PagePipeline
from .registry import stage_names
from .schema.document import Document
from .settings import IngestSettings, ValidationSettings
from .stages.validation import assemble_document

Source = Any  # str | Path | bytes | BinaryIO | np.ndarray | PIL.Image.Image


def array_to_bgr(array: np.ndarray) -> np.ndarray:
    import cv2

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
        from PIL import ImageSequence

        from .documents import _to_bgr

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


class OCR:
    """A pipeline built once (its models load on first use) and called on any number of sources.

    ``OCR(text_detection={"max_side": 2048})`` overrides a stage's settings, ``OCR(variant="b")``
    runs a variant declared in variants.json; ``on_page`` (here, or per call) is called with (page
    number, page count) as pages finish. Any other keyword is a ``TypeError`` naming the accepted ones.
    """

    def __init__(self, *, limits: IngestSettings | None = None, validation: ValidationSettings | None = None,
                 variant: str | None = None, on_page: Callable[[int, int], None] | None = None,
                 **stage_settings: Any) -> None:
        from .variants import variants

        unknown = sorted(set(stage_settings) - set(stage_names()))
        if unknown:
            accepted = ["limits", "validation", "variant", "on_page", *stage_names()]
            raise TypeError(f"OCR() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
                            f"accepted: {', '.join(accepted)}")
        self.on_page = on_page
        declared = variants()
        self.variant = declared.require(variant)
        overlays = {stage: declared.overlay(self.variant, stage) for stage in stage_names()}
        merged = {stage: {**(overlay or {}), **dict(stage_settings.get(stage) or {})}
                  for stage, overlay in overlays.items() if overlay or stage_settings.get(stage)}
        self.limits = limits or IngestSettings()
        self.pipeline = PagePipeline(validation=validation, **merged)

    def __call__(self, source: Source, *, document_id: str | None = None,
                 on_page: Callable[[int, int], None] | None = None) -> Document:
        """OCR one source (a path, bytes, a binary file, an array or a PIL image)."""
        digest, pages = pages_of(source, self.limits)
        return self.assemble(document_id or digest, pages, on_page or self.on_page)

    def assemble(self, document_id: str, pages: Iterable[PageImage],
                 on_page: Callable[[int, int], None] | None = None) -> Document:
        pages = list(pages)
        done = []
        for page in pages:
            done.append(self.pipeline(page.image, page.number))
            if on_page is not None:
                on_page(page.number, len(pages))
        document = assemble_document(document_id, done, self.pipeline.models, self.variant)
        document._images = [page.image for page in pages]  # for ``document.draw()``
        return document

    def __repr__(self) -> str:
        return f"OCR(variant={self.variant!r})"


_default: OCR | None = None


def ocr(source: Source, *, document_id: str | None = None,
        on_page: Callable[[int, int], None] | None = None) -> Document:
    """OCR a document with a shared default pipeline (built on the first call); ``OCR()`` for settings."""
    global _default
    if _default is None:
        _default = OCR()
    return _default(source, document_id=document_id, on_page=on_page)
