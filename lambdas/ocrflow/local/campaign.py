"""``ocrflow eval``: every document of some manifests sent as a *test event* through the
local state machine (the production path), scored by the scorer, summarised."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

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


def run_campaign(manifests: list[Path], variants: list[str | None] | None = None,
                 runner: LocalRunner | None = None) -> dict[str | None, list[dict]]:
    """Per variant, one record per document: the OcrTestScored detail plus where its inputs and
    result are. Several variants run interleaved, document by document, so that a drift of the
    machine's speed hits them alike."""
    variants = variants or [None]
    own = runner is None
    runner = runner or LocalRunner()
    cases = []
    for manifest in manifests:
        for raw in Path(manifest).read_text().splitlines():
            if raw.strip():
                cases.append((Path(manifest), json.loads(raw)))
    records: dict[str | None, list[dict]] = {variant: [] for variant in variants}
    total = len(cases) * len(variants)
    try:
        for index, (manifest, record) in enumerate(cases):
            dataset, case = manifest.parent.name, case_id(record["source-ref"])
            image = manifest.parent / record["source-ref"]
            machine = runner.machine
            uri = machine.upload(image.read_bytes(), f"eval/{dataset}/{image.name}")
            truth_uri = machine.upload(json.dumps(record).encode(), f"eval/{dataset}/{case}.truth.json")
            for offset, variant in enumerate(variants, 1):
                test = {"ground_truth_uri": truth_uri, "dataset": dataset, "case_id": case}
                if variant:
                    test["variant"] = variant
                outcome = runner.run_detail({"document_id": document_id(dataset, case, variant),
                                             "document_uri": uri, "test": test})
                scored = [e["detail"] for e in outcome.events if e["detail-type"] == "OcrTestScored"]
                if len(scored) != 1:
                    raise RuntimeError(f"{dataset}/{case}: expected one OcrTestScored, got {len(scored)}")
                entry = dict(scored[0], image=str(image), truth=record)
                if outcome.document is not None:
                    entry["predicted"] = [[l.polygon for l in p.lines] for p in outcome.document.pages]
                records[variant].append(entry)
                progress(index * len(variants) + offset, total,
                         f"{dataset}/{case} {variant or ''} F1 {scored[0]['alnum']['f1']:.3f}")
    finally:
        if own:
            runner.close()
    return records
