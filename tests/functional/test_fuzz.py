"""Property-based fuzzing through the local state machine: mutated images, PDFs and events.

Whatever arrives, a document ends in exactly one OcrCompleted or OcrFailed with a known code,
and its input object is unchanged. Bounded and derandomized in CI (HYPOTHESIS_PROFILE=fuzz
runs many more examples).
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocrflow import errors
from ocrflow.local.runner import LocalRunner
from ocrflow.local.statemachine import INPUT_BUCKET
from tests.hostile_inputs import COMPLETED, encode, pdf_bytes, reported_id, text_page

settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CODES = {cls.code for cls in errors.error_classes()} | {COMPLETED}
SEEDS = {"png": encode(text_page(), ".png"), "jpeg": encode(text_page(), ".jpg"), "pdf": pdf_bytes()}
NUMBER = itertools.count()


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """A valid document with bytes flipped, cut, inserted or appended."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "append", "zero"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "append":
            data += draw(st.binary(min_size=1, max_size=256))
        elif kind == "zero":
            data[at:at + draw(st.integers(1, 512))] = b"\0" * draw(st.integers(1, 512))
    return bytes(data)


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)


@st.composite
def events(draw):
    """A valid DocumentSubmitted detail with fields dropped, retyped, added or replaced."""
    detail = {"schema_version": "1.0", "document_id": f"fuzz-event-{next(NUMBER)}",
              "document_uri": f"s3://{INPUT_BUCKET}/fuzz/seed.png"}
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(["schema_version", "document_id", "document_uri", "test", "extra"]))
        action = draw(st.sampled_from(["drop", "retype", "set"]))
        if action == "drop":
            detail.pop(field, None)
        elif action == "retype":
            detail[field] = draw(JSON)
        else:
            detail[field] = draw(st.text(max_size=40))
    return detail if draw(st.integers(0, 9)) else draw(JSON)  # now and then not an object at all


def answer_of(runner: LocalRunner, detail, document_id: str) -> str:
    outcome = runner.run_detail(detail)
    answers = [e for e in outcome.events if e["detail-type"] in ("OcrCompleted", "OcrFailed")]
    assert len(answers) == 1, [e["detail-type"] for e in outcome.events]
    answer = answers[0]
    assert answer["detail"]["document_id"] == document_id
    return COMPLETED if answer["detail-type"] == "OcrCompleted" else answer["detail"]["error_code"]


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_documents_end_in_one_answer_and_stay_untouched(runner, kind):
    @given(data=mutated(SEEDS[kind]))
    def check(data):
        document_id = f"fuzz-{kind}-{next(NUMBER)}"
        uri = runner.machine.upload(data, f"fuzz/{document_id}")
        got = answer_of(runner, {"document_id": document_id, "document_uri": uri}, document_id)
        assert got in CODES
        assert runner.machine.get_object(uri) == data

    check()


def test_mutated_events_end_in_one_answer(runner):
    runner.machine.upload(SEEDS["png"], "fuzz/seed.png")

    @given(detail=events())
    def check(detail):
        assert answer_of(runner, detail, reported_id(detail, "")) in CODES  # a valid id, else "unknown"
        assert runner.machine.get_object(f"s3://{INPUT_BUCKET}/fuzz/seed.png") == SEEDS["png"]

    check()
