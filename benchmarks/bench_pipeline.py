"""Benchmark: milliseconds per page for each stage and in total, and peak memory.

Runs the in-process pipeline (``--mode direct``) or the local state machine
(``--mode statemachine``, the production ASL and handlers) over the images of
ground-truth manifests, after one warm-up page, and prints mean and p95.

    python benchmarks/bench_pipeline.py [MANIFEST ...] [--threads 2] [--mode direct]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MANIFESTS = [REPO.parent / "shared" / "data" / n / "manifest.jsonl"
                     for n in ("sroie-dev", "funsd-dev")]
STAGES = ("rotation", "regions", "text_detection", "recognition", "validation")


def percentile_row(name: str, values: list[float]) -> str:
    return f"  {name:<16} mean {np.mean(values):8.1f}   p95 {np.percentile(values, 95):8.1f}"


def bench_direct(images: list[Path], threads: int) -> dict[str, list[float]]:
    from ocrflow.pipeline import PagePipeline, StageTimer
    from ocrflow.settings import (
        RecognitionSettings,
        RegionsSettings,
        RotationSettings,
        TextDetectionSettings,
    )

    pipe = PagePipeline(rotation=RotationSettings(threads=threads),
                        regions=RegionsSettings(threads=threads),
                        detection=TextDetectionSettings(threads=threads),
                        recognition=RecognitionSettings(threads=threads))
    from ocrflow.documents import load_pages

    pipe(cv2.imread(str(images[0])))  # warm-up: sessions, arenas
    timings: dict[str, list[float]] = {s: [] for s in ("decode", *STAGES, "total")}
    for path in images:
        data = path.read_bytes()
        timer = StageTimer()
        start = time.perf_counter()
        with timer("decode"):
            pages = list(load_pages(data))
        for page in pages:
            pipe(page.image, timer=timer)
        timings["total"].append((time.perf_counter() - start) * 1e3)
        for stage in ("decode", *STAGES):
            timings[stage].append(timer.milliseconds.get(stage, 0.0))
    return timings


RUNNER = None


def bench_statemachine(images: list[Path], threads: int) -> dict[str, list[float]]:
    """End to end per file: upload, execution, every state, reading the result back."""
    global RUNNER
    import os

    os.environ["OCRFLOW_THREADS"] = str(threads)
    from ocrflow.local.runner import LocalRunner

    if RUNNER is None:
        RUNNER = LocalRunner()
        RUNNER.run_file(images[0])
    runner = RUNNER
    timings: dict[str, list[float]] = {"total": []}
    for path in images:
        start = time.perf_counter()
        outcome = runner.run_file(path)
        timings["total"].append((time.perf_counter() - start) * 1e3)
        for state, ms in outcome.state_milliseconds.items():
            timings.setdefault(state, []).append(ms)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="*", type=Path, default=DEFAULT_MANIFESTS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mode", choices=("direct", "statemachine"), default="direct")
    args = parser.parse_args()
    from ocrflow.evaluation.groundtruth import read_manifest

    for manifest in args.manifests:
        images = [page.image for page in read_manifest(manifest)]
        run = bench_direct if args.mode == "direct" else bench_statemachine
        timings = run(images, args.threads)
        print(f"{manifest.parent.name}: {len(images)} pages, {args.threads} threads, "
              f"mode {args.mode}, milliseconds per page")
        for name, values in timings.items():
            print(percentile_row(name, values))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
