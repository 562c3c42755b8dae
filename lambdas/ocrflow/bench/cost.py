"""What 1,000 pages cost on AWS, from what a local run measured: each function's milliseconds per
page at its configured memory (the registry's sizes), Step Functions state transitions and
history events counted in the execution history, S3 requests counted on the clients.

Prices are us-east-1 list prices (on-demand, no free tier), as published on each service's
pricing page in November 2026. Lambda time measured on a 2-core machine stands for Lambda time
at the configured memory: a 3,008 MB function has about 1.8 vCPU, so this is a close, not an exact,
stand-in; the figure is an estimate and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRICES: dict[str, Any] = {  # dollars; one entry by architecture
    "lambda_gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    "lambda_request": 0.20 / 1e6,
    "standard_transition": 0.025 / 1e3,
    "express_request": 1.00 / 1e6,
    "express_gb_second": 0.00001667,  # billed per 64 MB of memory, per ms of duration
    "s3_write": 0.005 / 1e3,  # PUT, COPY, POST, LIST
    "s3_read": 0.0004 / 1e3,  # GET, HEAD and the rest
    "event": 1.00 / 1e6,  # EventBridge custom events
    "textract_page": 1.50 / 1e3,  # DetectDocumentText, first million pages a month
    # SageMaker real-time and asynchronous inference, per instance-hour (https://aws.amazon.com/sagemaker/pricing/)
    "sagemaker_instance_hour": {"ml.g4dn.xlarge": 0.736},
}
HOURS_PER_MONTH = 730
EXPRESS_MEMORY_GB = 0.064
WRITES = ("PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "ListObjectsV2")


@dataclass
class Usage:
    """Totals over the documents of one benchmark run through the local state machine."""

    documents: int = 0
    pages: int = 0
    function_ms: dict[str, float] = field(default_factory=dict)  # by function name, summed over the run
    transitions: int = 0  # of Standard executions: billed per transition
    page_transitions: int = 0  # those inside the Map's iterations
    express_executions: int = 0  # billed per request and per 64 MB-second instead
    express_ms: float = 0.0
    lambda_invocations: int = 0
    s3_writes: int = 0
    s3_reads: int = 0
    events: int = 0


def per_thousand_pages(usage: Usage, memory_mb: dict[str, int], architecture: str = "x86_64") -> dict[str, float]:
    """Dollars per 1,000 pages, by item: what the executions measured here would cost in AWS."""
    if not usage.pages:
        return {}
    scale = 1000 / usage.pages
    gb_seconds = sum(ms / 1e3 * memory_mb[name] / 1024 for name, ms in usage.function_ms.items())
    compute = gb_seconds * PRICES["lambda_gb_second"][architecture] * scale
    requests = usage.lambda_invocations * PRICES["lambda_request"] * scale
    storage = (usage.s3_writes * PRICES["s3_write"] + usage.s3_reads * PRICES["s3_read"]) * scale
    events = usage.events * PRICES["event"] * scale
    standard = usage.transitions * PRICES["standard_transition"] * scale
    express = (usage.express_executions * PRICES["express_request"]
               + usage.express_ms / 1e3 * EXPRESS_MEMORY_GB * PRICES["express_gb_second"]) * scale
    return {"lambda_compute": compute, "lambda_requests": requests, "s3_requests": storage, "events": events,
            "step_functions_standard": standard, "step_functions_express": express,
            "total": compute + requests + storage + events + standard + express,
            "textract_detect_document_text": 1000 * PRICES["textract_page"]}


def idle_per_month(backends, instance_type: str = "ml.g4dn.xlarge") -> dict[str, float]:
    """Dollars a month each endpoint costs with no page arriving: the instances its backend keeps
    (``Backend.cost.idle_instances``: none for an asynchronous endpoint at zero, one for real time)."""
    hourly = PRICES["sagemaker_instance_hour"][instance_type]
    return {step.key: step.backend.cost.idle_instances * hourly * HOURS_PER_MONTH for step in backends.endpoints}


class S3Counter:
    """Counts S3 requests on every botocore client created after ``install`` (the local stack's:
    moto replaces boto3's default session when it starts, so the hook goes where moto puts its own,
    among botocore's built-in handlers)."""

    def __init__(self) -> None:
        self.writes = 0
        self.reads = 0

    def install(self) -> "S3Counter":
        # botocore's event handlers, only to count the calls a measured run made
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS.append(("before-call.s3", self._count))
        return self

    def _count(self, model, **_) -> None:
        if model.name in WRITES:
            self.writes += 1
        else:
            self.reads += 1
