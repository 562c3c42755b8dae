"""Scoring whole documents (``ocrflow.evaluation.documents``): a long document is scored well
inside the scorer's timeout, and every page counts."""

from __future__ import annotations

import time

import pytest

from ocrflow.evaluation.documents import score_document
from ocrflow.evaluation.scoring import ScoredLine
from ocrflow.registry import SCORER
from ocrflow.schema.events import TestCase as CaseSchema  # not "Test*": pytest would collect it
from ocrflow.synthetic import render_page

SCORER_TIMEOUT_SECONDS = SCORER.timeout_seconds  # the scorer function's, as deployed
WORDS = ("invoice", "total", "amount", "due", "account", "reference", "payment", "balance", "order", "tax")


def dense_lines(page: int) -> list[str]:
    """About 1,500 characters of text: 36 lines of 7 words."""
    return [" ".join(f"{WORDS[(page + row + i) % len(WORDS)]}{row * 7 + i}" for i in range(7)) for row in range(36)]


@pytest.fixture(scope="module")
def twenty_pages(pipeline):
    """A real 20-page result: one dense rendered page through the stages, its page repeated."""
    from ocrflow.stages.validation import assemble_document

    lines = dense_lines(0)
    image, truth = render_page(lines, font_size=22, width=1700)
    page = pipeline(image)
    pages = [page.model_copy(update={"number": n}) for n in range(1, 21)]
    document = assemble_document("long-document", pages, pipeline.models)
    truth_pages = [[ScoredLine(t.text, [(t.box[0], t.box[1]), (t.box[2], t.box[1]), (t.box[2], t.box[3]),
                                        (t.box[0], t.box[3])]) for t in truth]] * 20
    return document, truth_pages


def test_a_twenty_page_document_is_scored_well_inside_the_scorer_timeout(twenty_pages):
    document, truth = twenty_pages
    case = CaseSchema(ground_truth_uri="s3://truth/long.json", dataset="long", case_id="twenty-pages")
    start = time.perf_counter()
    scored = score_document(document, truth, case)
    elapsed = time.perf_counter() - start
    assert elapsed < SCORER_TIMEOUT_SECONDS / 4, f"{elapsed:.1f} s"  # generous: seconds here, 2 minutes there
    assert scored.counts["pages"] == 20 and scored.counts["chars"] > 20 * 1400
    assert scored.alnum.f1 > 0.95 and scored.line_cer < 0.05
