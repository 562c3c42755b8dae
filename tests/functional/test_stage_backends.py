"""Stages on SageMaker endpoints, end to end on a laptop: the production ASL built for the backends;
asynchronous: the dispatcher, the token table, the serving app behind the endpoint emulator, the
completer and the callback; real-time: the invoker and the serving app answering in the call."""

from __future__ import annotations

import pytest

from ocrflow.errors import ModelError
from ocrflow.local.runner import LocalRunner
from ocrflow.orchestration.backends import Backends
from ocrflow.stages.recognition import TextRecognizer
from tests.functional.test_statemachine import pdf_of, run_bytes

PAGES = [["Invoice 2026-0417", "Total due 64.49"], ["Second page", "signed by the clerk"], ["Third and last"]]


def run(backends: dict, data: bytes, powertools: bool = False):
    runner = LocalRunner(backends=Backends.parse(backends), powertools=powertools)
    try:
        outcome, calls, _ = run_bytes(runner, data, "doc.pdf")
        texts = [[line.text for line in page.lines] for page in outcome.document.pages] if outcome.document else None
        endpoint_calls = [name for name, _ in getattr(runner, "endpoints", None).invocations] \
            if backends else []
        return outcome, calls, texts, endpoint_calls
    finally:
        runner.close()


@pytest.fixture(scope="module")
def document() -> bytes:
    return pdf_of(PAGES)


@pytest.fixture(scope="module")
def lambda_texts(document):
    outcome, calls, texts, _ = run({}, document)
    assert outcome.error is None and "ocrflow-dispatcher" not in calls
    return texts


@pytest.mark.parametrize("backends,endpoint,caller", [
    ({"text_detection": "sagemaker_async"}, "ocrflow-text-detection", "ocrflow-dispatcher"),
    ({"fused": "sagemaker_async"}, "ocrflow-fused", "ocrflow-dispatcher"),
    ({"recognition": "sagemaker_realtime"}, "ocrflow-recognition", "ocrflow-invoker"),
    ({"fused": "sagemaker_realtime"}, "ocrflow-fused", "ocrflow-invoker"),
])
def test_a_switched_stage_gives_the_text_of_the_lambda_mode(document, lambda_texts, backends, endpoint, caller):
    outcome, calls, texts, endpoint_calls = run(backends, document)
    assert outcome.error is None, outcome.error
    assert texts == lambda_texts == PAGES
    assert calls.count(caller) == 3 and endpoint_calls == [endpoint] * 3
    assert calls.count("ocrflow-rotation") == 3
    switched = [endpoint] if "fused" not in backends else \
        ["ocrflow-regions", "ocrflow-text-detection", "ocrflow-recognition"]
    assert not [name for name in calls if name in switched], "those stages ran on the endpoint, not on Lambda"
    (completed,) = [e for e in outcome.events if e["detail-type"] == "OcrCompleted"]
    assert completed["detail"]["pages"] == 3


def test_the_production_handlers_reach_a_real_time_endpoint():
    """``powertools=True``: the invoker's Lambda handler (``handlers.invoker``), the emulator injected
    into its container's context."""
    outcome, calls, texts, endpoint_calls = run({"fused": "sagemaker_realtime"}, pdf_of(PAGES[:1]), powertools=True)
    assert outcome.error is None, outcome.error
    assert texts == PAGES[:1] and calls.count("ocrflow-invoker") == 1 and endpoint_calls == ["ocrflow-fused"]


@pytest.mark.parametrize("backend,caller", [("sagemaker_async", "ocrflow-dispatcher"),
                                            ("sagemaker_realtime", "ocrflow-invoker")])
def test_a_stage_error_inside_the_endpoint_ends_in_one_ocr_failed(document, monkeypatch, backend, caller):
    def broken(self, image, lines):
        raise ModelError("model file PP-OCRv6_rec_small.onnx is corrupt")

    monkeypatch.setattr(TextRecognizer, "__call__", broken)
    outcome, calls, texts, endpoint_calls = run({"fused": backend}, pdf_of(PAGES[:1]))
    failed = [e["detail"] for e in outcome.events if e["detail-type"] == "OcrFailed"]
    assert len(failed) == 1 and not [e for e in outcome.events if e["detail-type"] == "OcrCompleted"]
    assert failed[0]["error_code"] == "MODEL_ERROR" and failed[0]["error_type"] == "ModelError"
    assert failed[0]["stage"] == "recognition" and "corrupt" in failed[0]["message"]
    assert calls.count(caller) == 1 and endpoint_calls == ["ocrflow-fused"], "not retried"


def test_ocrflow_run_with_a_real_time_endpoint(tmp_path):
    """The command line end to end: ``--stage-backend recognition=sagemaker_realtime`` runs the page through
    the invoker and the emulated real-time endpoint, and prints the same text as all Lambda."""
    import os
    import subprocess
    import sys

    import cv2

    from ocrflow.synthetic import render_page

    source = tmp_path / "page.png"
    cv2.imwrite(str(source), render_page(["Served in real time"])[0])
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(tmp_path / "no-daemon")}
    texts = {}
    for backend in ([], ["--stage-backend", "recognition=sagemaker_realtime"]):
        run = subprocess.run([sys.executable, "-m", "ocrflow", "run", str(source), "--format", "text", "--trace",
                              *backend], env=env, capture_output=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert b"RunExpress" in run.stderr, "no task token to wait for: the document stays in the Express workflow"
        texts[bool(backend)] = run.stdout
    assert texts[True] == texts[False] == b"Served in real time\n"


def test_pages_are_counted_once_when_one_invoker_calls_two_real_time_endpoints(document):
    """The invoker runs every real-time step: only the last step's calls finish a page."""
    progress: list[tuple[int, int]] = []
    runner = LocalRunner(backends=Backends.parse({"text_detection": "sagemaker_realtime",
                                                  "recognition": "sagemaker_realtime"}),
                         on_pages=lambda _, done, total: progress.append((done, total)))
    try:
        outcome, _, _ = run_bytes(runner, document, "doc.pdf")
    finally:
        runner.close()
    assert outcome.error is None
    assert max(done for done, _ in progress) == len(PAGES) == progress[-1][1]
