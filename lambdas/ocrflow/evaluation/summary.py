"""What a campaign of test documents comes to: totals per data set from the raw counts (so they
aggregate exactly), per-document scores, and the deltas between two runs. ``ocrflow eval``
builds it from a local run, ``ocrflow report`` from the score objects the scorer stored."""

from __future__ import annotations

from typing import Any

import numpy as np

from .scoring import prf

HEADLINE = (("alnum", "f1", True), ("word", "f1", True), ("cer", None, False), ("line_cer", None, False))


def summarise(records: list[dict], variant: str | None) -> dict:
    """Totals per data set, micro-averaged from the raw counts."""
    datasets: dict[str, dict] = {}
    for name in sorted({r["dataset"] for r in records}):
        rows = [r for r in records if r["dataset"] == name]
        c = {k: sum(r["counts"].get(k, 0) for r in rows) for k in rows[0]["counts"]}
        stages = sorted({s for r in rows for s in r["stage_milliseconds"]})
        datasets[name] = {
            "documents": len(rows), "failed": sum(r["outcome"] == "failed" for r in rows),
            **{kind: prf(c.get(f"{kind}_tp", 0), c.get(f"{kind}_pred", 0), c.get(f"{kind}_gt", 0))
               for kind in ("alnum", "word")},
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
    documents = [{k: r.get(k) for k in ("dataset", "case_id", "document_id", "outcome", "failure_code",
                                    "alnum", "word", "cer", "wer", "line_cer", "detection", "rotation_correct",
                                    "counts", "stage_milliseconds")} for r in records]
    return {"schema_version": "1.0", "variant": variant, "datasets": datasets, "documents": documents}


def _rotation_accuracy(rows: list[dict]) -> float | None:
    known = [r["rotation_correct"] for r in rows if r["rotation_correct"] is not None]
    if known:
        return float(np.mean(known))
    turned = [r["rotations"][0] == 0 for r in rows if r["outcome"] == "completed" and r.get("rotations")]
    return float(np.mean(turned)) if turned else None


def _figure(totals: dict, key: str, part: str | None) -> float | None:
    value = totals.get(key)
    return value.get(part) if part and isinstance(value, dict) else value


def compare(summary: dict, baseline: dict) -> dict:
    """Deltas of ``summary`` against ``baseline``: per data set (headline scores and mean stage
    milliseconds) and per document (alphanumeric word F1), documents matched by data set and case."""
    datasets = {}
    for name, totals in summary["datasets"].items():
        base = baseline["datasets"].get(name)
        if base is None:
            continue
        row: dict[str, Any] = {}
        for key, part, _ in HEADLINE:
            value, before = _figure(totals, key, part), _figure(base, key, part)
            if value is not None and before is not None:
                row[key] = {"value": value, "baseline": before, "delta": value - before}
        stages = totals.get("stage_milliseconds", {})
        row["stage_milliseconds"] = {
            stage: {"value": v["mean"], "baseline": base["stage_milliseconds"][stage]["mean"],
                    "delta": v["mean"] - base["stage_milliseconds"][stage]["mean"]}
            for stage, v in stages.items() if stage in base.get("stage_milliseconds", {})}
        datasets[name] = row
    earlier = {(d["dataset"], d["case_id"]): d for d in baseline["documents"]}
    documents = [{"dataset": d["dataset"], "case_id": d["case_id"], "alnum_f1": d["alnum"]["f1"],
                  "baseline": earlier[key]["alnum"]["f1"], "delta": d["alnum"]["f1"] - earlier[key]["alnum"]["f1"]}
                 for d in summary["documents"] for key in [(d["dataset"], d["case_id"])]
                 if key in earlier and "alnum" in earlier[key]]
    return {"variant": summary.get("variant"), "baseline": baseline.get("variant"), "datasets": datasets,
            "documents": sorted(documents, key=lambda d: d["delta"])}
