"""The starter's keys and names: what makes two submissions the same, and a safe execution name."""

from __future__ import annotations

import re

from ocrflow.schema.events import DocumentSubmitted
from ocrflow.tasks.starter import execution_arn, execution_name, reported_id, submission_key

DETAIL = DocumentSubmitted(document_id="inv-1", document_uri="s3://inbox/inv-1.pdf")
CONTENT = {"etag": '"abc"', "version": "", "size": 10}


def test_same_document_and_content_is_the_same_key():
    assert submission_key(DETAIL, CONTENT) == submission_key(DETAIL.model_copy(), dict(CONTENT))


def test_content_test_case_and_variant_each_make_a_new_key():
    keys = {submission_key(DETAIL, CONTENT), submission_key(DETAIL, {**CONTENT, "etag": '"def"'})}
    for variant in ("a", "b"):
        test = {"ground_truth_uri": "s3://truth/t.json", "dataset": "d", "case_id": "c", "variant": variant}
        keys.add(submission_key(DocumentSubmitted(**{**DETAIL.model_dump(), "test": test}), CONTENT))
    assert len(keys) == 4


def test_execution_names_are_valid_and_follow_the_submission_and_its_window():
    name = execution_name("dots.and_underscores-" + "x" * 200, "k" * 64, 20_000)
    assert len(name) <= 80 and re.fullmatch(r"[A-Za-z0-9_-]+", name)
    assert name == execution_name("dots.and_underscores-" + "x" * 200, "k" * 64, 20_000)
    assert name != execution_name("dots.and_underscores-" + "x" * 200, "k" * 64, 20_001)
    assert name != execution_name("dots.and_underscores-" + "x" * 200, "j" * 64, 20_000)


def test_a_retry_after_the_execution_started_is_the_same_execution():
    assert execution_arn("arn:aws:states:eu-west-1:1:stateMachine:ocrflow", "doc-abc") == \
        "arn:aws:states:eu-west-1:1:execution:ocrflow:doc-abc"


def test_a_malformed_event_is_reported_under_its_id_only_when_that_id_is_valid():
    assert reported_id({"document_id": "inv-1", "document_uri": 3}) == "inv-1"
    for carried in (12345, "", "x" * 129, "a\nb", "../etc", {"$ne": 1}, ["inv-1"], "inv 1"):
        assert reported_id({"document_id": carried}) == "unknown"
    assert reported_id("text") == "unknown"
