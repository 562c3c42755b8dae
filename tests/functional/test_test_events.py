"""Test events through the production path: scored, published, routed away from production."""

from __future__ import annotations

import json

import cv2

from ocrflow.schema.events import OcrTestScored
from ocrflow.synthetic import render_page, rotate_page

LINES = ["Order 4471 shipped", "Total due 12.50"]


def manifest_line(truth) -> dict:
    return {"source-ref": "page.png", "annotations": {"texts": [
        {"text": t.text, "polygon": [{"x": t.box[0], "y": t.box[1]}, {"x": t.box[2], "y": t.box[1]},
                                     {"x": t.box[2], "y": t.box[3]}, {"x": t.box[0], "y": t.box[3]}]}
        for t in truth]}}


def submit_test(runner, image, record, case_id: str, **test):
    ok, png = cv2.imencode(".png", image)
    machine = runner.machine
    uri = machine.upload(png.tobytes(), f"tests/{case_id}.png")
    truth_uri = machine.upload(json.dumps(record).encode(), f"tests/{case_id}.truth.json")
    detail = {"document_id": case_id, "document_uri": uri,
              "test": {"ground_truth_uri": truth_uri, "dataset": "rendered", "case_id": case_id, **test}}
    return runner.run_detail(detail)


def test_test_event_is_scored_and_published(runner):
    image, truth = render_page(LINES)
    outcome = submit_test(runner, image, manifest_line(truth), "case-1", variant="baseline")
    kinds = [e["detail-type"] for e in outcome.events]
    assert kinds == ["OcrCompleted", "OcrTestScored"]
    completed = outcome.events[0]["detail"]
    assert completed["test"] is True and completed["test_case"]["case_id"] == "case-1"
    scored = OcrTestScored.model_validate(outcome.events[1]["detail"])
    assert scored.word.f1 == 1.0 and scored.cer == 0.0 and scored.line_cer == 0.0
    assert scored.detection.recall == 1.0 and scored.variant == "baseline"
    assert scored.outcome == "completed" and scored.stage_milliseconds["recognition"] > 0
    stored = json.loads(runner.machine.get_object(scored.score_uri))
    assert stored["word"]["f1"] == 1.0


def test_rotated_test_page_scores_in_input_coordinates(runner):
    image, truth = render_page(LINES)
    turned = rotate_page(image, 90)
    from ocrflow.geometry import quarter_turn

    turn = quarter_turn(90, image.shape[1], image.shape[0])
    record = manifest_line(truth)
    for text in record["annotations"]["texts"]:
        for point in text["polygon"]:
            point["x"], point["y"] = turn.apply([[point["x"], point["y"]]])[0].tolist()
    outcome = submit_test(runner, turned, record, "case-rot", expected_rotation=270)
    scored = outcome.events[-1]["detail"]
    assert scored["rotation_correct"] is True
    assert scored["word"]["f1"] == 1.0 and scored["detection"]["recall"] == 1.0
    assert scored["line_cer"] == 0.0 and scored["cer"] == 0.0


def test_failed_test_event_is_scored_as_a_failure(runner):
    machine = runner.machine
    uri = machine.upload(b"not an image at all", "tests/broken.bin")
    truth_uri = machine.upload(json.dumps({"annotations": {"texts": [
        {"text": "HELLO", "polygon": [{"x": 0, "y": 0}, {"x": 9, "y": 0}, {"x": 9, "y": 9}, {"x": 0, "y": 9}]}]}}
    ).encode(), "tests/broken.truth.json")
    outcome = runner.run_detail({"document_id": "case-broken", "document_uri": uri, "test": {
        "ground_truth_uri": truth_uri, "dataset": "rendered", "case_id": "case-broken"}})
    kinds = [e["detail-type"] for e in outcome.events]
    assert kinds == ["OcrFailed", "OcrTestScored"]
    assert outcome.events[0]["detail"]["test"] is True
    scored = outcome.events[1]["detail"]
    assert scored["outcome"] == "failed" and scored["failure_code"] == "UNSUPPORTED_FORMAT"
    assert scored["word"]["f1"] == 0.0 and scored["cer"] == 1.0


def test_production_event_is_not_scored(runner):
    image, _ = render_page(LINES)
    ok, png = cv2.imencode(".png", image)
    uri = runner.machine.upload(png.tobytes(), "tests/prod.png")
    outcome = runner.run_detail({"document_id": "prod-1", "document_uri": uri})
    assert [e["detail-type"] for e in outcome.events] == ["OcrCompleted"]
    assert outcome.events[0]["detail"]["test"] is False


def test_rules_deliver_test_results_only_to_the_scorer_queue(runner):
    """Real EventBridge rule delivery (moto) with the pattern files the CDK app deploys."""
    from ocrflow.local.statemachine import EVENT_BUS
    from tests.conftest import REPO

    machine = runner.machine
    patterns = REPO / "events" / "patterns"
    queues = {name: machine.rule_to_queue(f"check-{name}", json.loads((patterns / f"{name}.json").read_text()))
              for name in ("production-consumer", "scorer")}
    for test in (True, False):
        machine.events.put_events(Entries=[{"EventBusName": EVENT_BUS, "Source": "ocrflow",
                                            "DetailType": "OcrCompleted",
                                            "Detail": json.dumps({"document_id": f"x-{test}", "test": test})}])
    got = {name: [e["detail"]["test"] for e in machine.drain(url)] for name, url in queues.items()}
    assert got == {"production-consumer": [False], "scorer": [True]}
    machine.drain(machine.scorer_queue_url)  # the hand-made event also reached the local scorer's queue
    machine.published()
