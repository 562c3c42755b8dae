"""The settings of the commands that start a long-lived process: ``ocrflow serve`` (the SageMaker
container's entry point) and the ``ocrflow run`` daemon."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServeSettings(BaseSettings):
    """``OCRFLOW_SERVE_*``: the serving image sets them (``lambdas/Dockerfile``, ``infra/ocrflow_infra/endpoints.py``)."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_SERVE_", extra="ignore")

    stage: str | None = Field(default=None, description="regions, text_detection, recognition or fused")
    host: str = Field(default="127.0.0.1", description="loopback: the server has no authentication of its own")
    bucket: str | None = Field(default=None, description="the work bucket whose page objects requests may name")


class DaemonSettings(BaseSettings):
    """``OCRFLOW_DAEMON_DIR``: where the socket, its key, the pid and the log live (one daemon per directory)."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_DAEMON_", extra="ignore")

    dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "ocrflow" / "daemon")
