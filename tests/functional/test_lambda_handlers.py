"""The production Lambda handlers (Powertools adapters), dispatched in process by the local
state machine: the same document gives the same result as through the local adapter."""

from __future__ import annotations

from tests.functional.test_statemachine import pdf_of, run_bytes


def test_production_lambda_handlers_run_the_same_document(capsys):
    """The Powertools adapters, dispatched in process, give what the local adapter gives."""
    from ocrflow.local.runner import LocalRunner

    data = pdf_of([["Powertools in front", "of the same tasks"]])
    lambda_runner = LocalRunner(powertools=True)
    try:
        outcome, calls, _ = run_bytes(lambda_runner, data, "powertools.pdf")
        assert outcome.error is None
        lines = [line.text for line in outcome.document.pages[0].lines]
    finally:
        lambda_runner.close()
    assert lines == ["Powertools in front", "of the same tasks"]
    assert calls == ["ocrflow-ingest", "ocrflow-rotation", "ocrflow-regions", "ocrflow-text-detection",
                     "ocrflow-recognition", "ocrflow-validation"]
    assert capsys.readouterr().out == "", "nothing reaches stdout in a local run, Powertools included"


def test_info_logs_say_what_ran_and_never_what_the_document_says():
    """CloudWatch is read by more people than the documents are meant for: at INFO the handlers
    log ids, stages and timings, and no word of the page."""
    import io
    import json

    from ocrflow.handlers.runtime import logger
    from ocrflow.local.runner import LocalRunner

    words = ["Confidential", "salary", "Hemingway", "4417"]
    data = pdf_of([["Confidential salary review", "for Hemingway account 4417"]])
    runner = LocalRunner(powertools=True)
    logged, handler = io.StringIO(), logger.registered_handler
    previous, handler.stream = handler.stream, logged  # its stream was bound at import time
    try:
        runner.machine  # the runner quietens the handlers' logger to errors for a terminal
        logger.setLevel("INFO")
        outcome, _, _ = run_bytes(runner, data, "secret.pdf")
        assert outcome.error is None
        assert [line.text for line in outcome.document.pages[0].lines] == [
            "Confidential salary review", "for Hemingway account 4417"]
    finally:
        logger.setLevel("ERROR")
        handler.stream = previous
        runner.close()
    records = [json.loads(line) for line in logged.getvalue().splitlines()]
    assert {r["stage"] for r in records if r["message"] == "stage done"} == {
        "starter", "ingest", "rotation", "regions", "text_detection", "recognition", "validation"}
    assert all(r["level"] == "INFO" and r["document_id"] for r in records)
    for word in words:
        assert word.lower() not in logged.getvalue().lower(), word
