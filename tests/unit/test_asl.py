"""Static checks of the ASL file against the code it orchestrates."""

from __future__ import annotations

import json

import pytest

from ocrflow import errors
from ocrflow.errors import PayloadError
from ocrflow.local.statemachine import ASL_PATH, fill_substitutions, substitutions
from ocrflow.schema.payloads import IngestResult, PageRef

ASL = json.loads(ASL_PATH.read_text())
TRANSIENT_ONLY = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                  "Lambda.TooManyRequestsException", "TransientError", "States.TaskFailed"}


def all_states(states: dict):
    for name, state in states.items():
        yield name, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"]["States"])


def error_classes() -> set[str]:
    found, todo = set(), [errors.OcrflowError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def test_catch_names_every_ocrflow_error_class():
    assert PayloadError.__name__ in error_classes()
    for name, state in all_states(ASL["States"]):
        for catcher in state.get("Catch", []):
            if catcher["Next"] == "ParseFailure":
                assert set(catcher["ErrorEquals"]) == error_classes(), name


def test_only_transient_errors_are_retried():
    for name, state in all_states(ASL["States"]):
        for retrier in state.get("Retry", []):
            assert set(retrier["ErrorEquals"]) <= TRANSIENT_ONLY, name
            assert retrier["BackoffRate"] > 1 and retrier.get("JitterStrategy") == "FULL"


def test_every_lambda_task_retries_and_every_top_level_task_is_caught():
    for name, state in all_states(ASL["States"]):
        if state.get("Resource") == "arn:aws:states:::lambda:invoke":
            assert state["Retry"], name
    for name in ("Ingest", "Pages", "Validation"):
        targets = [c["Next"] for c in ASL["States"][name]["Catch"]]
        assert targets == ["ParseFailure", "DescribeUnexpectedFailure"]


def test_substitutions_resolve_and_unknown_ones_fail():
    filled = json.loads(fill_substitutions(ASL_PATH.read_text(), substitutions()))
    assert "${" not in json.dumps(filled["States"])
    with pytest.raises(KeyError, match="EventBusName"):
        fill_substitutions(ASL_PATH.read_text(), {k: v for k, v in substitutions().items()
                                                  if k != "EventBusName"})


def test_map_results_are_discarded_so_state_does_not_grow_with_pages():
    assert ASL["States"]["Pages"]["ResultPath"] is None


def test_state_of_a_500_page_document_stays_far_below_256_kib():
    pages = [PageRef(page=n, image_key=f"work/{'f' * 16}/pages/{n:04d}/page.png") for n in range(1, 501)]
    ingest = IngestResult(document_id="f" * 16, bucket="ocrflow-work-123456789012-eu-west-1",
                          source_uri="s3://in/" + "k" * 900, media_type="application/pdf",
                          page_count=500, pages=pages, max_concurrency=10)
    assert len(ingest.model_dump_json()) < 64 * 1024
