"""The Textract API's settings (``OCRFLOW_TEXTRACT_*``), read once and passed in."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SYNC_MAX_BYTES = 10 * 1024 * 1024  # Textract's synchronous limit


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_TEXTRACT_", extra="ignore")

    jobs_table: str = Field(default="ocrflow-textract-jobs", description="DynamoDB table of the asynchronous jobs")
    job_days: int = Field(default=7, ge=1, description="How long a job's results can be read (Textract: 7 days)")
    sync_max_bytes: int = Field(default=SYNC_MAX_BYTES, ge=1)
    max_in_flight: int = Field(default=4, ge=1, description="Synchronous requests run at once; one more is "
                               "refused with ProvisionedThroughputExceededException, as Textract's TPS quota does")
