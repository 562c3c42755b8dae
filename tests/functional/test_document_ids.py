"""A DocumentSubmitted whose document id is not one (any JSON value, any size) is refused as
INVALID_PAYLOAD, reported under "unknown" with a short escaped excerpt, and never logged."""

from __future__ import annotations

import io
import json

import pytest

from ocrflow.handlers.runtime import logger
from ocrflow.local.runner import LocalRunner

RAW = "evil\n\x1b[31m" + "A" * 5000


@pytest.mark.parametrize("document_id,quoted", [
    (RAW, "'evil\\n\\x1b[31mAAAA"),
    ({"$ne": None, "nested": ["x" * 5000]}, "{'$ne': None, 'nested': ['xxxx"),
    ("r\u00e9sum\u00e9 2026", "'r\\xe9sum\\xe9 2026'"),
])
def test_an_invalid_document_id_is_never_logged_or_republished(document_id, quoted):
    runner = LocalRunner(powertools=True)
    logged, handler = io.StringIO(), logger.registered_handler
    previous, handler.stream = handler.stream, logged
    try:
        runner.machine
        logger.setLevel("INFO")
        outcome = runner.run_detail({"schema_version": "1.0", "document_id": document_id,
                                     "document_uri": "s3://ocrflow-input/inputs/x.png"})
        published = runner.machine.published()
    finally:
        logger.setLevel("ERROR")
        handler.stream = previous
        runner.close()

    assert outcome.error.code == "INVALID_PAYLOAD"
    failed = [e["detail"] for e in published if e["detail-type"] == "OcrFailed"]
    assert len(failed) == 1 and failed[0]["document_id"] == "unknown"
    message = failed[0]["message"]
    assert f"(document_id was {quoted}" in message and len(message) < 400 and message.isascii()
    assert not any(ch in message for ch in "\n\x1b")
    text = logged.getvalue()
    assert "A" * 100 not in text and "x" * 100 not in text and "\\u001b" not in text and "sum" not in text
    assert all(json.loads(line).get("document_id") in (None, "unknown") for line in text.splitlines())
