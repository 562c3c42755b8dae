"""Validation as a Lambda handler (``ocrflow.tasks.validation``)."""

from aws_lambda_powertools.metrics import MetricUnit

from ..schema.events import ResultSummary
from ..tasks.specs import VALIDATION
from .runtime import lambda_handler, metrics


def observe(summary: ResultSummary) -> None:
    metrics.add_metric(name="pages", unit=MetricUnit.Count, value=summary.pages)
    if summary.lines:
        metrics.add_metric(name="mean_confidence", unit=MetricUnit.Percent,
                           value=round(summary.mean_confidence * 100, 2))


handler = lambda_handler(VALIDATION, observe=observe)
