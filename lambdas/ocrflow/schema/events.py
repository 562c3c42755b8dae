"""The public event contract: what upstream sends and what ocrflow publishes on the bus.

EventBridge ``source`` of what ocrflow emits is ``ocrflow``; upstream keeps its own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import SCHEMA_VERSION, Schema

SOURCE = "ocrflow"
DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class TestCase(Schema):
    """Marks a submission as a test: it runs the production path and is scored afterwards."""

    ground_truth_uri: str = Field(description="s3:// URI of the ground truth (manifest line or Textract JSON)")
    dataset: str = Field(min_length=1, max_length=128)
    case_id: str = Field(min_length=1, max_length=256)
    variant: str | None = Field(default=None, max_length=128, description="A/B label, e.g. a model name")


class DocumentSubmitted(BaseModel):
    """``detail`` of a DocumentSubmitted event. Unknown fields from upstream are ignored, not rejected."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str = SCHEMA_VERSION
    document_id: str = Field(pattern=DOCUMENT_ID_PATTERN)
    document_uri: str = Field(pattern=r"^s3://[^/]+/.+", description="s3://bucket/key of a PDF or image")
    test: TestCase | None = None


class ResultUris(Schema):
    document: str = Field(description="Native JSON result")
    text: str
    textract: str = Field(description="Textract DetectDocumentText-compatible JSON")


class ResultSummary(Schema):
    schema_version: str = SCHEMA_VERSION
    document_id: str
    status: Literal["ok", "needs_review", "failed"]
    pages: int
    lines: int
    words: int
    mean_confidence: float
    findings: int
    stage_milliseconds: dict[str, float]
    results: ResultUris
    test: bool = False
    test_case: TestCase | None = None
