"""The native result: a document of pages, regions, lines and words.

Geometry here is in pixels of the *input* page image (the PDF page as rendered,
or the image as sent), like Textract's, so a consumer never needs to know that
the page was turned or deskewed on the way.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import SCHEMA_VERSION, Confidence, Polygon, Schema
from .stages import RegionLabel

Status = Literal["ok", "needs_review", "failed"]
Severity = Literal["info", "warning", "error"]


class Word(Schema):
    text: str
    confidence: Confidence
    polygon: Polygon


class Line(Schema):
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
    schema_version: str = SCHEMA_VERSION
    document_id: str
    status: Status
    models: dict[str, str] = Field(default_factory=dict, description="Stage -> model name")
    variant: str | None = Field(default=None, description="The stage variant that ran (variants.json)")
    pages: list[Page] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """Reading order; a blank line between paragraphs, a tab within a row, a form feed per page."""
        from ..render.text import to_text

        return to_text(self)

    def to_textract(self) -> dict:
        """Amazon Textract JSON (AnalyzeDocument with the Layout feature): PAGE, LINE, WORD, LAYOUT_*."""
        from ..render.textract import to_textract

        return to_textract(self)

    def to_hocr(self) -> str:
        from ..render.hocr import to_hocr

        return to_hocr(self)

    def to_markdown(self) -> str:
        from ..render.markdown import to_markdown

        return to_markdown(self)

    def to_pdf(self, source) -> bytes:
        """A searchable PDF: the pages of ``source`` (what was read: a path, bytes, an array or a PIL
        image) with this document's words as an invisible, selectable text layer."""
        from ..api import pages_of
        from ..render.pdf import to_pdf
        from ..settings import IngestSettings

        return to_pdf(self, [page.image for page in pages_of(source, IngestSettings())[1]])

    def to_tsv(self) -> str:
        """Tesseract's TSV: one row per page, paragraph, line and word."""
        from ..render.tsv import to_tsv

        return to_tsv(self)
