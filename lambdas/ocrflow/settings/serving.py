"""The settings of ``ocrflow serve``, the SageMaker container's entry point. (The ``ocrflow run`` daemon's
directory, ``OCRFLOW_DAEMON_DIR``, is read by ``cli/daemon_channel.py``: its client imports no pydantic.)"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServeSettings(BaseSettings):
    """``OCRFLOW_SERVE_*``: the serving image and the endpoint set them (``lambdas/Dockerfile``,
    ``infra/ocrflow_infra/endpoints.py``)."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_SERVE_", extra="ignore")

    stage: str | None = Field(default=None, description="regions, text_detection, recognition or fused")
    host: str = Field(default="127.0.0.1", description="loopback: the server has no authentication of its own")
    bucket: str | None = Field(default=None, description="the work bucket whose page objects requests may name")
    models: str = Field(default="", description="comma-separated models of the manifest the stages run instead "
                        "of their defaults (the CDK app sets it from the endpoint's models)")

