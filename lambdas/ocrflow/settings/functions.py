"""The Lambda functions' settings beside the stages': the AWS resources they use and how long a
repeat counts as one. The CDK app sets these per function (``infra/ocrflow_infra/stack.py``); the
local run uses the defaults, which are the local resources' names."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    max_concurrency: int = Field(default=4, ge=0, description="Pages processed at once (Map)")


# The local stack's Standard workflow, in moto's default account and region, as local/statemachine.py deploys it
# (it checks that this is the ARN it got): https://docs.getmoto.org/en/latest/docs/multi_account.html
LOCAL_STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:ocrflow"


class StarterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    state_machine_arn: str = Field(default=LOCAL_STATE_MACHINE_ARN, description=(
        "The Standard workflow it starts: the stack sets it; the default is the local run's (local/statemachine.py)"))
    event_bus_name: str = "ocrflow"
    idempotency_table: str = "ocrflow-idempotency"
    duplicate_window_seconds: int = Field(default=86_400, ge=60, description="How long a repeat is a duplicate")


class ScorerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    event_bus_name: str = "ocrflow"
    scores_bucket: str = "ocrflow-work"
    idempotency_table: str = "ocrflow-idempotency"
    duplicate_window_seconds: int = 86_400


class EndpointSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_ENDPOINT_", extra="ignore")

    token_table: str = "ocrflow-task-tokens"
    # SageMaker drops a request still queued after this, and says so on the error topic, before the
    # state machine's own task timeout (3600 s) would end the wait without a word.
    request_ttl_seconds: int = Field(default=3300, ge=60, le=21600)
    invocation_timeout_seconds: int = Field(default=900, ge=1, le=3600)
    token_ttl_seconds: int = Field(default=7200, ge=60, description="DynamoDB TTL of a stored task token")


class PageFunctionSettings(BaseSettings):
    """Which stage a page function runs (``OCRFLOW_STAGE``); none: every page stage in one function."""

    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    stage: str | None = None
