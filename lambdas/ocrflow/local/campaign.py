"""``ocrflow eval``: every document of some manifests sent as a *test event* through the
local state machine (the production path), scored by the scorer, summarised."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

from .runner import LocalRunner


def case_id(source_ref: str) -> str:
    return Path(source_ref).stem


def document_id(dataset: str, case: str, variant: str | None) -> str:
    raw = f"{dataset}-{case}" + (f"-{variant}" if variant else "")
    return re.sub(r"[^A-Za-z0-9._-]", "-", raw)[:128]


def progress(done: int, total: int, label: str) -> None:
    if not sys.stderr.isatty() and done not in (total,) and done % 10:
        return
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run_campaign(manifests: list[Path], variant: str | None = None,
                 runner: LocalRunner | None = None) -> list[dict]:
    """One record per document: the OcrTestScored detail plus where its inputs and result are."""
    own = runner is None
    runner = runner or LocalRunner()
    cases = []
    for manifest in manifests:
        for raw in Path(manifest).read_text().splitlines():
            if raw.strip():
                cases.append((Path(manifest), json.loads(raw)))
    records = []
    try:
        for done, (manifest, record) in enumerate(cases, 1):
            dataset, case = manifest.parent.name, case_id(record["source-ref"])
            image = manifest.parent / record["source-ref"]
            machine = runner.machine
            doc_id = document_id(dataset, case, variant)
            uri = machine.upload(image.read_bytes(), f"eval/{dataset}/{image.name}")
            truth_uri = machine.upload(json.dumps(record).encode(), f"eval/{dataset}/{case}.truth.json")
            test = {"ground_truth_uri": truth_uri, "dataset": dataset, "case_id": case}
            if variant:
                test["variant"] = variant
            outcome = runner.run_detail({"document_id": doc_id, "document_uri": uri, "test": test})
            scored = [e["detail"] for e in outcome.events if e["detail-type"] == "OcrTestScored"]
            if len(scored) != 1:
                raise RuntimeError(f"{dataset}/{case}: expected one OcrTestScored, got {len(scored)}")
            entry = dict(scored[0], image=str(image), truth=record)
            if outcome.document is not None:
                entry["predicted"] = [[l.polygon for l in p.lines] for p in outcome.document.pages]
                entry["rotation"] = [p.rotation.angle for p in outcome.document.pages]
            records.append(entry)
            progress(done, len(cases), f"{dataset}/{case} F1 {scored[0]['word']['f1']:.3f}")
    finally:
        if own:
            runner.close()
    return records


def summarise(records: list[dict], variant: str | None) -> dict:
    """Totals per data set, micro-averaged from the raw counts."""
    datasets: dict[str, dict] = {}
    for name in sorted({r["dataset"] for r in records}):
        rows = [r for r in records if r["dataset"] == name]
        c = {k: sum(r["counts"].get(k, 0) for r in rows) for k in rows[0]["counts"]}
        precision = c["word_tp"] / c["word_pred"] if c["word_pred"] else 1.0
        recall = c["word_tp"] / c["word_gt"] if c["word_gt"] else 1.0
        stages = sorted({s for r in rows for s in r["stage_milliseconds"]})
        datasets[name] = {
            "documents": len(rows), "failed": sum(r["outcome"] == "failed" for r in rows),
            "word": {"precision": precision, "recall": recall,
                     "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0},
            "cer": c["char_errors"] / c["chars"] if c["chars"] else 0.0,
            "wer": c["word_errors"] / c["words"] if c["words"] else 0.0,
            "line_cer": c["line_char_errors"] / c["line_chars"] if c["line_chars"] else 0.0,
            "detection_recall": float(np.mean([r["detection"]["recall"] for r in rows])),
            "detection_precision": float(np.mean([r["detection"]["precision"] for r in rows])),
            "rotation_accuracy": _rotation_accuracy(rows),
            "stage_milliseconds": {
                s: {"mean": float(np.mean(v)), "p95": float(np.percentile(v, 95))}
                for s in stages for v in [[r["stage_milliseconds"][s] for r in rows
                                           if s in r["stage_milliseconds"]]]},
        }
    documents = [{k: r[k] for k in ("dataset", "case_id", "document_id", "outcome", "failure_code",
                                    "word", "cer", "wer", "line_cer", "detection", "rotation_correct",
                                    "counts", "stage_milliseconds")} for r in records]
    return {"schema_version": "1.0", "variant": variant, "datasets": datasets, "documents": documents}


def _rotation_accuracy(rows: list[dict]) -> float | None:
    known = [r["rotation_correct"] for r in rows if r["rotation_correct"] is not None]
    if known:
        return float(np.mean(known))
    turned = [r.get("rotation", [0])[0] == 0 for r in rows if r["outcome"] == "completed"]
    return float(np.mean(turned)) if turned else None
