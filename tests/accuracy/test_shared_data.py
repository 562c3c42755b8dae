"""Accuracy gates on the real documents in ../shared/data (skipped when absent).

Scored as the team's scorer does (ocrflow.evaluation.scoring). The headline gate
is alphanumeric word F1 (runs of letters and digits); whitespace-token word F1 is
gated too. RapidOCR 3.10 scores 0.903 / 0.775 word F1 (sroie-dev / funsd-dev) on
the same files.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocrflow.evaluation.groundtruth import read_manifest
from ocrflow.evaluation.scoring import ScoredLine, aggregate, score_page
from ocrflow.geometry import quarter_turn
from ocrflow.synthetic import rotate_page
from tests.conftest import shared_manifest

GATES = {"sroie-dev": {"alnum": 0.975, "word": 0.943}, "funsd-dev": {"alnum": 0.922, "word": 0.811}}
ROTATION_TOLERANCE = 0.01


def score_dataset(pipeline, name: str, turn: int = 0) -> dict:
    pages = []
    for gt in read_manifest(shared_manifest(name)):
        image = cv2.imread(str(gt.image))
        h, w = image.shape[:2]
        to_turned = quarter_turn(turn, w, h)
        truth = [ScoredLine(l.text, [tuple(p) for p in to_turned.apply(np.array(l.polygon))], l.ignore)
                 for l in gt.lines]
        page = pipeline(rotate_page(image, turn))
        predicted = [ScoredLine(l.text, l.polygon) for l in page.lines]
        pages.append(score_page(truth, predicted, rotate_page(image, turn).shape[:2]))
        pages[-1]["rotation_correct"] = page.rotation.angle == (360 - turn) % 360
    result = aggregate(pages)
    result["rotation_accuracy"] = float(np.mean([p["rotation_correct"] for p in pages]))
    return result


@pytest.fixture(scope="module")
def upright(pipeline):
    return {}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(GATES))
def test_word_f1_gate(pipeline, upright, name):
    upright[name] = score_dataset(pipeline, name)
    result = upright[name]
    print(f"\n{name}: alphanumeric word F1 {result['alnum']['f1']:.4f} word F1 {result['word']['f1']:.4f} "
          f"line CER {result['line_cer']:.4f} "
          f"detection R/P {result['detection_recall']:.3f}/{result['detection_precision']:.3f}")
    assert result["alnum"]["f1"] >= GATES[name]["alnum"]
    assert result["word"]["f1"] >= GATES[name]["word"]
    assert result["detection_recall"] >= 0.95
    assert result["rotation_accuracy"] == 1.0


@pytest.mark.shared_data
@pytest.mark.parametrize("turn", [90, 180, 270])
@pytest.mark.parametrize("name", sorted(GATES))
def test_rotated_pages_score_like_upright(pipeline, upright, name, turn):
    if name not in upright:
        upright[name] = score_dataset(pipeline, name)
    rotated = score_dataset(pipeline, name, turn)
    print(f"\n{name} turned {turn}: word F1 {rotated['word']['f1']:.4f} "
          f"(upright {upright[name]['word']['f1']:.4f})")
    assert rotated["rotation_accuracy"] == 1.0
    assert abs(rotated["word"]["f1"] - upright[name]["word"]["f1"]) <= ROTATION_TOLERANCE
    assert abs(rotated["detection_recall"] - upright[name]["detection_recall"]) <= 0.02
