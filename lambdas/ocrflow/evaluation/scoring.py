"""Scores: word F1 (bag of words), line CER over IoU-matched lines, detection coverage.

Text is compared upper-cased and NFKC-normalised, because the SROIE ground
truth is upper case and both data sets mix full-width and ASCII punctuation.
Two bags of tokens are scored: whitespace tokens (``word``) and alphanumeric
tokens (``alnum``: runs of letters and digits), the headline, which measures
reading rather than how a ground truth spaces punctuation ("TOTAL:" against
"TOTAL :"). Ground-truth lines flagged ``incomplete`` (FUNSD lines with
missing words) are left out of the truth; predictions are kept whole. That is
the team's definition (it reproduces RapidOCR 3.10's published 0.775 on
funsd-dev), stricter than ICDAR-style "don't care" regions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from ..geometry import bounding_box, iou_matrix

MATCH_IOU = 0.5
COVERED = 0.5
ALNUM = re.compile(r"[^\W_]+")  # letters and digits of any script


@dataclass(frozen=True)
class ScoredLine:
    """A line of text with its polygon in page pixels (ground truth or prediction)."""

    text: str
    polygon: list[tuple[float, float]]
    ignore: bool = False


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).upper().split())


def words(text: str) -> list[str]:
    return normalize(text).split()


def alnum_words(text: str) -> list[str]:
    return ALNUM.findall(normalize(text))


TOKENS = {"word": words, "alnum": alnum_words}


def bag_scores(truth: list[str], predicted: list[str]) -> dict:
    """Both bags of tokens of texts (no geometry), as counts and precision/recall/F1: what a peer
    engine that returns only text is scored with."""
    out = {}
    for kind, split in TOKENS.items():
        expected = Counter(w for text in truth for w in split(text))
        got = Counter(w for text in predicted for w in split(text))
        tp, n_pred, n_gt = sum((expected & got).values()), sum(got.values()), sum(expected.values())
        out.update({f"{kind}_tp": tp, f"{kind}_pred": n_pred, f"{kind}_gt": n_gt, kind: prf(tp, n_pred, n_gt)})
    return out


def edit_distance(a: str | list[str], b: str | list[str]) -> int:
    """Levenshtein distance of two strings (characters) or two lists (words), in C (rapidfuzz):
    a scorer that is quadratic in Python would not keep up with long documents."""
    return Levenshtein.distance(a, b)


def prf(true_positive: int, predicted: int, expected: int) -> dict[str, float]:
    """Vacuous cases count as perfect: nothing predicted is no false positive, nothing
    expected is no miss; F1 still falls to 0 when the other side is non-empty."""
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / expected if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _boxes(lines: list[ScoredLine]) -> np.ndarray:
    return np.array([bounding_box(np.array(l.polygon)) for l in lines], dtype=np.float64).reshape(-1, 4)


def match_lines(truth: list[ScoredLine], predicted: list[ScoredLine]) -> list[tuple[int, int]]:
    """Greedy 1:1 matching by descending IoU, pairs at IoU >= 0.5 only."""
    if not truth or not predicted:
        return []
    iou = iou_matrix(_boxes(truth), _boxes(predicted))
    pairs, used_t, used_p = [], set(), set()
    for flat in np.argsort(iou, axis=None)[::-1]:
        t, p = divmod(int(flat), iou.shape[1])
        if iou[t, p] < MATCH_IOU:
            break
        if t not in used_t and p not in used_p:
            pairs.append((t, p))
            used_t.add(t)
            used_p.add(p)
    return pairs


def coverage(targets: list[ScoredLine], cover: list[ScoredLine], shape: tuple[int, int]) -> float:
    """Share of target boxes at least half covered by the union of the cover boxes."""
    if not targets:
        return 1.0
    scale = min(1.0, 2000.0 / max(shape))
    h, w = int(shape[0] * scale) + 1, int(shape[1] * scale) + 1
    mask = np.zeros((h, w), dtype=np.uint8)
    for line in cover:
        pts = np.round(np.array(line.polygon) * scale).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1)
    hits = 0
    for line in targets:
        pts = np.round(np.array(line.polygon) * scale).astype(np.int32)
        own = np.zeros_like(mask)
        cv2.fillPoly(own, [pts], 1)
        area = int(own.sum())
        if area and int((own & mask).sum()) >= COVERED * area:
            hits += 1
    return hits / len(targets)


def score_page(truth: list[ScoredLine], predicted: list[ScoredLine], shape: tuple[int, int]) -> dict:
    """All scores of one page; counts are returned too so that data sets aggregate exactly."""
    truth = [line for line in truth if not line.ignore]
    pairs = match_lines(truth, predicted)
    matched = {t: p for t, p in pairs}
    char_errors, chars = 0, 0
    for t, line in enumerate(truth):
        expected = normalize(line.text)
        chars += len(expected)
        got = normalize(predicted[matched[t]].text) if t in matched else ""
        char_errors += edit_distance(expected, got)
    return {
        **bag_scores([line.text for line in truth], [line.text for line in predicted]),
        "line_char_errors": char_errors, "line_chars": chars,
        "line_cer": char_errors / chars if chars else 0.0,
        "lines_gt": len(truth), "lines_pred": len(predicted), "lines_matched": len(pairs),
        "detection_recall": coverage(truth, predicted, shape),
        "detection_precision": coverage(predicted, truth, shape),
    }


def aggregate(pages: list[dict]) -> dict:
    """Micro-averaged word scores and CER over pages; detection coverage averaged per page."""
    out: dict = {"pages": len(pages)}
    for kind in TOKENS:
        out[kind] = prf(*(sum(p[f"{kind}_{n}"] for p in pages) for n in ("tp", "pred", "gt")))
    chars = sum(p["line_chars"] for p in pages)
    out["line_cer"] = sum(p["line_char_errors"] for p in pages) / chars if chars else 0.0
    out["word_f1_mean"] = float(np.mean([p["word"]["f1"] for p in pages])) if pages else 0.0
    for key in ("detection_recall", "detection_precision"):
        out[key] = float(np.mean([p[key] for p in pages])) if pages else 0.0
    return out
