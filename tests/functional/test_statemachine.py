"""The production ASL, executed locally by moto with the real handlers dispatched in process."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest
from PIL import Image

from ocrflow.errors import ModelError, TransientError
from ocrflow.local.handlers import local_handler
from ocrflow.synthetic import render_page
from ocrflow.tasks.specs import PAGE


@pytest.fixture(scope="module")
def runner():
    from ocrflow.local.runner import LocalRunner

    local = LocalRunner(trace=True)
    yield local
    local.close()


@contextmanager
def replaced(runner, function: str, handler):
    runner.machine  # deployed on first use
    handlers = runner.lambdas.handlers
    original = handlers[function]
    handlers[function] = handler
    try:
        yield
    finally:
        handlers[function] = original


def pdf_of(pages: list[list[str]]) -> bytes:
    images = [Image.fromarray(render_page(lines, width=1240)[0][:, :, ::-1]) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def run_bytes(runner, data: bytes, name: str = "doc.bin"):
    machine = runner.machine
    before = len(runner.lambdas.invocations)
    uri = machine.upload(data, f"inputs/test/{name}")
    document_id = f"t{abs(hash(data)) % 10**12}"
    outcome = runner.run_detail({"document_id": document_id, "document_uri": uri})
    return outcome, runner.lambdas.invocations[before:], uri


def test_multi_page_pdf_goes_through_the_map(runner):
    pages = [["Page one says hello"], ["Page two says goodbye"], ["Page three is last"]]
    outcome, calls, uri = run_bytes(runner, pdf_of(pages), "three.pdf")
    assert outcome.error is None
    assert [[line.text for line in p.lines] for p in outcome.document.pages] == pages
    assert calls.count("ocrflow-recognition") == 3 and calls.count("ocrflow-ingest") == 1
    completed = [e for e in outcome.events if e["detail-type"] == "OcrCompleted"]
    assert len(completed) == 1 and completed[0]["source"] == "ocrflow"
    detail = completed[0]["detail"]
    assert detail["pages"] == 3 and detail["lines"] == 3 and detail["test"] is False
    assert set(detail["stage_milliseconds"]) >= {"rotation", "regions", "text_detection",
                                                  "recognition", "validation"}
    text = runner.machine.get_object(detail["results"]["text"]).decode()
    assert text.split("\f")[1].strip() == "Page two says goodbye"
    textract = json.loads(runner.machine.get_object(detail["results"]["textract"]))
    assert textract["DocumentMetadata"]["Pages"] == 3


def test_input_is_never_modified_or_deleted(runner):
    data = pdf_of([["Keep me as I am"]])
    outcome, _, uri = run_bytes(runner, data, "keep.pdf")
    assert outcome.error is None
    assert runner.machine.get_object(uri) == data


def test_transient_error_is_retried_and_succeeds(runner):
    real = runner.lambdas.handlers["ocrflow-regions"]
    failures = []

    def flaky(event, context):
        if not failures:
            failures.append(1)
            raise TransientError("S3 SlowDown")
        return real(event, context)

    with replaced(runner, "ocrflow-regions", flaky):
        outcome, calls, _ = run_bytes(runner, pdf_of([["Retry me once"]]), "retry.pdf")
    assert outcome.error is None
    assert [line.text for line in outcome.document.pages[0].lines] == ["Retry me once"]
    assert calls.count("ocrflow-regions") == 2


def test_permanent_error_ends_in_one_ocr_failed_event(runner):
    def broken(request, context):
        raise ModelError("model file /opt/models/PP-OCRv6_det_small.onnx is missing")

    failing = local_handler(PAGE.__class__(PAGE.name, PAGE.request_model, broken, PAGE.stage_of), runner.context)
    with replaced(runner, "ocrflow-text-detection", failing):
        outcome, calls, _ = run_bytes(runner, pdf_of([["Never read"]]), "broken.pdf")
    assert outcome.document is None
    assert calls.count("ocrflow-text-detection") == 1, "permanent errors are not retried"
    assert "ocrflow-recognition" not in calls and "ocrflow-validation" not in calls
    failed = [e for e in outcome.events if e["detail-type"] == "OcrFailed"]
    assert len(failed) == 1 and not [e for e in outcome.events if e["detail-type"] == "OcrCompleted"]
    detail = failed[0]["detail"]
    assert detail["error_code"] == "MODEL_ERROR" and detail["stage"] == "text_detection"
    assert detail["error_type"] == "ModelError" and "PP-OCRv6_det_small.onnx" in detail["message"]


@pytest.mark.parametrize("data,code", [
    (b"", "EMPTY_DOCUMENT"),
    (b"<html><body>not a document</body></html>", "UNSUPPORTED_FORMAT"),
    (b"%PDF-1.7\n%%EOF truncated", "CORRUPT_DOCUMENT"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "CORRUPT_DOCUMENT"),
])
def test_invalid_input_is_rejected_by_ingest_alone(runner, data, code):
    outcome, calls, uri = run_bytes(runner, data, "bad.bin")
    assert outcome.error is not None and outcome.error.code == code
    assert outcome.error.stage == "ingest"
    assert calls == ["ocrflow-ingest"], "no later stage runs, nothing is retried"
    assert runner.machine.get_object(uri) == data


def test_missing_input_object_fails_cleanly(runner):
    outcome = runner.run_detail({"document_id": "missing-1",
                                 "document_uri": "s3://ocrflow-input/inputs/nope.pdf"})
    assert outcome.error.code == "STORAGE_ERROR" and outcome.error.stage == "ingest"


def test_trace_lists_every_state(runner):
    outcome, _, _ = run_bytes(runner, pdf_of([["Trace me"]]), "trace.pdf")
    names = {line.split()[0] for line in outcome.trace}
    assert {"Ingest", "Pages", "Rotation", "Regions", "TextDetection", "Recognition",
            "Validation", "PublishCompleted"} <= names
    assert all(ms >= 0 for ms in outcome.state_milliseconds.values())
