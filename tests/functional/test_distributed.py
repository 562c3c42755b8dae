"""The Distributed Map for long documents (``distributed.py``), executed by moto's interpreter.

moto 5.2 accepts only STANDARD children in its ASL grammar, so the definition runs here with that
one word changed: the children's states, the ItemReader over the page list Ingest writes, the
ItemSelector and the results are what AWS gets. A child catches its page's error and returns it,
so the map run ends as it would in AWS whether a page fails or not (moto would report a failed
map run as succeeded), and Validation raises that error.
"""

from __future__ import annotations

import itertools
import json
import threading

import pytest

from ocrflow.errors import ModelError
from ocrflow.local.statemachine import substitutions
from ocrflow.orchestration import asl
from ocrflow.stages.recognition import TextRecognizer

from .test_express import EXPRESS_MAX_PAGES, document_id_of, executions, published, read_once, states_entered
from .test_statemachine import pdf_of, run_bytes


def for_moto(definition: str) -> str:
    return definition.replace('"ExecutionType": "EXPRESS"', '"ExecutionType": "STANDARD"')


@pytest.fixture(scope="module")
def runner():
    from ocrflow.local.runner import LocalRunner

    local = LocalRunner(trace=True, express_max_pages=EXPRESS_MAX_PAGES)
    machine = local.machine
    definition = asl.fill(asl.build(distributed=True), substitutions())
    assert '"ExecutionType": "EXPRESS"' in definition
    machine.sfn.update_state_machine(stateMachineArn=machine.arn, definition=for_moto(definition))
    yield local
    local.close()


def test_a_long_documents_pages_run_as_children_of_a_distributed_map(runner):
    pages = [[f"Distributed page {n}"] for n in range(1, EXPRESS_MAX_PAGES + 3)]
    _, calls, standard, _ = read_once(runner, pages)
    assert calls.count("ocrflow-recognition") == len(pages)
    entered = states_entered(standard)
    assert entered[4:] == ["Ingest", "Pages", "Validation", "PublishCompleted"]  # no page state in the parent
    kinds = [e["type"] for e in standard]
    assert "MapRunStarted" in kinds and "MapRunSucceeded" in kinds
    ingested = json.loads(next(e for e in standard if e["type"] == "TaskSucceeded"
                               and "page_list_key" in e["taskSucceededEventDetails"]["output"])
                          ["taskSucceededEventDetails"]["output"])["Payload"]
    assert ingested["pages"] == [] and ingested["page_list_key"].endswith("/pages.json")
    listed = json.loads(runner.machine.s3.get_object(Bucket="ocrflow-work", Key=ingested["page_list_key"])
                        ["Body"].read())
    assert [item["page"] for item in listed] == list(range(1, len(pages) + 1))


@pytest.mark.parametrize("error,described", [
    (ModelError("model file PP-OCRv6_rec_small_latin.onnx is corrupt"),
     ("MODEL_ERROR", "ModelError", "recognition", "corrupt")),
    (RuntimeError("a crash"), ("INTERNAL_ERROR", "OcrflowError", "unknown", "RuntimeError")),  # as a timeout
])
def test_a_failed_page_ends_the_document_in_one_ocr_failed_with_its_stages_code(runner, monkeypatch, error,
                                                                                  described):
    """In AWS the failed map run would say States.ExceedToleratedFailureThreshold (INTERNAL_ERROR);
    the page's child returns its error instead, and Validation raises it."""
    read, lock, original = itertools.count(), threading.Lock(), TextRecognizer.__call__

    def second_page_read_fails(self, image, lines):
        with lock:
            failing = next(read) == 1
        if failing:
            raise error
        return original(self, image, lines)

    monkeypatch.setattr(TextRecognizer, "__call__", second_page_read_fails)
    data = pdf_of([[f"Failing page {n} ({type(error).__name__})"] for n in range(1, EXPRESS_MAX_PAGES + 3)])
    outcome, calls, _ = run_bytes(runner, data, "failing.pdf")
    (failed,) = [event["detail"] for event in published(outcome, "OcrFailed")]
    assert not published(outcome, "OcrCompleted")
    code, error_type, stage, message = described
    assert (failed["error_code"], failed["error_type"], failed["stage"]) == (code, error_type, stage)
    assert message in failed["message"]
    assert calls.count("ocrflow-recognition") == EXPRESS_MAX_PAGES + 2, "every page ran; the failed one once"
    standard, _ = executions(runner, document_id_of(data))
    assert states_entered(standard)[4:] == ["Ingest", "Pages", "Validation", "ParseFailure", "DescribeFailure",
                                            "IsTest", "MarkProduction", "PublishFailed", "Failed"]
    assert "MapRunSucceeded" in [e["type"] for e in standard]
