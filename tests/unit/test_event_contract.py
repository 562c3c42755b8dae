"""The public contract: files in events/ match the models, patterns route test traffic."""

from __future__ import annotations

import json

import pytest

from ocrflow.schema.events import DocumentSubmitted, OcrFailed, OcrTestScored, ResultSummary
from ocrflow.schema.export import main, rendered
from ocrflow.schema.patterns import PATTERNS
from tests.conftest import REPO

EVENTS_DIR = REPO / "events"
MODELS = {"DocumentSubmitted": DocumentSubmitted, "DocumentSubmittedTest": DocumentSubmitted,
          "OcrCompleted": ResultSummary, "OcrFailed": OcrFailed, "OcrTestScored": OcrTestScored}


def test_events_directory_has_not_drifted_from_the_models():
    drifted = [str(p) for p, text in rendered(EVENTS_DIR).items() if not p.is_file() or p.read_text() != text]
    assert not drifted, f"run `python -m ocrflow.schema.export`: {drifted}"
    assert main(["--check", "--out", str(EVENTS_DIR)]) == 0


def test_check_fails_on_a_stale_contract(tmp_path):
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert main(["--out", str(tmp_path)]) == 0 and main(["--check", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "patterns").iterdir()) == sorted(f"{n}.json" for n in PATTERNS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_samples_validate_against_their_models(name):
    event = json.loads((EVENTS_DIR / "samples" / f"{name}.json").read_text())
    MODELS[name].model_validate(event["detail"])


def test_what_we_emit_rejects_unknown_fields_and_upstream_input_tolerates_them():
    sample = json.loads((EVENTS_DIR / "samples" / "OcrFailed.json").read_text())["detail"]
    with pytest.raises(ValueError):
        OcrFailed.model_validate(dict(sample, surprise=1))
    submitted = json.loads((EVENTS_DIR / "samples" / "DocumentSubmitted.json").read_text())["detail"]
    assert DocumentSubmitted.model_validate(dict(submitted, priority="high")).document_id


def matcher(name: str):
    from moto.events.models import EventPattern

    return EventPattern.load(json.dumps(json.loads((EVENTS_DIR / "patterns" / name).read_text())))


def event(name: str, **detail) -> dict:
    sample = json.loads((EVENTS_DIR / "samples" / f"{name}.json").read_text())
    sample["detail"].update(detail)
    return sample


@pytest.mark.parametrize("kind", ["OcrCompleted", "OcrFailed"])
def test_production_consumer_pattern_never_matches_test_events(kind):
    production, scorer = matcher("production-consumer.json"), matcher("scorer.json")
    assert production.matches_event(event(kind, test=False))
    assert not production.matches_event(event(kind, test=True))
    assert scorer.matches_event(event(kind, test=True))
    assert not scorer.matches_event(event(kind, test=False))


def test_test_tooling_pattern_receives_only_scores():
    scores = matcher("test-scores.json")
    assert scores.matches_event(event("OcrTestScored"))
    assert not scores.matches_event(event("OcrCompleted", test=True))
