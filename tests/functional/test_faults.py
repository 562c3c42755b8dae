"""Faults injected into every stage of a local run: transient ones are retried and the document
completes; permanent ones end in exactly one OcrFailed naming the stage."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from ocrflow.errors import TransientError
from ocrflow.local.runner import LocalRunner
from tests.functional.test_statemachine import pdf_of, run_bytes

NUMBER = itertools.count(100)
FUNCTIONS = ["ocrflow-ingest", "ocrflow-rotation", "ocrflow-regions", "ocrflow-text-detection",
             "ocrflow-recognition", "ocrflow-validation"]


def client_error(code: str, operation: str = "PutObject") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPStatusCode": 503, "RequestId": "fault-injection"}},
                       operation)


class FlakyClient:
    """The store's S3 client, failing ``operation`` with ``error`` while armed."""

    def __init__(self, real, operation: str, error: Exception) -> None:
        self.real, self.operation, self.error, self.armed = real, operation, error, False

    def __getattr__(self, name: str):
        attribute = getattr(self.real, name)
        if name != self.operation:
            return attribute

        def call(**kwargs):
            if self.armed:
                self.armed = False
                raise self.error
            return attribute(**kwargs)

        return call


@contextlib.contextmanager
def first_call_fails(runner: LocalRunner, function: str, fault: str, error: Exception | None = None):
    """Arm a fault for the first invocation of ``function``: in the Lambda service (throttling),
    in the task itself, or in the task's S3 calls (a throttled or timed-out write)."""
    handlers, invoke = runner.lambdas.handlers, runner.lambdas.invoke
    handler, store = handlers[function], runner.context.store
    calls = []

    def wrapped(event, context):
        calls.append(function)
        if len(calls) == 1 and fault == "task":
            raise TransientError("the task hit a transient fault")
        if len(calls) == 1 and fault in ("s3", "s3-permanent"):
            store._client.armed = True
        return handler(event, context)

    def service(FunctionName, **kwargs):  # noqa: N803
        if fault == "throttled" and FunctionName.endswith(function) and not calls:
            calls.append("throttled")
            raise client_error("TooManyRequestsException", "Invoke")
        return invoke(FunctionName=FunctionName, **kwargs)

    real = store.client
    store._client = FlakyClient(real, "put_object", error or client_error("SlowDown"))
    handlers[function], runner.lambdas.invoke = wrapped, service
    try:
        yield calls
    finally:
        handlers[function], runner.lambdas.invoke, store._client = handler, invoke, real


# The functions that write to S3: the page stages before the last carry their outputs in the state.
WRITERS = ["ocrflow-ingest", "ocrflow-recognition", "ocrflow-validation"]
FAULTS = {
    "task": ("task", None, FUNCTIONS),  # the task's own TransientError
    "lambda-throttled": ("throttled", None, FUNCTIONS),  # Lambda.TooManyRequestsException from the service
    "s3-slowdown": ("s3", client_error("SlowDown"), WRITERS),  # S3 throttling inside the task
    "s3-timeout": ("s3", ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"), WRITERS),  # a timed-out write
}


@pytest.mark.parametrize("fault,error,function", [
    pytest.param(fault, error, function, id=f"{name}-{function}")
    for name, (fault, error, functions) in FAULTS.items() for function in functions])
def test_a_transient_fault_anywhere_is_retried_and_the_document_completes(runner, function, fault, error):
    lines = [f"Retried document number {next(NUMBER)}"]  # unique content: not a duplicate of another case
    with first_call_fails(runner, function, fault, error) as calls:
        outcome, invoked, _ = run_bytes(runner, pdf_of([lines]), f"{fault}-{function}.pdf")
    assert outcome.error is None, outcome.error
    assert [line.text for line in outcome.document.pages[0].lines] == lines
    # the first attempt failed (a throttled one never reached the function), the retry ran
    assert invoked.count(function) == (1 if fault == "throttled" else 2) and calls[0] in (function, "throttled")
    assert [e["detail-type"] for e in outcome.events] == ["OcrCompleted"]


@pytest.mark.parametrize("function,stage", [("ocrflow-ingest", "ingest"), ("ocrflow-recognition", "recognition"),
                                            ("ocrflow-validation", "validation")])
def test_a_permanent_fault_ends_in_one_ocr_failed_naming_the_stage(runner, function, stage):
    with first_call_fails(runner, function, "s3-permanent", client_error("AccessDenied")):
        outcome, invoked, _ = run_bytes(runner, pdf_of([[f"Denied document {stage}"]]), f"denied-{stage}.pdf")
    failed = [e["detail"] for e in outcome.events if e["detail-type"] == "OcrFailed"]
    assert len(failed) == 1 and not [e for e in outcome.events if e["detail-type"] == "OcrCompleted"]
    assert failed[0]["error_code"] == "STORAGE_ERROR" and failed[0]["stage"] == stage
    assert "AccessDenied" in failed[0]["message"]
    assert invoked.count(function) == 1, "a permanent fault is not retried"
