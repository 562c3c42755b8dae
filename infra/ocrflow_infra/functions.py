"""The Lambda functions: one container image (models baked in), one command per function,
every function named by the stage registry."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ocrflow.registry import PIPELINE_FUNCTIONS, SCORER, Function

from . import REPO
from .config import FunctionConfig, StackConfig
from .nag import BASIC_EXECUTION, acknowledge, acknowledge_resources

ASSET_EXCLUDES = [".venv", ".git", "cdk.out", "build", "tools", "**/__pycache__",
                  "tests", "benchmarks", "samples", "*.egg-info", "infra", "node_modules", ".pytest_cache"]

PLATFORMS = {"x86_64": (lambda_.Architecture.X86_64, ecr_assets.Platform.LINUX_AMD64),
             "arm64": (lambda_.Architecture.ARM_64, ecr_assets.Platform.LINUX_ARM64)}


class StageFunctions(Construct):
    """``functions[name]`` for every handler; the image is built once by ``cdk deploy``."""

    def __init__(self, scope: Construct, id: str, *, config: StackConfig,
                 environment: dict[str, str], log_retention_days: int,
                 functions: tuple[Function, ...] = (*PIPELINE_FUNCTIONS, SCORER)) -> None:
        super().__init__(scope, id)
        self.functions: dict[str, lambda_.DockerImageFunction] = {}
        architecture, platform = PLATFORMS[config.architecture]
        for spec in functions:
            # the context's size, else the one declared with the function (an endpoint backend's own)
            sizing = config.functions.get(spec.name) or FunctionConfig(memory_mb=spec.memory_mb,
                                                                        timeout_seconds=spec.timeout_seconds)
            own = {"OCRFLOW_STAGE": spec.serves} if spec.serves else {}
            log_group = logs.LogGroup(self, f"{spec.construct_id}Logs", retention=retention(log_retention_days))
            function = lambda_.DockerImageFunction(
                self, spec.construct_id,
                code=lambda_.DockerImageCode.from_image_asset(
                    str(REPO), file="lambdas/Dockerfile", target="lambda", cmd=[spec.handler],
                    exclude=ASSET_EXCLUDES, platform=platform,
                    build_args={"PYTHON_VERSION": config.python_version}),
                memory_size=sizing.memory_mb, timeout=Duration.seconds(sizing.timeout_seconds),
                reserved_concurrent_executions=sizing.reserved_concurrency,
                architecture=architecture, tracing=lambda_.Tracing.ACTIVE,
                log_group=log_group,
                environment={**environment, **own, "POWERTOOLS_SERVICE_NAME": "ocrflow",
                             "POWERTOOLS_METRICS_NAMESPACE": "ocrflow"},
                description=spec.description,
            )
            acknowledge(function, BASIC_EXECUTION,
                        "AWSLambdaBasicExecutionRole only allows writing this function's own logs.")
            acknowledge_resources(function, ["*"], "X-Ray PutTraceSegments and PutTelemetryRecords "
                                  "have no resource-level permissions.")
            self.functions[spec.name] = function


RETENTION = {1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS",
             30: "ONE_MONTH", 60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS",
             150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS",
             545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1827: "FIVE_YEARS", 3653: "TEN_YEARS"}


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that keeps ``days``."""
    return getattr(logs.RetentionDays, RETENTION[min((d for d in RETENTION if d >= days), default=3653)])
