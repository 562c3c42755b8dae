"""The SageMaker container contract (GET /ping, POST /invocations), in process and as a real
uvicorn server on loopback with S3 served by moto's server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import boto3
import cv2
import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from ocrflow.schema.payloads import PageTask, StageRequest
from ocrflow.serving.app import create_app
from ocrflow.storage import ObjectStore, WorkLayout
from ocrflow.synthetic import render_page
from ocrflow.tasks import TaskContext
from ocrflow.tasks.pages import page_outputs, run_stage


def page(store: ObjectStore, lines: list[str], run: str = "r1") -> PageTask:
    ok, png = cv2.imencode(".png", render_page(lines)[0])
    key = WorkLayout("doc", run).page_image(1)
    store.put_bytes("work", key, png.tobytes(), "image/png")
    return PageTask(document_id="doc", run_id=run, bucket="work", page=1, image_key=key)


@pytest.fixture
def aws(work_store):
    return work_store


def ready(client: TestClient) -> dict:
    deadline = time.monotonic() + 60
    while (answer := client.get("/ping")).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_ping_answers_once_the_models_are_loaded(aws, pipeline):
    with TestClient(create_app("fused", TaskContext(store=aws, stages=pipeline.stages), bucket="work")) as client:
        status = ready(client)
    assert status["status"] == "ready" and status["stages"] == ["regions", "text_detection", "recognition"]
    assert set(status["providers"].values()) <= {"CPUExecutionProvider", "CUDAExecutionProvider"}
    assert "PP-OCRv6_det_small.onnx" in status["providers"]


def test_invocations_run_the_stage_and_write_its_output(aws, pipeline):
    context = TaskContext(store=aws, stages=pipeline.stages)
    task = page(aws, ["Served by the endpoint"])
    task = run_stage(StageRequest(stage="rotation", task=task), context).task  # Lambda's part, before it
    with TestClient(create_app("fused", context, bucket="work")) as client:
        ready(client)
        answer = client.post("/invocations", json={"stage": "fused", "task": task.model_dump()})
    assert answer.status_code == 200
    handed_on = PageTask.model_validate(answer.json())
    assert handed_on == task.model_copy(update={"carried": {}})  # the last stage stored every output
    recognition = page_outputs(handed_on, context)["recognition"].result
    assert [line.text for line in recognition.lines] == ["Served by the endpoint"]


@pytest.mark.parametrize("body,status,code", [
    (b"not json", 400, "INVALID_PAYLOAD"),
    (json.dumps({"stage": "fused"}).encode(), 400, "INVALID_PAYLOAD"),
    (json.dumps({"stage": "rotation", "task": {"document_id": "doc", "run_id": "r1", "bucket": "work", "page": 1,
                                                "image_key": "k"}}).encode(), 400, "INVALID_PAYLOAD"),
    (json.dumps({"stage": "fused", "task": {"document_id": "doc", "run_id": "nope", "bucket": "work", "page": 1,
                                             "image_key": WorkLayout("doc", "nope").page_image(1)}}).encode(),
     500, "STORAGE_ERROR"),
])
def test_errors_answer_with_the_description_the_completer_reads(aws, pipeline, body, status, code):
    with TestClient(create_app("fused", TaskContext(store=aws, stages=pipeline.stages), bucket="work")) as client:
        ready(client)
        answer = client.post("/invocations", content=body)
    assert answer.status_code == status
    described = answer.json()
    assert described["error_code"] == code and described["error_type"] and described["message"]


def test_a_stage_that_never_leaves_lambda_is_not_served():
    with pytest.raises(ValueError, match="not served by an endpoint"):
        create_app("rotation", bucket="work")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_real_server_on_loopback(tmp_path, pipeline):
    """`ocrflow serve` in a subprocess (uvicorn), S3 from moto's server: ping, invoke, stop."""
    from moto.server import ThreadedMotoServer

    moto_port, port = free_port(), free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port)
    moto.start()
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    server = None
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
        s3.create_bucket(Bucket="work")
        store = ObjectStore(s3)
        task = page(store, ["Over the loopback"])
        task = run_stage(StageRequest(stage="rotation", task=task), TaskContext(store=store, stages=pipeline.stages)
                         ).task
        server = subprocess.Popen([sys.executable, "-m", "ocrflow.cli", "serve", "--stage", "fused", "--port",
                                   str(port), "--bucket", "work"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        base, deadline, status = f"http://127.0.0.1:{port}", time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = httpx.get(f"{base}/ping", timeout=2).status_code
            except httpx.TransportError:
                status = None
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200, "the server never became ready"
        answer = httpx.post(f"{base}/invocations", json={"stage": "fused", "task": task.model_dump()}, timeout=60)
        assert answer.status_code == 200, answer.text
        stored = json.loads(s3.get_object(Bucket="work", Key=WorkLayout("doc", "r1").page_outputs(1))["Body"].read())
        assert [line["text"] for line in stored["outputs"]["recognition"]["result"]["lines"]] == ["Over the loopback"]
        assert answer.json()["carried"] == {}, "the last stage stored every output"
        refused = httpx.post(f"{base}/invocations", json={"stage": "rotation", "task": task.model_dump()}, timeout=10)
        assert refused.status_code == 400 and refused.json()["error_code"] == "INVALID_PAYLOAD"
    finally:
        if server is not None:
            server.terminate()
            output = server.communicate(timeout=20)[0]
            assert "runs on CPUExecutionProvider" in output or "runs on CUDAExecutionProvider" in output
        moto.stop()


def test_the_endpoints_models_become_the_settings_of_the_stages_that_run_them(tmp_path):
    from ocrflow.cli.serve import model_settings
    from ocrflow.settings import RecognitionSettings, TextDetectionSettings

    fields = model_settings(["ppocr-server-v2-det", "pp-ocrv6-rec-small-latin-int8"], tmp_path)
    assert fields["text_detection"] == {"model_dir": tmp_path, "model": "ppocr-server-v2-det"}
    assert fields["recognition"] == {"model_dir": tmp_path, "model": "pp-ocrv6-rec-small-latin-int8"}
    assert fields["rotation"] == {"model_dir": tmp_path}  # no model named for it: its default
    assert TextDetectionSettings(**fields["text_detection"]).model == "ppocr-server-v2-det"
    assert RecognitionSettings(**fields["recognition"]).model == "pp-ocrv6-rec-small-latin-int8"
