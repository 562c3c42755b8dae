"""``ocrflow eval`` on documents rendered here, and its report in a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import cv2
import pytest

from ocrflow.cli import main
from ocrflow.synthetic import render_page, rotate_page

PAGES = {"memo": ["Memo to all staff", "The office closes at 5 pm"],
         "note": ["Parcel for room 12", "Signed by reception"]}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    root = tmp_path_factory.mktemp("rendered-set")
    (root / "images").mkdir()
    lines = []
    for name, text in PAGES.items():
        image, truth = render_page(text)
        if name == "note":
            image = rotate_page(image, 180)  # a page fed upside down
            h, w = image.shape[:2]
            truth = [(t.text, (w - t.box[2], h - t.box[3], w - t.box[0], h - t.box[1])) for t in truth]
        else:
            truth = [(t.text, t.box) for t in truth]
        cv2.imwrite(str(root / "images" / f"{name}.png"), image)
        lines.append(json.dumps({"source-ref": f"images/{name}.png", "annotations": {"texts": [
            {"text": text, "polygon": [{"x": l, "y": t}, {"x": r, "y": t}, {"x": r, "y": b}, {"x": l, "y": b}]}
            for text, (l, t, r, b) in truth]}}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return root / "manifest.jsonl"


VARIANT = "pp-ocrv4-rec"  # declared in ocrflow/variants.json


@pytest.fixture(scope="module")
def runs(manifest, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    assert main(["eval", str(manifest), "--out", str(out / "a"), "--variant", "baseline"]) == 0
    assert main(["eval", str(manifest), "--out", str(out / "b"), "--variant", "baseline",
                 "--compare", str(out / "a")]) == 0
    assert main(["eval", str(manifest), "--out", str(out / "ab"), "--variants", f"baseline,{VARIANT}"]) == 0
    return out


def test_summary_totals_and_documents(runs):
    summary = json.loads((runs / "a" / "summary.json").read_text())
    totals = summary["datasets"]["rendered-set0"]
    assert totals["documents"] == 2 and totals["failed"] == 0
    assert totals["alnum"]["f1"] == 1.0 and totals["word"]["f1"] == 1.0
    assert totals["cer"] == 0.0 and totals["line_cer"] == 0.0
    assert totals["rotation_accuracy"] == 0.5  # the upside-down page is counted as turned
    assert {d["case_id"] for d in summary["documents"]} == set(PAGES)
    assert summary["variant"] == "baseline"


def test_report_compares_against_a_baseline(runs):
    html = (runs / "b" / "report.html").read_text()
    assert "baseline" in html and "(+0.0000)" in html
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/', html)) >= 4 + 2


def test_two_variants_in_one_call_write_both_and_the_deltas(runs):
    base = json.loads((runs / "ab" / "baseline" / "summary.json").read_text())
    other = json.loads((runs / "ab" / VARIANT / "summary.json").read_text())
    assert base["variant"] == "baseline" and other["variant"] == VARIANT
    alone = json.loads((runs / "a" / "summary.json").read_text())["datasets"]
    for name, totals in base["datasets"].items():  # the same variant reads the same, interleaved or not
        assert {k: totals[k] for k in ("alnum", "word", "cer", "line_cer")} == {
            k: alone[name][k] for k in ("alnum", "word", "cer", "line_cer")}
    comparison = json.loads((runs / "ab" / VARIANT / "comparison.json").read_text())
    assert comparison["variant"] == VARIANT and comparison["baseline"] == "baseline"
    row = comparison["datasets"]["rendered-set0"]
    alnum = row["alnum"]
    assert alnum["value"] == other["datasets"]["rendered-set0"]["alnum"]["f1"]
    assert alnum["delta"] == pytest.approx(alnum["value"] - base["datasets"]["rendered-set0"]["alnum"]["f1"])
    assert set(row["stage_milliseconds"]) >= {"rotation", "recognition"}
    assert {d["case_id"] for d in comparison["documents"]} == set(PAGES)
    assert not (runs / "ab" / "baseline" / "comparison.json").exists()


def test_report_renders_in_headless_chromium(runs, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (make test installs it where apt-get can)")
    page = (runs / "b" / "report.html").as_uri()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=5000"]
    dom = subprocess.run([*flags, "--dump-dom", page], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    loaded = re.search(r'data-images-loaded="(\d+)" data-images="(\d+)"', dom.stdout)
    assert loaded and loaded.group(1) == loaded.group(2) and int(loaded.group(2)) >= 6
    console_errors = [l for l in dom.stderr.splitlines() if "CONSOLE" in l and "error" in l.lower()
                      or "Uncaught" in l]
    assert not console_errors
    shot = tmp_path / "report.png"
    run = subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={shot}", page],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    pixels = cv2.imread(str(shot))
    assert pixels.shape[:2] == (2400, 1280)
    assert (pixels < 200).any(axis=2).mean() > 0.02, "the screenshot shows tables and plots, not a blank page"
