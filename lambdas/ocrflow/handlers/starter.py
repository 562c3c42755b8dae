"""The starter as a Lambda handler (``ocrflow.tasks.starter``): the target of the
DocumentSubmitted rule, one execution per document and content."""

from aws_lambda_powertools.metrics import MetricUnit

from ..schema.payloads import StartReceipt
from ..tasks.specs import START
from .runtime import lambda_handler, metrics


def observe(receipt: StartReceipt) -> None:
    metrics.add_metric(name=f"submissions_{receipt.status}", unit=MetricUnit.Count, value=1)


handler = lambda_handler(START, observe=observe)
