"""A page of the native result: its regions, lines and words, and what validation found.

Geometry here is in pixels of the *input* page image (the PDF page as rendered,
or the image as sent), like Textract's, so a consumer never needs to know that
the page was turned or deskewed on the way. ``Paged`` is what a rendering reads
of a document (``document.Document`` is one), so that ``render/`` needs only this module.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import Field

from .common import Confidence, Polygon, Schema
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


class Paged(Protocol):
    """What a rendering reads of a document: its id and its pages."""

    @property
    def document_id(self) -> str: ...

    @property
    def pages(self) -> list[Page]: ...
