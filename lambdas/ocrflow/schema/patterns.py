"""EventBridge patterns of the public contract, written once; ``events/patterns/*.json`` are
exported from here, the CDK app deploys them and the local run routes with them."""

from __future__ import annotations

from .events import SOURCE

RESULTS = ["OcrCompleted", "OcrFailed"]

PATTERNS: dict[str, dict] = {
    # What ocrflow itself listens to: every DocumentSubmitted, malformed ones included, so that
    # each ends in an OcrCompleted or an OcrFailed; nothing is filtered away unanswered.
    "submitted": {"detail-type": ["DocumentSubmitted"]},
    # What a production consumer subscribes with: results, never test traffic.
    "production-consumer": {"source": [SOURCE], "detail-type": RESULTS, "detail": {"test": [False]}},
    # What the scorer receives: test results, and only they.
    "scorer": {"source": [SOURCE], "detail-type": RESULTS, "detail": {"test": [True]}},
    # What test tooling receives: scores.
    "test-scores": {"source": [SOURCE], "detail-type": ["OcrTestScored"]},
}

# How often EventBridge retries a rule's target before the event goes to the rule's dead-letter queue.
TARGET_RETRIES = {"starter": 8, "scorer": 4}
