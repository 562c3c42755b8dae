"""What each stage returns. Coordinates are pixels of the upright page image
(the output of rotation) unless a field says otherwise; validation maps them back
to the input image through ``RotationResult.to_upright``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import SCHEMA_VERSION, Confidence, Polygon, Schema

RegionLabel = Literal[
    "text", "title", "figure", "figure_caption", "table", "table_caption",
    "header", "footer", "reference", "equation", "list",
]


class RotationResult(Schema):
    schema_version: str = SCHEMA_VERSION
    model: str
    angle: Literal[0, 90, 180, 270] = Field(
        description="Clockwise quarter turn applied to the input to make it upright"
    )
    angle_confidence: Confidence
    skew_degrees: float = Field(
        description="Skew of the page after the quarter turn, counter-clockwise positive; removed"
    )
    input_width: int = Field(gt=0)
    input_height: int = Field(gt=0)
    upright_width: int = Field(gt=0)
    upright_height: int = Field(gt=0)
    to_upright: list[list[float]] = Field(
        description="2x3 affine matrix mapping input-image pixels to upright-image pixels"
    )


class Region(Schema):
    label: RegionLabel
    score: Confidence
    box: tuple[float, float, float, float] = Field(description="left, top, right, bottom")


class RegionsResult(Schema):
    schema_version: str = SCHEMA_VERSION
    model: str
    regions: list[Region] = Field(default_factory=list)


class DetectedLine(Schema):
    polygon: Polygon
    score: Confidence
    replaces: list[DetectedLine] = Field(default_factory=list, description=(
        "A sideways line's upright boxes on the page (stages/sideways.py): recognition keeps the "
        "sideways reading only where it beats their readings"))


class DetectionResult(Schema):
    schema_version: str = SCHEMA_VERSION
    model: str
    lines: list[DetectedLine] = Field(default_factory=list)


class RecognizedWord(Schema):
    text: str
    confidence: Confidence
    polygon: Polygon


class RecognizedLine(Schema):
    text: str
    confidence: Confidence
    polygon: Polygon
    detection_score: Confidence
    flipped: bool = Field(default=False, description="The crop was read upside down")
    words: list[RecognizedWord] = Field(default_factory=list)


class RecognitionResult(Schema):
    schema_version: str = SCHEMA_VERSION
    model: str
    lines: list[RecognizedLine] = Field(default_factory=list)
