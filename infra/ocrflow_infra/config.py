"""Deployment settings, read once from CDK context (``cdk.json``, ``-c key=value`` or
``CDK_CONTEXT_JSON``). Every key is documented in the README with its default."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocrflow.orchestration.backends import Backends
from ocrflow.registry import ALL_FUNCTIONS
from ocrflow.schema.delivery import START_MAX_CONCURRENCY

from . import REPO  # noqa: F401 - re-exported for the constructs

PREFIX = "ocrflow:"


class FunctionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory_mb: int = Field(ge=512, le=10240)
    timeout_seconds: int = Field(ge=10, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=1)


# Sizes measured for each function, kept beside the function in the registry; a function not
# listed (a new stage with no size of its own) gets DEFAULT_FUNCTION.
DEFAULT_FUNCTION = FunctionConfig(memory_mb=2048, timeout_seconds=300)
DEFAULT_FUNCTIONS = {f.name: FunctionConfig(memory_mb=f.memory_mb, timeout_seconds=f.timeout_seconds)
                     for f in ALL_FUNCTIONS}
# Context keys also accepted under another name (the issue that introduced them spelled them so).
ALIASES = {"stage_backends": "stageBackends"}


class EndpointConfig(BaseModel):
    """How every SageMaker endpoint of the stack (asynchronous and real-time) is sized and scaled."""

    model_config = ConfigDict(extra="forbid")

    instance_type: str = Field(default="ml.g4dn.xlarge", description="One NVIDIA T4 per instance")
    max_instances: int = Field(default=2, ge=1, le=100)
    max_concurrent_invocations: int = Field(default=4, ge=1, le=1000, description="Per instance")
    backlog_per_instance: float = Field(default=8.0, gt=0, description="Target of the target-tracking policy")
    model_archive: str = Field(default="build/model.tar.gz", description="Written by `ocrflow models fetch "
                               "--archive` at synthesis when missing; relative to the repository")
    models: list[str] = Field(default_factory=list, description=(
        "Models of the manifest the endpoints run instead of the Lambda stages' defaults, at most one per stage, "
        'e.g. ["ppocr-server-v2-det"] (a GPU affords the larger variants; README, Models); they go into the '
        "model artefact and the endpoint's environment (OCRFLOW_SERVE_MODELS, the models of its own stages)"))

    @field_validator("models")
    @classmethod
    def _known_models(cls, value: list[str]) -> list[str]:
        from ocrflow.inference.models import model_specs

        stages = {spec.name: spec.stage for spec in model_specs()}
        unknown = [name for name in value if name not in stages]
        if unknown:
            raise ValueError(f"unknown model {', '.join(unknown)}; known: {', '.join(stages)}")
        chosen = [stages[name] for name in value]
        if len(set(chosen)) < len(chosen):
            raise ValueError(f"one model per stage: {value} names two for one stage")
        return value


class StackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bus_name: str = "ocrflow"
    input_bucket_name: str | None = Field(
        default=None, description="An existing bucket to read documents from; created when absent")
    s3_trigger: bool = Field(default=False, description="Start the flow on uploads to the input bucket")
    max_concurrency: int = Field(default=4, ge=0, description="Pages processed at once per document")
    work_retention_days: int = Field(default=7, ge=1, description="Lifetime of page images and stage outputs")
    log_retention_days: int = Field(default=30, ge=1)
    duplicate_window_seconds: int = Field(default=86_400, ge=60, description="A repeated DocumentSubmitted "
                                          "(same id and content) within this window starts nothing")
    alarm_email: str | None = None
    start_max_concurrency: int = Field(
        default=START_MAX_CONCURRENCY, ge=2, le=1000, description="Starter invocations at once reading the "
        "submissions queue (the event source mapping's maximum concurrency): a burst waits in the queue")
    submissions_age_alarm_seconds: int = Field(
        default=900, ge=60, description="Alarm when the oldest waiting submission is older than this")
    functions: dict[str, FunctionConfig] = Field(default_factory=lambda: dict(DEFAULT_FUNCTIONS))
    stage_backends: dict[str, str] = Field(
        default_factory=dict, description='e.g. {"text_detection": "sagemaker_async"} or {"fused": "sagemaker_async"}')
    endpoint: EndpointConfig = Field(default_factory=EndpointConfig)
    distributed_pages: bool = Field(
        default=False, description="Run the pages of documents over the Express limit as Express children of a "
        "Distributed Map (off by default: moto runs its children only as Standard executions; see "
        "orchestration/distributed.py)")
    architecture: Literal["x86_64", "arm64"] = Field(
        default="x86_64", description="CPU of the Lambda functions; arm64 (Graviton) costs about 20% less "
        "per GB-second and every runtime dependency ships aarch64 wheels")
    python_version: Literal["3.11", "3.12", "3.13"] = Field(
        default="3.11", description="Tag of the public.ecr.aws/lambda/python base image")

    @field_validator("stage_backends")
    @classmethod
    def _known_backends(cls, value: dict[str, str]) -> dict[str, str]:
        Backends.parse(value)  # raises ValueError with what is wrong
        return value

    @property
    def backends(self) -> Backends:
        return Backends.parse(self.stage_backends)

    def function(self, name: str) -> FunctionConfig:
        return self.functions.get(name, DEFAULT_FUNCTION)

    @classmethod
    def from_context(cls, node) -> "StackConfig":
        values = {}
        for name in cls.model_fields:
            raw = node.try_get_context(PREFIX + name)
            if raw is None and name in ALIASES:
                raw = node.try_get_context(ALIASES[name])
            if isinstance(raw, str) and raw.lstrip().startswith("{"):  # `-c key='{...}'` arrives as text
                raw = json.loads(raw)
            if raw is not None:
                values[name] = raw
        if "functions" in values:  # partial overrides: {"recognition": {"memory_mb": 4096}}
            merged = {k: v.model_dump() for k, v in DEFAULT_FUNCTIONS.items()}
            for stage, override in values["functions"].items():
                merged.setdefault(stage, {}).update(override)
            values["functions"] = merged
        return cls.model_validate(values)
