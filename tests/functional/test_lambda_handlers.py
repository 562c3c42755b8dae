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
