"""Base model and shared field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

Point = tuple[float, float]
Polygon = Annotated[list[Point], Field(min_length=3, description="Points (x, y) in pixels, clockwise from top-left")]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


class Schema(BaseModel):
    """What ocrflow emits: strict, so a typo in a producer fails loudly instead of silently."""

    model_config = ConfigDict(extra="forbid")
