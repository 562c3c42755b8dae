"""Shadow runs through the local state machine: a share of production documents also runs a
variant after the primary result is published; it is compared, measured, and never published."""

from __future__ import annotations

import json

import cv2
import pytest

from ocrflow.synthetic import render_page

LINES = ["Invoice 2026-0417", "Total due 39.99"]


@pytest.fixture
def shadow_runner(tmp_path, monkeypatch):
    from ocrflow.local.runner import LocalRunner
    from ocrflow.variants import variants

    config = json.loads(variants().model_dump_json())
    config["shadow"] = {"variant": "pp-ocrv4-rec", "share": 1.0}
    path = tmp_path / "variants.json"
    path.write_text(json.dumps(config))
    monkeypatch.setenv("OCRFLOW_VARIANTS_FILE", str(path))
    local = LocalRunner(powertools=True)
    yield local
    local.close()


def test_a_shadow_run_compares_with_the_primary_and_never_publishes(shadow_runner, tmp_path, capfd):
    image, _ = render_page(LINES)
    path = tmp_path / "production.png"
    cv2.imwrite(str(path), image)
    outcome = shadow_runner.run_file(path)
    machine = shadow_runner.machine
    executions = machine.sfn.list_executions(stateMachineArn=machine.arn)["executions"]
    shadow = [e for e in executions if e["name"].endswith("-shadow")]
    assert len(executions) == 2 and len(shadow) == 1
    finished = machine.wait(shadow[0]["executionArn"])
    assert finished["status"] == "SUCCEEDED"
    published = [e for e in machine.published() if e["detail"]["document_id"] == outcome.document.document_id]
    assert [e["detail-type"] for e in published] == ["OcrCompleted"]  # the primary's, once
    assert published[0]["detail"]["variant"] is None and published[0]["detail"]["shadow"] is None
    summary = json.loads(finished["output"])
    comparison = summary["shadow"]
    assert comparison["variant"] == "pp-ocrv4-rec" and summary["variant"] == "pp-ocrv4-rec"
    assert comparison["primary"] == published[0]["detail"]["results"]["document"]
    assert comparison["agreement"] == 1.0 and comparison["lines_delta"] == 0  # both read the clean page
    stored = json.loads(machine.get_object(summary["results"]["document"].replace("document.json",
                                                                                  "shadow-comparison.json")))
    assert stored == comparison
    metrics = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    agreement = [m for m in metrics if "shadow_agreement" in m]
    assert len(agreement) == 1 and agreement[0]["shadow_agreement"] == [100.0]
    assert agreement[0]["variant"] == "pp-ocrv4-rec"
