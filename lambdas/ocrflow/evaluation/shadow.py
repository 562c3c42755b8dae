"""A shadow run compared with its primary: agreement of what they read, not accuracy (a
production document has no ground truth), so that a variant's effect on consumers shows
before it is promoted."""

from __future__ import annotations

from ..schema.document import Document
from ..schema.events import ShadowComparison
from .scoring import bag_scores


def mean_confidence(document: Document) -> float:
    lines = [line for page in document.pages for line in page.lines]
    return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


def compare(shadow: Document, primary: Document, *, variant: str, primary_uri: str) -> ShadowComparison:
    def texts(document: Document) -> list[str]:
        return [line.text for page in document.pages for line in page.lines]

    agreement = bag_scores(texts(primary), texts(shadow))["alnum"]["f1"]
    return ShadowComparison(
        variant=variant, primary=primary_uri, agreement=round(agreement, 4),
        mean_confidence_delta=round(mean_confidence(shadow) - mean_confidence(primary), 4),
        lines_delta=len(texts(shadow)) - len(texts(primary)))
