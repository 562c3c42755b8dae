"""The native result: a document of pages, regions, lines and words.

Geometry here is in pixels of the *input* page image (the PDF page as rendered,
or the image as sent), like Textract's, so a consumer never needs to know that
the page was turned or deskewed on the way.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal

from pydantic import Field, PrivateAttr

from .common import SCHEMA_VERSION, Confidence, Polygon, Schema
from .stages import RegionLabel

Status = Literal["ok", "needs_review", "failed"]
Severity = Literal["info", "warning", "error"]


class Word(Schema):
    """A word of a line: its text, the recogniser's confidence (0-1) and its quadrilateral."""

    text: str
    confidence: Confidence
    polygon: Polygon


class Line(Schema):
    """A text line as detected and read, in reading order on its page: text, confidence (0-1), its
    quadrilateral in input pixels, the layout region it falls in, its paragraph and visual row."""

    id: str = Field(description="Stable within the document: p{page}-l{index in reading order}")
    text: str
    confidence: Confidence
    polygon: Polygon
    region: RegionLabel | None = Field(default=None, description="Layout region the line falls in")
    paragraph: int = Field(ge=0, description="Index into Page.paragraphs")
    row: int = Field(ge=0, description="Visual row on the upright page; lines of a row share a baseline band")
    words: list[Word] = Field(default_factory=list)


class Paragraph(Schema):
    line_ids: list[str]
    box: tuple[float, float, float, float]


class RegionOut(Schema):
    label: RegionLabel
    score: Confidence
    polygon: Polygon


class Finding(Schema):
    code: str = Field(description="Stable code, e.g. LOW_CONFIDENCE_LINE, EMPTY_PAGE")
    severity: Severity
    message: str
    page: int | None = None
    line_ids: list[str] = Field(default_factory=list)


class PageRotation(Schema):
    angle: Literal[0, 90, 180, 270]
    angle_confidence: Confidence
    skew_degrees: float


class Page(Schema):
    """A page: its size in input pixels, how it was turned, its layout regions, lines in reading order,
    paragraphs and the validation findings."""

    number: int = Field(ge=1)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    rotation: PageRotation
    status: Status
    mean_confidence: Confidence
    regions: list[RegionOut] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list, description="In reading order")
    paragraphs: list[Paragraph] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


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
