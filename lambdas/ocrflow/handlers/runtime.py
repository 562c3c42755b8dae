"""Powertools wiring shared by every handler, and the adapter that turns a plain
function into a Lambda handler.

Errors: an ``OcrflowError`` is re-raised with its message replaced by a JSON
object (error_code, stage, message). The Lambda runtime reports the class name as
``errorType``, which is what the ASL Retry/Catch match, and the state machine
parses the message into the ``OcrFailed`` event without a Lambda of its own.
"""

from __future__ import annotations

import json
import sys
import time
from functools import wraps
from typing import Any, Callable, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from ..errors import OcrflowError, PayloadError
from ..storage import ObjectStore

SERVICE = "ocrflow"
NAMESPACE = "ocrflow"
logger = Logger(service=SERVICE, stream=sys.stderr)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
store = ObjectStore()

Request = TypeVar("Request", bound=BaseModel)


def lambda_handler(stage: str, request_model: type[Request],
                   function: Callable[[Request], BaseModel]) -> Callable[[dict, Any], dict]:
    """Wrap ``function(request) -> response`` as a Lambda handler for ``stage``."""

    @wraps(function)
    def handle(event: dict, context: Any) -> dict:
        start = time.perf_counter()
        try:
            try:
                request = request_model.model_validate(event)
            except ValidationError as exc:
                raise PayloadError(f"{stage} payload is invalid: {exc.errors()[:3]}") from exc
            document_id = getattr(request, "document_id", None) or getattr(
                getattr(request, "detail", None), "document_id", None)
            logger.append_keys(document_id=document_id, stage=stage)
            logger.set_correlation_id(document_id)
            response = function(request)
        except OcrflowError as exc:
            exc.stage = exc.stage or stage
            logger.warning("stage failed", extra={"error_code": exc.code, "error_type": type(exc).__name__})
            metrics.add_metric(name=f"{stage}_errors", unit=MetricUnit.Count, value=1)
            raise type(exc)(json.dumps(exc.to_dict()), stage=exc.stage) from exc
        elapsed = (time.perf_counter() - start) * 1e3
        metrics.add_metric(name=f"{stage}_latency", unit=MetricUnit.Milliseconds, value=elapsed)
        logger.info("stage done", extra={"elapsed_ms": round(elapsed, 1)})
        return response.model_dump(mode="json")

    return tracer.capture_lambda_handler(metrics.log_metrics(logger.inject_lambda_context(handle)))
