"""Cold start of one page stage in a fresh process, as a new Lambda container meets it: imports,
model load (the stage object built) and the first page. ``python -m ocrflow.bench.cold STAGE``
prints one JSON object; ``ocrflow bench`` starts one process per stage."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

START = time.perf_counter()


def sample_page():
    # measured: the cold start counts these imports, so they happen inside the timing
    import cv2
    import numpy as np

    page = np.full((1100, 850, 3), 255, np.uint8)
    for row, text in enumerate(("Cold start sample", "Invoice 2026-0417 total 39.99", "Thank you")):
        cv2.putText(page, text, (60, 120 + 70 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    return page


def measure(name: str) -> dict[str, float]:
    # measured with the imports above
    from ..pipeline import PagePipeline
    from ..registry import PAGE_STAGES, page_stage

    stage = page_stage(name)  # an unknown stage fails here
    imported = time.perf_counter()
    pipeline = PagePipeline()
    run = pipeline.stage(name)  # its module imported, its model loaded
    loaded = time.perf_counter()
    image = sample_page()
    outputs: dict = {}  # the stage's real inputs: what the stages before it make of the page
    for before in PAGE_STAGES[: PAGE_STAGES.index(stage)]:
        outputs[before.name] = pipeline.stage(before.name)(
            *before.arguments(lambda: image, lambda: image, outputs.__getitem__))
    ready = time.perf_counter()
    run(*stage.arguments(lambda: image, lambda: image, outputs.__getitem__))
    done = time.perf_counter()
    return {"import_ms": (imported - START) * 1e3, "load_ms": (loaded - imported) * 1e3,
            "first_page_ms": (done - ready) * 1e3, "cold_ms": (loaded - START + done - ready) * 1e3}


def cold_starts(stages: list[str]) -> dict[str, dict[str, Any]]:
    """One fresh interpreter per stage; ``process_ms`` adds the interpreter's own start."""
    out: dict[str, dict[str, Any]] = {}  # timings, or the error
    for name in stages:
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "ocrflow.bench.cold", name], capture_output=True, text=True)
        if run.returncode != 0:
            out[name] = {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "failed"}
            continue
        out[name] = {**json.loads(run.stdout), "process_ms": (time.perf_counter() - start) * 1e3}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
