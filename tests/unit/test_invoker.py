"""The invoker (``tasks.invoker``): the page task a real-time endpoint answers, and the error it
described raised again with its own name and code."""

from __future__ import annotations

import io
import json

import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from ocrflow import errors
from ocrflow.schema.payloads import PageTask
from ocrflow.tasks import TaskContext
from ocrflow.tasks.invoker import INVOKE

TASK = PageTask(document_id="d" * 16, run_id="r", bucket="b", page=1, image_key="k")


class Endpoint:
    """A ``sagemaker-runtime`` client that records the request and answers or fails as told."""

    def __init__(self, answer: PageTask | None = None, error: dict | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, []

    def invoke_endpoint(self, **kwargs):
        self.calls.append(kwargs)
        if self.error is not None:
            raise ClientError(self.error, "InvokeEndpoint")
        body = self.answer.model_dump_json().encode()
        return {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentType": "application/json"}


def invoke(client: Endpoint, stage: str = "recognition"):
    return INVOKE({"stage": stage, "task": TASK.model_dump(), "endpoint": "ocrflow-recognition"},
                  TaskContext(clients={"sagemaker-runtime": client}))


def model_error(status: int, message: str) -> dict:
    return {"Error": {"Code": "ModelError", "Message": f"Received error ({status}) from primary"},
            "OriginalStatusCode": status, "OriginalMessage": message}


def test_the_endpoints_page_task_is_the_answer():
    carried = TASK.model_copy(update={"carried": {"recognition": {"stage": "recognition"}}})
    client = Endpoint(answer=carried)
    assert invoke(client) == carried
    (call,) = client.calls
    assert call["EndpointName"] == "ocrflow-recognition" and call["ContentType"] == "application/json"
    assert json.loads(call["Body"]) == {"stage": "recognition", "task": json.loads(TASK.model_dump_json())}


def test_the_containers_error_comes_back_with_its_name_and_code():
    described = errors.ModelError("model file is corrupt", stage="recognition").to_dict()
    with pytest.raises(errors.ModelError) as raised:
        invoke(Endpoint(error=model_error(500, json.dumps(described))))
    assert json.loads(str(raised.value))["error_code"] == "MODEL_ERROR"
    assert json.loads(str(raised.value))["stage"] == "recognition"


def test_an_answer_that_is_no_ocrflow_error_is_an_endpoint_error():
    with pytest.raises(errors.EndpointError, match="answered 502"):
        invoke(Endpoint(error=model_error(502, "<html>Bad gateway</html>")))


def test_sagemakers_own_trouble_is_transient():
    error = {"Error": {"Code": "ServiceUnavailable", "Message": "try again"}}
    with pytest.raises(errors.TransientError):
        invoke(Endpoint(error=error))


def test_an_unknown_stage_never_reaches_the_endpoint():
    client = Endpoint(answer=TASK)
    with pytest.raises(errors.PayloadError):
        invoke(client, stage="binarization")
    assert client.calls == []


class Garbled(Endpoint):
    """Answers 200 with a body that is not a page task."""

    def invoke_endpoint(self, **kwargs):
        self.calls.append(kwargs)
        return {"Body": StreamingBody(io.BytesIO(b'{"status": "ok"}'), 16), "ContentType": "application/json"}


def test_an_answer_that_is_not_a_page_task_is_the_endpoints_error():
    with pytest.raises(errors.EndpointError) as raised:
        invoke(Garbled())
    assert json.loads(str(raised.value))["error_code"] == errors.EndpointError.code


def test_the_invokers_own_client_waits_past_sagemakers_60_s_and_leaves_retries_to_the_state(monkeypatch):
    from ocrflow.storage import ObjectStore
    from ocrflow.tasks.invoker import INVOKE_CONFIG

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = TaskContext(store=ObjectStore()).client("sagemaker-runtime", INVOKE_CONFIG)
    assert client.meta.config.read_timeout > 60
    assert client.meta.config.retries["total_max_attempts"] == 1
