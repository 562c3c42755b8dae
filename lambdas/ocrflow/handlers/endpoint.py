"""The dispatcher and the completer as Lambda handlers (``ocrflow.tasks.endpoint``): a page
stage handed to a SageMaker asynchronous endpoint, and its outcome handed back."""

from aws_lambda_powertools.metrics import MetricUnit

from ..registry import COMPLETER, DISPATCHER
from ..schema.payloads import CompletionReport
from .runtime import lambda_handler, metrics


def observe(report: CompletionReport) -> None:
    for name in ("completed", "failed", "unknown"):
        metrics.add_metric(name=f"endpoint_{name}", unit=MetricUnit.Count, value=getattr(report, name))


dispatcher = lambda_handler(DISPATCHER)
completer = lambda_handler(COMPLETER, observe=observe)
