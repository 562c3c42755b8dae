"""Every hostile input through the local state machine: exactly one answer, the expected code,
bounded memory, the input object untouched."""

from __future__ import annotations

import pytest

from ocrflow.local.statemachine import INPUT_BUCKET
from tests.hostile_inputs import COMPLETED, kinds, reported_id, run_case

CASES = kinds()
ADDED_MB = 600  # above what the process already holds; a decompressed 100000x100000 PNG would add 30 GB


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_hostile_input_ends_in_exactly_one_answer(runner, case):
    runner.machine  # deployed before the input bucket is listed
    before = {o["Key"] for o in runner.machine.s3.list_objects_v2(Bucket=INPUT_BUCKET).get("Contents", [])}
    ran = run_case(runner, case, INPUT_BUCKET)
    assert len(ran.answers) == 1, [e["detail-type"] for e in ran.outcome.events]
    answer = ran.answers[0]
    assert answer["detail"]["document_id"] == reported_id(ran.detail, "")
    assert ran.got in case.accepted, answer["detail"]
    if ran.got != COMPLETED:
        assert answer["detail"]["message"] and answer["detail"]["stage"] in ("starter", "ingest")
    if case.reads:
        assert case.reads in " ".join(line.text for page in ran.outcome.document.pages for line in page.lines)
    assert ran.added_mb < ADDED_MB, f"peak resident memory rose by {ran.added_mb} MB"
    if case.data is not None:
        assert runner.machine.get_object(ran.uri) == case.data, "the input object is only ever read"
    after = {o["Key"] for o in runner.machine.s3.list_objects_v2(Bucket=INPUT_BUCKET).get("Contents", [])}
    expected_new = {ran.uri.split("/", 3)[3]} if case.data is not None else set()
    assert after - before <= expected_new, "nothing is written to the input bucket"
    assert ran.seconds < 120
