"""Validation as a Lambda handler (``ocrflow.tasks.validation``)."""

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from ..registry import VALIDATION
from ..schema.events import ResultSummary
from .runtime import NAMESPACE, lambda_handler, metrics


def observe(summary: ResultSummary) -> None:
    metrics.add_metric(name="pages", unit=MetricUnit.Count, value=summary.pages)
    if summary.lines:
        metrics.add_metric(name="mean_confidence", unit=MetricUnit.Percent,
                           value=round(summary.mean_confidence * 100, 2))
    if summary.shadow is not None:  # a shadow run: how far the variant agrees with what consumers got
        for name, value, unit in (("shadow_agreement", round(summary.shadow.agreement * 100, 2), MetricUnit.Percent),
                                  ("shadow_confidence_delta", round(summary.shadow.mean_confidence_delta * 100, 2),
                                   MetricUnit.Percent)):
            with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
                metric.add_dimension(name="variant", value=summary.shadow.variant)


handler = lambda_handler(VALIDATION, observe=observe)
