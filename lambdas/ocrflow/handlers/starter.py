"""The starter as a Lambda handler (``ocrflow.tasks.starter``): reads the submissions queue through an
event source mapping with ``ReportBatchItemFailures``, one execution per document and content."""

from aws_lambda_powertools.metrics import MetricUnit

from ..registry import STARTER
from ..schema.payloads import StartBatchReport
from .runtime import lambda_handler, metrics


def observe(report: StartBatchReport) -> None:
    for receipt in report.receipts.values():
        metrics.add_metric(name=f"submissions_{receipt.status}", unit=MetricUnit.Count, value=1)
    if report.batch_item_failures:
        metrics.add_metric(name="submissions_retried", unit=MetricUnit.Count, value=len(report.batch_item_failures))


handler = lambda_handler(STARTER, observe=observe)
