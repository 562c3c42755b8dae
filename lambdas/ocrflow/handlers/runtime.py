"""Powertools wiring shared by every Lambda handler, and the adapter that turns a task
into a Lambda handler.

Errors: a task raises an ``OcrflowError`` whose message is its JSON description
(``errors.for_runtime``). The Lambda runtime reports the class name as
``errorType``, which is what the ASL Retry/Catch match, and the state machine
parses the message into the ``OcrFailed`` event without a Lambda of its own.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from functools import wraps
from typing import Any, Callable

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from ..errors import OcrflowError
from ..registry import Function
from ..schema.identifiers import checked_document_id
from ..tasks import TaskContext
from ..tasks.specs import TaskSpec, task_of

SERVICE = "ocrflow"
NAMESPACE = "ocrflow"
logger = Logger(service=SERVICE, stream=sys.stderr)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# One per container: the S3 client and the stages (model sessions) are built once and reused.
CONTEXT = TaskContext()
# An invocation that failed before its first metric has nothing to flush; that is not news.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def logged_document_id(event: dict) -> str | None:
    """The document an invocation is about: its task's or event's, or for a queue's batch the
    documents of its messages (comma-separated)."""
    if isinstance(event.get("Records"), list) and event["Records"] and "body" in event["Records"][0]:
        ids = []
        for record in event["Records"]:
            try:
                checked = checked_document_id(json.loads(record["body"])["detail"]["document_id"])
                if checked:
                    ids.append(checked)
            except (ValueError, KeyError, TypeError):
                continue
        return ",".join(ids) or None
    detail = event.get("task") or event.get("detail") or event
    return checked_document_id(detail.get("document_id")) if isinstance(detail, dict) else None


def lambda_handler(task: TaskSpec | Function, *, observe: Callable[[Any], None] | None = None,
                   context: TaskContext = CONTEXT) -> Callable[[dict, Any], dict]:
    """Wrap a task (or the task of a ``registry.Function``, the one table of functions) as a Lambda
    handler; ``observe`` adds metrics from the response."""
    task = task_of(task) if isinstance(task, Function) else task

    @wraps(task.function)
    def handle(event: dict, lambda_context: Any) -> dict:
        start = time.perf_counter()
        document_id = logged_document_id(event)
        stage = event.get("stage") if isinstance(event.get("stage"), str) else task.name
        # Per thread: one Lambda invocation is one thread, but a local run dispatches the starter and
        # the execution's tasks on different threads at once, and global keys would label one
        # invocation's records with another's stage.
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(document_id=document_id, stage=stage, correlation_id=document_id)
        try:
            response = task(event, context, lambda_context)
        except OcrflowError as exc:
            logger.warning("stage failed", extra={"error_type": type(exc).__name__, "failed_stage": exc.stage})
            metrics.add_metric(name=f"{exc.stage or stage}_errors", unit=MetricUnit.Count, value=1)
            raise
        elapsed = (time.perf_counter() - start) * 1e3
        metrics.add_metric(name=f"{stage}_latency", unit=MetricUnit.Milliseconds, value=elapsed)
        if observe is not None:
            observe(response)
        logger.info("stage done", extra={"elapsed_ms": round(elapsed, 1)})
        return response.model_dump(mode="json")

    return tracer.capture_lambda_handler(metrics.log_metrics(logger.inject_lambda_context(handle)))
