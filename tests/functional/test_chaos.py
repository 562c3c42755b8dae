"""The chaos run, small and seeded: every fault kind injected at least once, and still every document
ends in exactly one outcome or waits in a dead-letter queue (``ocrflow chaos`` runs it at 500)."""

from __future__ import annotations

import pytest

from ocrflow.local.chaos import DUPLICATES, ChaosRun

FAULT_KINDS = {"throttled", "transient error", "crash after side effect", "put_events entry refused",
               "put_events answer lost"}


@pytest.fixture(scope="module")
def ledger():
    chaos = ChaosRun(documents=60, seed=11, rate=0.06, jobs=4)
    try:
        yield chaos.run()
    finally:
        chaos.close()


def test_every_fault_kind_and_every_duplicate_kind_was_injected(ledger):
    assert {kind for kind, _ in ledger.faults} == FAULT_KINDS
    assert set(ledger.duplicates) == {name for name, _ in DUPLICATES}
    functions = {where for (kind, where) in ledger.faults if kind in ("throttled", "transient error")}
    assert {"starter", "ingest", "rotation", "text-detection", "recognition", "validation"} <= functions


def test_every_document_has_one_outcome_or_waits_in_a_dead_letter_queue(ledger):
    print(ledger.table())
    assert sum(ledger.submitted.values()) == 60
    assert ledger.more_than_one_outcome == []
    assert ledger.lost == []
    answered = {document for document, found in ledger.outcomes.items() if found}
    assert len(answered | set(ledger.parked)) == 60


def test_readable_documents_complete_despite_the_faults(ledger):
    """The faults are ones the hops recover from: every page, blank page and test document completes,
    but for the rare one whose task met a fault at each of its four attempts (OcrFailed,
    INTERNAL_ERROR) or a starter that failed it five times (parked)."""
    completed = {d for d, found in ledger.outcomes.items() if any(kind == "OcrCompleted" for kind, _ in found)}
    readable = ledger.submitted["page"] + ledger.submitted["blank"] + ledger.submitted["test"]
    exhausted = ledger.failed_codes["INTERNAL_ERROR"]
    assert len(completed) + len(ledger.parked) + exhausted >= readable
    assert len(ledger.parked) + exhausted <= 2
    assert set(ledger.failed_codes) <= {"UNSUPPORTED_FORMAT", "INVALID_PAYLOAD", "INTERNAL_ERROR"}


def test_expected_failures_carry_their_stable_codes(ledger):
    assert ledger.failed_codes["UNSUPPORTED_FORMAT"] == ledger.submitted["corrupt"]
    assert ledger.failed_codes["INVALID_PAYLOAD"] == ledger.submitted["malformed"]
    assert ledger.scored >= 1

