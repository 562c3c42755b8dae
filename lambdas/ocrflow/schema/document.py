"""The native result: a document of pages (``page.py``: regions, lines and words).

Its ``to_*`` methods are thin calls into ``render/``, which reads pages and never
imports this module: the dependency points one way.
"""

from __future__ import annotations

from typing import Any, Iterator

from pydantic import Field, PrivateAttr

from .common import SCHEMA_VERSION, Schema
from .page import Finding, Line, Page, PageRotation, Paragraph, RegionOut, Severity, Status, Word

__all__ = ["Document", "Finding", "Line", "Page", "PageRotation", "Paragraph", "RegionOut", "Severity", "Status",
           "Word"]


class Document(Schema):
    """ocrflow's result for one document: pages of lines of words, with the status validation gave it.

    ``text`` reads it; ``words()`` walks it; ``to_textract``, ``to_hocr``, ``to_markdown``, ``to_tsv``
    and ``to_pdf`` render it for the tools that read those; ``draw`` shows it on the page.
    """

    schema_version: str = SCHEMA_VERSION
    document_id: str
    status: Status
    models: dict[str, str] = Field(default_factory=dict, description="Stage -> model name")
    variant: str | None = Field(default=None, description="The stage variant that ran (variants.json)")
    pages: list[Page] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    _images: list[Any] = PrivateAttr(default_factory=list)  # the page images it was read from (Python API)

    def __repr__(self) -> str:
        lines = sum(len(page.lines) for page in self.pages)
        return (f"Document(document_id={self.document_id!r}, status={self.status!r}, pages={len(self.pages)}, "
                f"lines={lines})")

    def __str__(self) -> str:
        return repr(self)

    def words(self) -> Iterator[tuple[Page, Line, Word]]:
        """Every word as (page, line, word), in reading order."""
        for page in self.pages:
            for line in page.lines:
                for word in line.words:
                    yield page, line, word

    def draw(self, page: int = 0, image=None):
        """A PIL image of page ``page`` (0-based) with its line boxes and confidences (blue) and word boxes
        (green, orange, red by confidence), on ``image`` (BGR array), else on the page the Python API read,
        else on white."""
        from ..render.overlay import draw_page  # lazy: numpy, PIL, pikepdf load on first render

        if image is None and page < len(self._images):
            image = self._images[page]
        return draw_page(self.pages[page], image)

    @property
    def text(self) -> str:
        """Reading order; a blank line between paragraphs, a tab within a row, a form feed per page."""
        from ..render.text import to_text  # lazy: numpy, PIL, pikepdf load on first render

        return to_text(self)

    def to_textract(self) -> dict:
        """Amazon Textract JSON (AnalyzeDocument with the Layout feature): PAGE, LINE, WORD, LAYOUT_*."""
        from ..render.textract import to_textract  # lazy: numpy, PIL, pikepdf load on first render

        return to_textract(self)

    def to_hocr(self, image: str | None = None, dpi: float | list[float] | None = None) -> str:
        """hOCR 1.2 as Tesseract writes it (XHTML): pages, blocks, paragraphs, lines with baseline and
        x_size, words with x_wconf; ``image`` names the page image, ``dpi`` its resolution (scan_res)."""
        from ..render.hocr import to_hocr  # lazy: numpy, PIL, pikepdf load on first render

        return to_hocr(self, image=image, dpi=dpi)

    def to_markdown(self) -> str:
        """Markdown: titles as headings, paragraphs, tables where the layout found them, a rule per page."""
        from ..render.markdown import to_markdown  # lazy: numpy, PIL, pikepdf load on first render

        return to_markdown(self)

    def to_pdf(self, source=None, *, image_dpi: float | None = None, text_only: bool = False) -> bytes:
        """A searchable PDF: the pages of ``source`` (what was read: a path, bytes, a file, an array or a
        PIL image; a PDF keeps its own pages) with this document's words as an invisible, selectable text
        layer in an embedded font. ``image_dpi``: the resolution of an image whose header states none.
        ``text_only``: the text layer alone (``source`` may then be None), to lay under other images."""
        from ..render.pdf import blank_sources, sources_of, to_pdf  # lazy: numpy, PIL, pikepdf load on first render

        if source is None and not text_only:
            raise TypeError("to_pdf needs the source the document was read from (or text_only=True)")
        sources = blank_sources(self, image_dpi) if source is None else sources_of(source, image_dpi)
        return to_pdf(self, sources, image_dpi=image_dpi, text_only=text_only)

    def to_tsv(self) -> str:
        """Tesseract's TSV: one row per page, paragraph, line and word."""
        from ..render.tsv import to_tsv  # lazy: numpy, PIL, pikepdf load on first render

        return to_tsv(self)
