"""Deployment settings, read once from CDK context (``cdk.json``, ``-c key=value`` or
``CDK_CONTEXT_JSON``). Every key is documented in the README with its default."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from . import REPO  # noqa: F401 - re-exported for the constructs

PREFIX = "ocrflow:"


class FunctionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory_mb: int = Field(ge=512, le=10240)
    timeout_seconds: int = Field(ge=10, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=1)


# Sizes measured for each function; a function not listed here (a new stage) gets DEFAULT_FUNCTION.
DEFAULT_FUNCTION = FunctionConfig(memory_mb=2048, timeout_seconds=300)
DEFAULT_FUNCTIONS = {
    "ingest": FunctionConfig(memory_mb=3008, timeout_seconds=300),
    "rotation": FunctionConfig(memory_mb=2048, timeout_seconds=120),
    "regions": FunctionConfig(memory_mb=2048, timeout_seconds=120),
    "text_detection": FunctionConfig(memory_mb=3008, timeout_seconds=300),
    "recognition": FunctionConfig(memory_mb=3008, timeout_seconds=300),
    "validation": FunctionConfig(memory_mb=1024, timeout_seconds=120),
    "scorer": FunctionConfig(memory_mb=1024, timeout_seconds=120),
}


class StackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bus_name: str = "ocrflow"
    input_bucket_name: str | None = Field(
        default=None, description="An existing bucket to read documents from; created when absent")
    s3_trigger: bool = Field(default=False, description="Start the flow on uploads to the input bucket")
    max_concurrency: int = Field(default=4, ge=0, description="Pages processed at once per document")
    work_retention_days: int = Field(default=7, ge=1, description="Lifetime of page images and stage outputs")
    log_retention_days: int = Field(default=30, ge=1)
    alarm_email: str | None = None
    functions: dict[str, FunctionConfig] = Field(default_factory=lambda: dict(DEFAULT_FUNCTIONS))

    def function(self, name: str) -> FunctionConfig:
        return self.functions.get(name, DEFAULT_FUNCTION)

    @classmethod
    def from_context(cls, node) -> "StackConfig":
        values = {}
        for name in cls.model_fields:
            raw = node.try_get_context(PREFIX + name)
            if raw is not None:
                values[name] = raw
        if "functions" in values:  # partial overrides: {"recognition": {"memory_mb": 4096}}
            merged = {k: v.model_dump() for k, v in DEFAULT_FUNCTIONS.items()}
            for stage, override in values["functions"].items():
                merged.setdefault(stage, {}).update(override)
            values["functions"] = merged
        return cls.model_validate(values)
