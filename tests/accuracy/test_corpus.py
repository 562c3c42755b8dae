"""Accuracy gates on the rendered corpus (tests/corpus): the page kinds the pipeline used to misread.

The pages are committed; ``tests/corpus/generate.py`` writes them again (and
``test_the_corpus_is_what_the_generator_writes`` checks that it still does).
Gated at the alphanumeric word F1 the pipeline reaches per class, as the
team's scorer counts it, beside the figures before issue #24's fixes:

- table: a narrow column of short figures at a dense pitch; the sideways-stack
  rule made it one garbage line on two of three pages (0.965 before).
- calendar: "9" read turned as "6" (0.992 before).
- spacing: letter-spaced words read one letter a word (0.349 before).
- strip, checkbox: read right before and after (1.000).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from ocrflow.evaluation.groundtruth import read_manifest
from ocrflow.evaluation.scoring import ScoredLine, aggregate, score_page

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GATES = {"table": 1.0, "strip": 1.0, "checkbox": 1.0, "calendar": 1.0, "spacing": 0.78}


@pytest.mark.parametrize("kind", sorted(GATES))
def test_alphanumeric_f1_per_class(pipeline, kind):
    pages = []
    for gt in read_manifest(CORPUS / kind / "manifest.jsonl"):
        image = cv2.imread(str(gt.image))
        page = pipeline(image)
        pages.append(score_page(gt.lines, [ScoredLine(l.text, l.polygon) for l in page.lines], image.shape[:2]))
    result = aggregate(pages)
    print(f"\n{kind}: alphanumeric word F1 {result['alnum']['f1']:.4f} word F1 {result['word']['f1']:.4f}")
    assert result["alnum"]["f1"] >= GATES[kind]


def test_a_column_of_note_numbers_stays_figures(pipeline):
    """The sideways rule joins table_1's column of one-digit notes into one line; recognition
    keeps the figures, which read better upright, and no line holds the column's digits run
    together."""
    (gt, *_) = read_manifest(CORPUS / "table" / "manifest.jsonl")
    page = pipeline(cv2.imread(str(gt.image)))
    notes = [l.text for l in gt.lines if len(l.text) == 1]
    read = [l.text for l in page.lines]
    assert len(notes) >= 15
    assert sorted(t for t in read if len(t) == 1) == sorted(notes)
    assert not [t for t in read if t.isdigit() and len(t) > 4]  # the years in the header are 4


def test_the_corpus_is_what_the_generator_writes(tmp_path):
    from tests.corpus.generate import generate

    generate(tmp_path)
    for manifest in CORPUS.glob("*/manifest.jsonl"):
        assert (tmp_path / manifest.parent.name / "manifest.jsonl").read_text() == manifest.read_text()
