"""Score the in-process pipeline on ground-truth manifests (tuning aid; no state machine)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2

from ocrflow.evaluation.groundtruth import read_manifest
from ocrflow.evaluation.scoring import ScoredLine, aggregate, score_page
from ocrflow.pipeline import PagePipeline, StageTimer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("manifests", nargs="+", type=Path)
    parser.add_argument("--set", action="append", default=[], help="stage.field=value")
    parser.add_argument("--rotate", type=int, default=0)
    args = parser.parse_args()
    overrides: dict[str, dict] = {}
    for item in args.set:
        key, value = item.split("=", 1)
        stage, name = key.split(".")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value  # a bare string such as a model name
        overrides.setdefault(stage, {})[name] = parsed
    pipe = PagePipeline(**overrides)  # by stage name, e.g. --set text_detection.max_side=2048
    for manifest in args.manifests:
        scores, timers, start = [], [], time.perf_counter()
        for gt in read_manifest(manifest):
            image = cv2.imread(str(gt.image))
            timers.append(StageTimer())
            page = pipe(image, timer=timers[-1])
            pred = [ScoredLine(text=l.text, polygon=l.polygon) for l in page.lines]
            scores.append(score_page(gt.lines, pred, image.shape[:2]))
        agg = aggregate(scores)
        print(f"{manifest.parent.name}: alnum F1 {agg['alnum']['f1']:.4f} word P/R/F1 {agg['word']['precision']:.4f}/"
              f"{agg['word']['recall']:.4f}/{agg['word']['f1']:.4f} meanF1 {agg['word_f1_mean']:.4f} "
              f"lineCER {agg['line_cer']:.4f} detR {agg['detection_recall']:.3f} "
              f"detP {agg['detection_precision']:.3f} ({time.perf_counter() - start:.1f}s)")
        stages = {name: sum(t.milliseconds.get(name, 0.0) for t in timers) / len(timers)
                  for name in timers[0].milliseconds}
        print("  mean ms per page: " + ", ".join(f"{name} {ms:.0f}" for name, ms in stages.items())
              + f", page {sum(stages.values()):.0f}")


if __name__ == "__main__":
    main()
