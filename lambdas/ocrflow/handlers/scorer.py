"""The scorer as a Lambda handler (``ocrflow.tasks.scorer``), subscribed to test results;
it adds EMF metrics with dataset and variant dimensions."""

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from ..registry import SCORER
from ..schema.events import OcrTestScored
from .runtime import NAMESPACE, lambda_handler


def observe(scored: OcrTestScored) -> None:
    for name, value in (("alnum_f1", scored.alnum.f1), ("word_f1", scored.word.f1), ("cer", scored.cer),
                        ("line_cer", scored.line_cer)):
        # single_metric flushes at once, so dimensions never leak into the next invocation
        with single_metric(name=name, unit=MetricUnit.Percent, value=round(value * 100, 2),
                           namespace=NAMESPACE) as metric:
            metric.add_dimension(name="dataset", value=scored.dataset)
            metric.add_dimension(name="variant", value=scored.variant or "default")


handler = lambda_handler(SCORER, observe=observe)
