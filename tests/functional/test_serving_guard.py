"""``ocrflow serve`` touches only its own bucket's page objects, checks what a request names,
caps bodies and pixels with the Ingest limits, and answers errors without echoing the request.
Hypothesis fuzzes ``/invocations``: only 200, a 4xx with a code, or a stage error, never an
unhandled 500 and never a hang."""

from __future__ import annotations

import concurrent.futures
import json
import os

import cv2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ocrflow import errors
from ocrflow.cli import build_parser
from ocrflow.schema.payloads import StageRequest
from ocrflow.serving.app import create_app
from ocrflow.settings import IngestSettings
from ocrflow.storage import ObjectStore
from ocrflow.synthetic import render_page
from ocrflow.tasks import TaskContext
from ocrflow.tasks.pages import run_stage
from tests.functional.test_serving import page, ready
from tests.hostile_inputs import png_claiming

CODES = {cls.code for cls in errors.error_classes()}
NAMES = {cls.__name__ for cls in errors.error_classes()}


@pytest.fixture
def served(work_store, pipeline):
    """The fused app on the bucket ``work``, a page rotated by Lambda's part, and an ``other`` bucket."""
    work_store.client.create_bucket(Bucket="other")
    context = TaskContext(store=work_store, stages=pipeline.stages)
    task = run_stage(StageRequest(stage="rotation", task=page(work_store, ["Only my bucket"])), context).task
    with TestClient(create_app("fused", context, bucket="work"), raise_server_exceptions=False) as client:
        ready(client)
        yield client, task, work_store


def keys(store, bucket: str) -> list[str]:
    return [o["Key"] for o in store.client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_request_for_another_bucket_is_refused_and_nothing_there_is_touched(served):
    client, task, store = served
    ok, png = cv2.imencode(".png", render_page(["Someone else's page"])[0])
    store.put_bytes("other", task.image_key, png.tobytes(), "image/png")

    answer = client.post("/invocations", json={"stage": "fused", "task": {**task.model_dump(), "bucket": "other"}})

    assert answer.status_code == 400 and answer.json()["error_code"] == "INVALID_PAYLOAD"
    assert "bucket" in answer.json()["message"] and "other" not in answer.json()["message"]
    assert keys(store, "other") == [task.image_key]


@pytest.mark.parametrize("document_id", ["../../etc", "a/b", "x" * 200, "", "-leading"])
def test_the_document_id_must_be_one_the_event_contract_accepts(served, document_id):
    client, task, store = served
    before = keys(store, "work")
    answer = client.post("/invocations", json={"stage": "fused", "task": {**task.model_dump(),
                                                                           "document_id": document_id}})
    assert answer.status_code == 400 and answer.json()["error_code"] == "INVALID_PAYLOAD"
    assert keys(store, "work") == before


def test_only_the_pages_own_image_may_be_named(served):
    client, task, _ = served
    answer = client.post("/invocations", json={"stage": "fused", "task": {**task.model_dump(),
                                                                           "image_key": "inputs/secret.pdf"}})
    assert answer.status_code == 400 and answer.json()["message"].startswith("task.image_key is not")


def test_the_body_and_the_decoded_pixels_are_capped_with_the_ingest_limits(work_store, pipeline):
    task = run_stage(StageRequest(stage="rotation", task=page(work_store, ["Small enough"])),
                     TaskContext(store=work_store, stages=pipeline.stages)).task
    work_store.put_bytes("work", task.image_key, png_claiming(30_000, 30_000), "image/png")  # 900 MP, a few bytes
    fresh = TaskContext(store=ObjectStore(work_store.client), stages=pipeline.stages)  # nothing decoded yet
    app = create_app("fused", fresh, bucket="work", limits=IngestSettings(max_bytes=4096))
    with TestClient(app, raise_server_exceptions=False) as client:
        ready(client)
        huge = client.post("/invocations", content=b'{"stage": "fused", "pad": "' + b"x" * 5000 + b'"}')
        bomb = client.post("/invocations", json={"stage": "fused", "task": task.model_dump()})
    assert huge.status_code == 413 and huge.json()["error_code"] == "INVALID_PAYLOAD"
    assert bomb.status_code == 400 and bomb.json()["error_code"] == "DOCUMENT_TOO_LARGE"
    assert "more pixels than the limit of 60000000" in bomb.json()["message"]


@pytest.mark.parametrize("task_update", [
    {"run_id": "marker-run-4417"},  # a page that does not exist: S3's refusal names the key
    {"run_id": 4417.5, "document_id": {"marker": "nested-4417"}},  # pydantic would quote input_value
])
def test_error_answers_never_echo_the_request(served, task_update):
    client, task, _ = served
    answer = client.post("/invocations", json={"stage": "fused", "task": {**task.model_dump(), **task_update}})
    text = answer.text
    assert answer.status_code in (400, 500) and answer.json()["error_code"] in CODES
    assert "4417" not in text and "marker" not in text and "input_value" not in text and task.image_key not in text


def test_serve_listens_on_loopback_unless_told_and_needs_its_bucket(monkeypatch, capsys):
    monkeypatch.delenv("OCRFLOW_SERVE_HOST", raising=False)
    monkeypatch.delenv("OCRFLOW_SERVE_BUCKET", raising=False)
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    monkeypatch.setenv("OCRFLOW_SERVE_HOST", "0.0.0.0")  # the SageMaker image's
    assert build_parser().parse_args(["serve"]).host == "0.0.0.0"
    from ocrflow.cli import serve as server

    with pytest.raises(SystemExit, match="--bucket"):
        server.run(build_parser().parse_args(["serve", "--stage", "fused"]))


def _valid(task) -> dict:
    return {"stage": "fused", "task": task.model_dump()}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                 max_size=4), max_leaves=12)
FIELDS = ["document_id", "run_id", "bucket", "page", "image_key", "variant", "carried"]


@st.composite
def bodies(draw, task) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "field", "stage", "nested"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    if kind == "nested":
        depth = draw(st.integers(10, 100_000))
        return b"[" * depth + b"]" * draw(st.sampled_from([0, depth]))
    request = _valid(task)
    if kind == "stage":
        request["stage"] = draw(JSON)
    else:
        request["task"][draw(st.sampled_from(FIELDS))] = draw(JSON)
    return json.dumps(request).encode()


def test_fuzzed_invocations_get_an_answer_with_a_code(work_store, pipeline):
    context = TaskContext(store=work_store, stages=pipeline.stages)
    task = run_stage(StageRequest(stage="rotation", task=page(work_store, ["Fuzzed"])), context).task
    pool = concurrent.futures.ThreadPoolExecutor(1)
    with TestClient(create_app("fused", context, bucket="work"), raise_server_exceptions=False) as client:
        ready(client)

        @settings(max_examples=int(os.environ.get("OCRFLOW_FUZZ_EXAMPLES", "40")), deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
        @given(bodies(task))
        def answered(body: bytes) -> None:
            answer = pool.submit(client.post, "/invocations", content=body).result(timeout=120)  # never a hang
            assert "Traceback" not in answer.text and "input_value" not in answer.text
            if answer.status_code == 200:
                return
            described = answer.json()  # JSON, always
            assert described["error_code"] in CODES and described["error_type"] in NAMES, answer.text
            assert 400 <= answer.status_code < 500 or described["stage"], answer.text

        answered()
    pool.shutdown()
