"""Task specs: what every adapter relies on (parsing, error descriptions, stage restriction)."""

from __future__ import annotations

import json

import pytest

from ocrflow import errors
from ocrflow.schema.payloads import PageTask, StageRequest
from ocrflow.tasks import TaskContext
from ocrflow.tasks.specs import PAGE, TaskSpec

CONTEXT = TaskContext()
TASK = {"document_id": "d1", "run_id": "r1", "bucket": "b", "page": 1, "image_key": "k"}


def echo(request: StageRequest, context) -> PageTask:
    return request.task


def failing(request, context):
    raise errors.CorruptDocumentError("page image cannot be decoded")


def test_a_valid_request_runs_and_returns_the_model():
    spec = TaskSpec("page", StageRequest, echo, stage_of=PAGE.stage_of)
    assert spec({"stage": "regions", "task": TASK}, CONTEXT) == PageTask(**TASK)


def test_an_invalid_payload_is_an_invalid_payload_error_with_its_description():
    spec = TaskSpec("page", StageRequest, echo, stage_of=PAGE.stage_of)
    with pytest.raises(errors.PayloadError) as raised:
        spec({"stage": "regions", "task": {**TASK, "page": 0}}, CONTEXT)
    described = json.loads(str(raised.value))
    assert described["error_code"] == "INVALID_PAYLOAD" and described["stage"] == "page"
    assert "task.page" in described["message"]


def test_errors_name_the_stage_the_request_asked_for():
    spec = TaskSpec("page", StageRequest, failing, stage_of=PAGE.stage_of)
    with pytest.raises(errors.CorruptDocumentError) as raised:
        spec({"stage": "text_detection", "task": TASK}, CONTEXT)
    assert json.loads(str(raised.value))["stage"] == "text_detection"


def test_a_runtime_serving_one_stage_refuses_another():
    spec = TaskSpec("page", StageRequest, echo, stage_of=PAGE.stage_of).restricted_to("rotation")
    assert spec({"stage": "rotation", "task": TASK}, CONTEXT).page == 1
    with pytest.raises(errors.PayloadError, match="serves the rotation stage"):
        spec({"stage": "recognition", "task": TASK}, CONTEXT)
    assert PAGE.restricted_to(None) is PAGE
