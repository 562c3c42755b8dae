"""The public event contract: what upstream sends and what ocrflow publishes on the bus.

EventBridge ``source`` of what ocrflow emits is ``ocrflow``; upstream keeps its own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .common import SCHEMA_VERSION, Schema

SOURCE = "ocrflow"
DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class TestCase(Schema):
    """Marks a submission as a test: it runs the production path and is scored afterwards."""

    ground_truth_uri: str = Field(description="s3:// URI of the ground truth (manifest line or Textract JSON)")
    dataset: str = Field(min_length=1, max_length=128)
    case_id: str = Field(min_length=1, max_length=256)
    variant: str | None = Field(default=None, max_length=128, description="A/B label, e.g. a model name")
    expected_rotation: Literal[0, 90, 180, 270] | None = Field(
        default=None, description="Clockwise turn that makes the page upright, if known")


class DocumentSubmitted(BaseModel):
    """``detail`` of a DocumentSubmitted event. Unknown fields from upstream are ignored, not rejected."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str = Field(default=SCHEMA_VERSION, description="1.x; another major version is refused")
    document_id: str = Field(pattern=DOCUMENT_ID_PATTERN)
    document_uri: str = Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+",
                              description="s3://bucket/key of a PDF or image")
    test: TestCase | None = None

    @field_validator("schema_version")
    @classmethod
    def _same_major_version(cls, value: str) -> str:
        if value.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"schema_version {value!r} is not supported; this ocrflow reads {SCHEMA_VERSION}")
        return value


class ResultUris(Schema):
    document: str = Field(description="Native JSON result")
    text: str
    textract: str = Field(description="Textract DetectDocumentText-compatible JSON")


class ShadowComparison(Schema):
    """A shadow run's result against the primary's: how far the variant would change what consumers get."""

    variant: str
    primary: str = Field(description="The primary result's document.json")
    agreement: float = Field(ge=0, le=1, description="Alphanumeric word F1 of the shadow text against the primary's")
    mean_confidence_delta: float = Field(description="Shadow minus primary mean line confidence")
    lines_delta: int = Field(description="Shadow minus primary line count")


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
    variant: str | None = Field(default=None, description="The stage variant that ran (variants.json)")
    test: bool = False
    test_case: TestCase | None = None
    shadow: ShadowComparison | None = Field(default=None, description="Only in a shadow run, which publishes "
                                            "nothing: its comparison with the primary result")


class OcrFailed(Schema):
    """``detail`` of OcrFailed. Built by the state machine itself (no Lambda)."""

    schema_version: str = SCHEMA_VERSION
    document_id: str
    error_code: str = Field(description="Stable code, e.g. UNSUPPORTED_FORMAT, MODEL_ERROR")
    error_type: str = Field(description="Error name as Step Functions saw it")
    stage: str = Field(description="ingest, rotation, regions, text_detection, recognition, validation or unknown")
    message: str
    test: bool = False
    test_case: TestCase | None = None


class WordScores(Schema):
    precision: float
    recall: float
    f1: float


class DetectionScores(Schema):
    recall: float = Field(description="Share of ground-truth lines >= 50% covered by output lines")
    precision: float = Field(description="Share of output lines >= 50% covered by ground-truth lines")


class OcrTestScored(Schema):
    """``detail`` of OcrTestScored: one test document scored against its ground truth."""

    schema_version: str = SCHEMA_VERSION
    document_id: str
    dataset: str
    case_id: str
    variant: str | None = None
    outcome: Literal["completed", "failed"]
    failure_code: str | None = None
    word: WordScores = Field(description="Bag of whitespace tokens (upper-cased, NFKC)")
    alnum: WordScores = Field(description="Bag of alphanumeric tokens (maximal runs of letters and digits, "
                              "upper-cased, NFKC): the headline, which measures reading rather than how the "
                              "ground truth spaces punctuation")
    cer: float = Field(description="Character error rate of the reading-order text")
    wer: float = Field(description="Word error rate of the reading-order text")
    line_cer: float = Field(description="CER over ground-truth lines matched 1:1 at IoU >= 0.5")
    detection: DetectionScores
    rotation_correct: bool | None = None
    rotations: list[int] = Field(default_factory=list, description="The turn found on each page, degrees")
    counts: dict[str, int] = Field(description="Raw counts, so that data sets aggregate exactly")
    stage_milliseconds: dict[str, float] = Field(default_factory=dict)
    score_uri: str | None = None


class ResultEvent(BaseModel):
    """The EventBridge envelope the scorer receives (OcrCompleted or OcrFailed)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(default="", description="EventBridge's id of this event (the same on a redelivery)")
    detail_type: Literal["OcrCompleted", "OcrFailed"] = Field(alias="detail-type")
    source: Literal["ocrflow"]
    resources: list[str] = Field(default_factory=list, description="The execution and state machine ARNs, "
                                 "which Step Functions' PutEvents integration appends to every event it puts")
    detail: dict

    @property
    def run(self) -> str:
        """The execution that published the result (its name), which identifies one run of the document."""
        execution = next((r for r in self.resources if ":execution:" in r), "")
        return execution.rsplit(":", 1)[-1] if execution else self.id or "unknown-run"
