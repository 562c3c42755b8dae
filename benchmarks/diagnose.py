"""Show, per page, the words the pipeline missed and the words it added (tuning aid)."""

import sys
from collections import Counter
from pathlib import Path

import cv2

from ocrflow.evaluation.groundtruth import read_manifest
from ocrflow.evaluation.scoring import ScoredLine, score_page, words
from ocrflow.pipeline import PagePipeline

pipe = PagePipeline()
for gt in read_manifest(Path(sys.argv[1])):
    image = cv2.imread(str(gt.image))
    page = pipe(image)
    pred = [ScoredLine(text=l.text, polygon=l.polygon) for l in page.lines]
    s = score_page(gt.lines, pred, image.shape[:2])
    truth = Counter(w for l in gt.lines if not l.ignore for w in words(l.text))
    got = Counter(w for l in pred for w in words(l.text))
    print(f"{gt.image.name} {image.shape[1]}x{image.shape[0]} F1 {s['word']['f1']:.3f}")
    print("   missed:", " | ".join((truth - got).elements()))
    print("   added: ", " | ".join((got - truth).elements()))
