"""The Standard workflow runs each document in an Express execution and takes over only what that
one leaves: a document longer than the Express limit (here 2 pages), or an Express execution that
ended without publishing. Every document still ends in exactly one OcrCompleted or OcrFailed."""

from __future__ import annotations

import json

import pytest

from ocrflow.orchestration.asl import LONG_DOCUMENT
from ocrflow.synthetic import render_page

from .test_statemachine import pdf_of, run_bytes

EXPRESS_MAX_PAGES = 2


@pytest.fixture(scope="module")
def runner():
    from ocrflow.local.runner import LocalRunner

    local = LocalRunner(trace=True, express_max_pages=EXPRESS_MAX_PAGES)
    yield local
    local.close()


def states_entered(history: list[dict]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]


def executions(runner, document_id: str) -> tuple[list[dict], list[dict] | None]:
    machine = runner.machine
    found = [e for e in machine.sfn.list_executions(stateMachineArn=machine.arn)["executions"]
             if json.loads(machine.sfn.describe_execution(executionArn=e["executionArn"])["input"])
             ["detail"]["document_id"] == document_id]
    assert len(found) == 1
    arn = found[0]["executionArn"]
    return machine.history(arn), machine.express_history(arn)


def published(outcome, kind: str) -> list[dict]:
    return [e for e in outcome.events if e["detail-type"] == kind]


def document_id_of(data: bytes) -> str:
    return f"t{abs(hash(data)) % 10**12}"  # as run_bytes names it


def test_a_short_document_costs_the_standard_workflow_one_transition(runner):
    import cv2

    data = cv2.imencode(".png", render_page(["Express runs this page"])[0])[1].tobytes()
    outcome, calls, _ = run_bytes(runner, data, "one.png")
    assert outcome.error is None and [l.text for l in outcome.document.pages[0].lines] == ["Express runs this page"]
    assert len(published(outcome, "OcrCompleted")) == 1 and not published(outcome, "OcrFailed")
    standard, express = executions(runner, document_id_of(data))
    assert states_entered(standard) == ["RunExpress"]
    assert states_entered(express)[:2] == ["Ingest", "FitsThisWorkflow"]
    assert outcome.history.transitions == 1 and outcome.history.express_executions == 1
    assert calls.count("ocrflow-ingest") == 1


def read_once(runner, pages: list[list[str]]) -> tuple[bytes, list[str], list[dict], list[dict] | None]:
    """A PDF of these pages, run to one OcrCompleted with every line read; its bytes, the functions
    invoked, and the Standard and Express histories."""
    data = pdf_of(pages)
    outcome, calls, _ = run_bytes(runner, data, "long.pdf")
    assert outcome.error is None
    assert [[line.text for line in p.lines] for p in outcome.document.pages] == pages
    assert len(published(outcome, "OcrCompleted")) == 1 and not published(outcome, "OcrFailed")
    return data, calls, *executions(runner, document_id_of(data))


def test_a_longer_document_is_left_unsplit_and_run_by_the_standard_workflow(runner):
    pages = [[f"Page {n} of the long one"] for n in range(1, EXPRESS_MAX_PAGES + 2)]
    data, calls, standard, express = read_once(runner, pages)
    assert states_entered(express) == ["Ingest", "FitsThisWorkflow", LONG_DOCUMENT]
    entered = states_entered(standard)
    assert entered[:4] == ["RunExpress", "ExpressFailed", "ReadExpressFailure", "RouteExpressFailure"]
    assert entered[4:5] == ["Ingest"] and "Pages" in entered and entered.count("Recognition") == len(pages)
    # the Express Ingest only counted the pages: one split, by the Standard workflow's Ingest
    assert calls.count("ocrflow-ingest") == 2 and calls.count("ocrflow-recognition") == len(pages)
    keys = [o["Key"] for o in runner.machine.s3.list_objects_v2(
        Bucket="ocrflow-work", Prefix=f"work/{document_id_of(data)}/").get("Contents", [])]
    assert len({key.split("/")[2] for key in keys if "/pages/" in key}) == 1, "pages of one run only"


def test_a_bad_document_fails_once_in_the_express_workflow(runner):
    outcome, calls, _ = run_bytes(runner, b"%PDF-1.7 truncated", "broken.pdf")
    assert outcome.error is not None and outcome.error.code == "CORRUPT_DOCUMENT"
    assert len(published(outcome, "OcrFailed")) == 1 and not published(outcome, "OcrCompleted")
    standard, _ = executions(runner, document_id_of(b"%PDF-1.7 truncated"))
    assert states_entered(standard) == ["RunExpress", "ExpressFailed", "ReadExpressFailure",
                                        "RouteExpressFailure", "Failed"]


def test_an_express_execution_that_ends_without_publishing_is_reported_once(runner):
    """Five minutes up (or a crash) inside the Express workflow: nothing was published there, so the
    Standard workflow publishes the one OcrFailed."""
    import cv2

    machine = runner.machine
    sfn = machine.sfn
    original = sfn.describe_state_machine(stateMachineArn=machine.express_arn)["definition"]
    timeout = {"StartAt": "Late", "States": {"Late": {"Type": "Fail", "Error": "States.Timeout", "Cause": "5 min"}}}
    sfn.update_state_machine(stateMachineArn=machine.express_arn, definition=json.dumps(timeout))
    try:
        data = cv2.imencode(".png", render_page(["Never read"])[0])[1].tobytes()
        outcome, _, _ = run_bytes(runner, data, "late.png")
    finally:
        sfn.update_state_machine(stateMachineArn=machine.express_arn, definition=original)
    failed = published(outcome, "OcrFailed")
    assert len(failed) == 1 and not published(outcome, "OcrCompleted")
    assert failed[0]["detail"]["error_code"] == "INTERNAL_ERROR"
    _, express = executions(runner, document_id_of(data))
    ended = [e for e in express if e["type"] == "ExecutionFailed"][0]["executionFailedEventDetails"]["error"]
    assert ended.startswith("States.") and failed[0]["detail"]["error_type"] == ended  # says how it ended
