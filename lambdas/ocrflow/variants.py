"""Stage variants: named overlays of stages' settings, declared once in ``variants.json``.

A test event's ``variant`` selects one for that document; the starter carries it in
the execution input, Ingest hands it to every page task, and each stage builds (once
per process) the stage object with the overlay on top of its environment settings.
The stage output, the result and ``OcrTestScored`` name the variant and the models
that ran. A ``shadow`` block sends a share of production documents through a
variant as well, after the primary result is published: consumers never see it.

The file is package data (``ocrflow/variants.json``); ``OCRFLOW_VARIANTS_FILE``
points elsewhere. The CDK app reads the same file and deploys what it declares.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import PayloadError
from .registry import load, page_stage
from .inference.models import model_specs
from .settings import VariantsSettings, default_model_dir

BASELINE = "baseline"


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    stages: dict[str, dict[str, Any]] = Field(default_factory=dict, description="stage name -> settings fields")


class Shadow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant: str | None = None
    share: float = Field(default=0.0, ge=0.0, le=1.0, description="Of production documents, chosen by id")

    @property
    def enabled(self) -> bool:
        return self.variant is not None and self.share > 0


class VariantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = "1"
    variants: dict[str, Variant] = Field(default_factory=dict)
    shadow: Shadow = Field(default_factory=Shadow)

    @model_validator(mode="after")
    def _consistent(self) -> "VariantConfig":
        for variant in self.variants.values():
            for stage in variant.stages:
                page_stage(stage)  # KeyError names the known stages
        if self.shadow.variant is not None and self.shadow.variant not in self.variants:
            raise ValueError(f"shadow variant {self.shadow.variant!r} is not declared")
        return self

    def names(self) -> list[str]:
        return [BASELINE, *(n for n in self.variants if n != BASELINE)]

    def require(self, name: str | None) -> str | None:
        """The variant a document runs (None: the baseline); an undeclared name is a PayloadError."""
        if name is None or name == BASELINE:
            return None if name is None else name
        if name not in self.variants:
            raise PayloadError(f"variant {name!r} is not declared; declared: {', '.join(self.names())}")
        absent = self.absent_models(name, default_model_dir())
        if absent:
            raise PayloadError(f"variant {name!r} runs {', '.join(absent)}, fetched on demand and not installed "
                               "here (a laptop: `ocrflow models fetch --model NAME`; the Lambda image holds the "
                               "default models only)")
        return name

    def absent_models(self, name: str, model_dir: Path) -> list[str]:
        """The on-demand models a variant names that ``model_dir`` lacks: refused when the document
        is submitted, rather than failing as a ``MODEL_ERROR`` at the stage."""
        named = [fields["model"] for fields in self.variants[name].stages.values() if "model" in fields]
        if not named:  # most variants change settings only: no manifest read per document
            return []
        specs = {spec.name: spec for spec in model_specs()}
        return [model for model in named if model in specs and specs[model].on_demand
                and not (model_dir / specs[model].filename).is_file()]

    def overlay(self, name: str | None, stage: str) -> dict[str, Any] | None:
        if name is None or name not in self.variants:
            return None
        return self.variants[name].stages.get(stage)

    def shadow_for(self, document_id: str) -> str | None:
        """The same documents every time (by a hash of the id), ``share`` of them."""
        if not self.shadow.enabled:
            return None
        bucket = int(hashlib.sha256(document_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return self.shadow.variant if bucket < self.shadow.share else None

    def check_settings(self) -> None:
        """Every overlay field exists in its stage's settings and takes its value (needs the runtime)."""
        for name, variant in self.variants.items():
            for stage, fields in variant.stages.items():
                try:
                    load(page_stage(stage).settings)(**fields)
                except Exception as exc:
                    raise ValueError(f"variant {name!r}, stage {stage!r}: {exc}") from exc


def parse(text: str) -> VariantConfig:
    return VariantConfig.model_validate(json.loads(text))


@lru_cache(maxsize=4)
def _load(path: str | None) -> VariantConfig:
    if path:
        return parse(Path(path).read_text())
    return parse(resources.files("ocrflow").joinpath("variants.json").read_text())


def variants() -> VariantConfig:
    file = VariantsSettings().file
    return _load(str(file) if file else None)
