"""The Python API: ``ocrflow.ocr(source)``, or a reusable ``ocrflow.OCR()``.

It runs the page stages in process (no state machine), in the registry's order,
with the limits and page splitting Ingest applies, and assembles the same
``Document`` that ``ocrflow run`` returns for the same file (the document id is
the same content hash). Sources: a path, bytes or a binary file object (PDF,
PNG, JPEG, TIFF, BMP, WebP), a numpy array (BGR or grey, as ``cv2.imread``
gives), or a PIL image (every frame).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


from .documents import PageImage, Source, pages_of
from .pipeline import PagePipeline
from .registry import stage_names
from .schema.document import Document
from .settings import IngestSettings, ValidationSettings
from .stages.validation import assemble_document

class OCR:
    """A pipeline built once (its models load on first use) and called on any number of sources.

    ``OCR(text_detection={"max_side": 2048})`` overrides a stage's settings, ``OCR(variant="b")``
    runs a variant declared in variants.json; ``on_page`` (here, or per call) is called with (page
    number, page count) as pages finish. Any other keyword is a ``TypeError`` naming the accepted ones.
    """

    def __init__(self, *, limits: IngestSettings | None = None, validation: ValidationSettings | None = None,
                 variant: str | None = None, on_page: Callable[[int, int], None] | None = None,
                 **stage_settings: Any) -> None:
        # variants() reads the file given by the environment when an OCR() is made, not on import
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
        merged: dict[str, Any] = {stage: {**(overlay or {}), **dict(stage_settings.get(stage) or {})}
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
