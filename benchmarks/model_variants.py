"""Accuracy and per-stage time of model variants, in one process, pages interleaved.

Each page runs through every variant in turn (A B C A B C ...), so a machine whose speed drifts
(other work beside it) slows each variant alike; the models are loaded before the clock starts.
Prints, per variant and manifest: alphanumeric and word F1, and the mean milliseconds per page of
each stage and of the page. The variants are those of ``variants.json`` (their models fetched:
``ocrflow models fetch --model NAME``).

    python benchmarks/model_variants.py baseline int8-rec server-det \\
        --manifests ../shared/data/sroie-dev/manifest.jsonl ../shared/data/funsd-dev/manifest.jsonl
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from ocrflow.evaluation.groundtruth import read_manifest
from ocrflow.evaluation.scoring import ScoredLine, aggregate, score_page
from ocrflow.pipeline import PagePipeline, StageTimer
from ocrflow.variants import BASELINE, variants


def pipeline(name: str) -> PagePipeline:
    overlay = {} if name == BASELINE else variants().variants[name].stages
    return PagePipeline(**overlay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--manifests", nargs="+", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=0, help="pages per manifest (0: all)")
    args = parser.parse_args()
    pipes = {name: pipeline(name) for name in args.variants}
    warm = np.full((64, 64, 3), 255, np.uint8)
    for pipe in pipes.values():
        pipe(warm, timer=StageTimer())  # load every model before timing
    for manifest in args.manifests:
        pages = list(read_manifest(manifest))[: args.limit or None]
        scores, times = defaultdict(list), defaultdict(lambda: defaultdict(list))
        for gt in pages:
            image = cv2.imread(str(gt.image))
            for name, pipe in pipes.items():
                timer = StageTimer()
                page = pipe(image, timer=timer)
                pred = [ScoredLine(text=line.text, polygon=line.polygon) for line in page.lines]
                scores[name].append(score_page(gt.lines, pred, image.shape[:2]))
                for stage, ms in timer.milliseconds.items():
                    times[name][stage].append(ms)
                times[name]["page"].append(sum(timer.milliseconds.values()))
            print(f"  {gt.image.name}", end="", flush=True)
        print()
        for name in pipes:
            agg = aggregate(scores[name])
            stages = " ".join(f"{stage} {np.mean(ms):.0f}" for stage, ms in times[name].items())
            print(f"{manifest.parent.name} {name}: alnum F1 {agg['alnum']['f1']:.4f} word F1 "
                  f"{agg['word']['f1']:.4f} lineCER {agg['line_cer']:.4f} | ms/page {stages}", flush=True)


if __name__ == "__main__":
    main()
