"""``ocrflow bench`` end to end on two rendered pages: every part of its report is there, with
figures that come from the runs (pages counted, stages timed, F1 against the truth given)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import pytest

from ocrflow.synthetic import render_page

PAGES = (["Bench Report", "", "Costs fell in every region this year.", "Sales rose by 12 percent."],
         ["Invoice 2026-0417", "", "Total due 39.99", "Thank you for your order"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    texts = []
    for index, lines in enumerate(PAGES):
        image, truth = render_page(lines)
        cv2.imwrite(str(folder / f"page{index}.png"), image)
        texts.append([{"text": t.text, "polygon": [{"x": x, "y": y} for x, y in
                                                  ((t.box[0], t.box[1]), (t.box[2], t.box[1]),
                                                   (t.box[2], t.box[3]), (t.box[0], t.box[3]))]} for t in truth])
    manifest = folder / "manifest.jsonl"
    manifest.write_text(json.dumps({"source-ref": "page0.png", "annotations": {"texts": texts[0]}}) + "\n")
    return folder, manifest


def bench(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ocrflow", "bench", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_bench_reports_every_part_from_real_runs(corpus):
    folder, manifest = corpus
    run = bench(str(manifest), str(folder / "page1.png"), "--workers", "1,2", "--peers", "tesseract",
                "--skip", "fresh", "--json", "out.json", cwd=folder)
    assert run.returncode == 0, run.stderr
    for title in ("stages called directly", "interleaved in one process", "by characters read",
                  "Cold start per stage", "Pages per minute", "Engines on the same documents",
                  "Estimated AWS cost per 1,000 pages", "Step Functions history"):
        assert title in run.stdout, title
    result = json.loads((folder / "out.json").read_text())
    assert result["documents"] == 2 and result["pages"] == 2
    for stage in ("decode", "rotation", "regions", "text_detection", "recognition", "validation"):
        assert result["stages"][stage]["n"] == 2 and result["stages"][stage]["mean"] > 0
    assert result["end_to_end"]["state machine"]["n"] == 2
    assert sum(row["n"] for row in result["by_characters"]) == 2
    assert [row["n"] for row in result["by_characters"] if row["characters"] == "10-100"] == [2]
    assert set(result["cold_start"]) == {"rotation", "regions", "text_detection", "recognition"}
    assert all(c["cold_ms"] > c["load_ms"] > 0 for c in result["cold_start"].values())
    assert set(result["throughput"]) == {"1", "2"} and all(r > 0 for r in result["throughput"].values())
    ocrflow = result["engines"]["ocrflow"]
    assert ocrflow["word_f1"] > 0.9 and ocrflow["alnum_f1"] > 0.9  # scored on the one page with truth
    tesseract = result["engines"]["tesseract"]
    assert ("skipped" in tesseract) == (shutil.which("tesseract") is None)
    usage = result["usage"]
    # each document: one Standard transition (RunExpress), its states in one Express execution
    assert usage["pages"] == 2 and usage["transitions"] == 2 * 1 and usage["page_transitions"] == 0
    assert usage["express_executions"] == 2 and usage["express_ms"] > 0
    assert usage["s3_writes"] > 0 and usage["s3_reads"] > 0 and usage["lambda_invocations"] == 2 * 6
    history = result["history"]  # the document's states: 4 page states and their Map iteration
    assert history["per_page"] > 4 * 2 and history["largest_document_pages"] > 500
    cost = result["cost_per_1000_pages"]
    assert cost["step_functions_standard"] == pytest.approx(1 * 0.025)  # one transition a one-page document
    assert 0 < cost["step_functions_express"] < cost["step_functions_standard"] / 10
    assert 0 < cost["lambda_compute"] < cost["total"] < cost["textract_detect_document_text"]


def test_an_unknown_peer_is_refused(corpus):
    folder, manifest = corpus
    run = bench(str(manifest), "--peers", "abbyy", cwd=folder)
    assert run.returncode == 2 and "unknown peer abbyy" in run.stderr
