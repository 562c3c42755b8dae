"""Benchmark: milliseconds per page for each stage and in total, and peak memory.

Runs the in-process pipeline (``--mode direct``) or the local state machine
(``--mode statemachine``, the production ASL and handlers) over the images of
ground-truth manifests, after one warm-up page, and prints mean and p95.

    python benchmarks/bench_pipeline.py [MANIFEST ...] [--threads 2] [--mode direct|statemachine|overhead]
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
                        text_detection=TextDetectionSettings(threads=threads),
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
        RUNNER = LocalRunner(trace=True)  # trace: per-state durations from the execution history
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


def bench_overhead(images: list[Path], threads: int, repeats: int = 2) -> dict[str, list[float]]:
    """The state machine against the stages called directly, page by page in one process,
    interleaved and repeated so that drift of this machine's speed cancels out."""
    global RUNNER
    import os

    os.environ["OCRFLOW_THREADS"] = str(threads)
    from ocrflow.documents import load_pages
    from ocrflow.local.runner import LocalRunner
    from ocrflow.pipeline import PagePipeline

    RUNNER = RUNNER or LocalRunner()
    pipe = PagePipeline()
    RUNNER.run_file(images[0])
    pipe(cv2.imread(str(images[0])))
    timings: dict[str, list[float]] = {"direct": [], "statemachine": [], "overhead %": []}
    for _ in range(repeats):
        for path in images:
            start = time.perf_counter()
            for page in load_pages(path.read_bytes()):
                pipe(page.image)
            direct = (time.perf_counter() - start) * 1e3
            start = time.perf_counter()
            RUNNER.run_file(path)
            machine = (time.perf_counter() - start) * 1e3
            timings["direct"].append(direct)
            timings["statemachine"].append(machine)
            timings["overhead %"].append(100 * (machine / direct - 1))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="*", type=Path, default=DEFAULT_MANIFESTS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mode", choices=("direct", "statemachine", "overhead"), default="direct")
    args = parser.parse_args()
    from ocrflow.evaluation.groundtruth import read_manifest

    for manifest in args.manifests:
        images = [page.image for page in read_manifest(manifest)]
        run = {"direct": bench_direct, "statemachine": bench_statemachine,
               "overhead": bench_overhead}[args.mode]
        timings = run(images, args.threads)
        print(f"{manifest.parent.name}: {len(images)} pages, {args.threads} threads, "
              f"mode {args.mode}, milliseconds per page")
        for name, values in timings.items():
            print(percentile_row(name, values))
        if args.mode == "overhead":
            total = 100 * (sum(timings["statemachine"]) / sum(timings["direct"]) - 1)
            print(f"  overhead of the state machine over direct calls: {total:.1f} % of total time")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
