"""The Lambda functions: one container image (models baked in) with one command per function."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .config import FunctionConfig
from .nag import BASIC_EXECUTION, acknowledge, acknowledge_resources

REPO = Path(__file__).resolve().parents[2]
HANDLERS = {
    "ingest": "ocrflow.handlers.ingest.handler",
    "rotation": "ocrflow.handlers.pages.rotation_handler",
    "regions": "ocrflow.handlers.pages.regions_handler",
    "text_detection": "ocrflow.handlers.pages.text_detection_handler",
    "recognition": "ocrflow.handlers.pages.recognition_handler",
    "validation": "ocrflow.handlers.validation.handler",
    "scorer": "ocrflow.handlers.scorer.handler",
}
ASSET_EXCLUDES = [".venv", ".git", "cdk.out", "models/files", "models/.wheels", "**/__pycache__",
                  "tests", "benchmarks", "samples", "*.egg-info", "infra", "node_modules", ".pytest_cache"]


class StageFunctions(Construct):
    """``functions[name]`` for every handler; the image is built once by ``cdk deploy``."""

    def __init__(self, scope: Construct, id: str, *, configs: dict[str, FunctionConfig],
                 environment: dict[str, str], log_retention_days: int) -> None:
        super().__init__(scope, id)
        self.functions: dict[str, lambda_.DockerImageFunction] = {}
        for name, handler in HANDLERS.items():
            config = configs[name]
            log_group = logs.LogGroup(self, f"{_camel(name)}Logs",
                                      retention=retention(log_retention_days))
            function = lambda_.DockerImageFunction(
                self, _camel(name),
                code=lambda_.DockerImageCode.from_image_asset(
                    str(REPO), file="lambdas/Dockerfile", cmd=[handler], exclude=ASSET_EXCLUDES),
                memory_size=config.memory_mb, timeout=Duration.seconds(config.timeout_seconds),
                reserved_concurrent_executions=config.reserved_concurrency,
                architecture=lambda_.Architecture.X86_64, tracing=lambda_.Tracing.ACTIVE,
                log_group=log_group,
                environment={**environment, "POWERTOOLS_SERVICE_NAME": "ocrflow",
                             "POWERTOOLS_METRICS_NAMESPACE": "ocrflow"},
                description=f"ocrflow {name} stage",
            )
            acknowledge(function, BASIC_EXECUTION,
                        "AWSLambdaBasicExecutionRole only allows writing this function's own logs.")
            acknowledge_resources(function, ["*"], "X-Ray PutTraceSegments and PutTelemetryRecords "
                                  "have no resource-level permissions.")
            self.functions[name] = function


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


RETENTION = {1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS",
             30: "ONE_MONTH", 60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS",
             150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS",
             545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1827: "FIVE_YEARS", 3653: "TEN_YEARS"}


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that keeps ``days``."""
    return getattr(logs.RetentionDays, RETENTION[min((d for d in RETENTION if d >= days), default=3653)])
