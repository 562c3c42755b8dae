"""Stage variants through the local state machine: a test event's variant changes what runs and
is scored under its name; an undeclared one is refused (shadow runs: test_shadow_runs.py)."""

from __future__ import annotations

import json

from ocrflow.synthetic import render_page

from .test_test_events import manifest_line, submit_test

LINES = ["Invoice 2026-0417", "Total due 39.99"]


def stage_output(runner, document: dict, stage: str) -> dict:
    from ocrflow.local.statemachine import WORK_BUCKET
    from ocrflow.storage import WorkLayout

    run_id = document["results"]["document"].split("/")[-2]
    key = WorkLayout(document["document_id"], run_id).page_outputs(1)
    return json.loads(runner.machine.get_object(f"s3://{WORK_BUCKET}/{key}"))["outputs"][stage]


def test_a_test_events_variant_changes_what_runs_and_is_scored_under_its_name(runner):
    image, truth = render_page(LINES)
    outcome = submit_test(runner, image, manifest_line(truth), "variant-b", variant="pp-ocrv4-rec")
    assert [e["detail-type"] for e in outcome.events] == ["OcrCompleted", "OcrTestScored"]
    completed, scored = (e["detail"] for e in outcome.events)
    assert completed["variant"] == "pp-ocrv4-rec" and scored["variant"] == "pp-ocrv4-rec"
    document = outcome.document
    assert document.variant == "pp-ocrv4-rec" and document.models["recognition"] == "pp-ocrv4-rec"
    assert document.models["text_detection"] == "pp-ocrv6-det-small"  # the overlay touches one stage
    recognition = stage_output(runner, completed, "recognition")
    assert recognition["variant"] == "pp-ocrv4-rec" and recognition["result"]["model"] == "pp-ocrv4-rec"
    assert stage_output(runner, completed, "text_detection")["variant"] == "pp-ocrv4-rec"
    baseline = submit_test(runner, image, manifest_line(truth), "variant-a", variant="baseline")
    assert baseline.document.models["recognition"] == "pp-ocrv6-rec-small-latin"


def test_an_undeclared_variant_is_refused_with_a_clear_error(runner):
    image, truth = render_page(LINES)
    outcome = submit_test(runner, image, manifest_line(truth), "variant-x", variant="no-such-variant")
    failed = [e["detail"] for e in outcome.events if e["detail-type"] == "OcrFailed"]
    assert len(failed) == 1 and failed[0]["error_code"] == "INVALID_PAYLOAD"
    assert "no-such-variant" in failed[0]["message"] and "pp-ocrv4-rec" in failed[0]["message"]
