"""Write the public contract to ``events/``: a JSON Schema and a sample event per type, and
the EventBridge patterns.

    python -m ocrflow.schema.export          # regenerate (run from the repository root)
    python -m ocrflow.schema.export --check  # exit 1 if events/ drifted from the models
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from ..registry import stage_names
from .events import (
    SOURCE,
    DetectionScores,
    DocumentSubmitted,
    OcrFailed,
    OcrTestScored,
    ResultSummary,
    ResultUris,
    TestCase,
    WordScores,
)
from .patterns import PATTERNS

MODELS: dict[str, type[BaseModel]] = {"DocumentSubmitted": DocumentSubmitted, "OcrCompleted": ResultSummary,
          "OcrFailed": OcrFailed, "OcrTestScored": OcrTestScored}


def sample_details() -> dict[str, dict]:
    case = TestCase(ground_truth_uri="s3://my-eval-bucket/truth/sroie_001.json", dataset="sroie-dev",
                    case_id="sroie_001", variant="pp-ocrv6")
    uris = ResultUris(document="s3://ocrflow-work/results/inv-2026-0417/document.json",
                      text="s3://ocrflow-work/results/inv-2026-0417/document.txt",
                      textract="s3://ocrflow-work/results/inv-2026-0417/textract.json")
    details = {
        "DocumentSubmitted": DocumentSubmitted(document_id="inv-2026-0417",
                                               document_uri="s3://upstream-inbox/2026/11/inv-2026-0417.pdf"),
        "OcrCompleted": ResultSummary(
            document_id="inv-2026-0417", status="ok", pages=2, lines=58, words=231, mean_confidence=0.9712,
            findings=1, stage_milliseconds={**dict(zip(stage_names(), (61.2, 140.9, 388.0, 702.5))),
                                            "validation": 31.4}, results=uris),
        "OcrFailed": OcrFailed(document_id="inv-2026-0418", error_code="UNSUPPORTED_FORMAT",
                               error_type="UnsupportedFormatError", stage="ingest",
                               message="unsupported document type: expected PDF, PNG, JPEG, TIFF, BMP or WebP"),
        "OcrTestScored": OcrTestScored(
            document_id="sroie-dev-sroie_001-pp-ocrv6", dataset="sroie-dev", case_id="sroie_001",
            variant="pp-ocrv6", outcome="completed", word=WordScores(precision=0.93, recall=0.91, f1=0.92),
            alnum=WordScores(precision=0.97, recall=0.96, f1=0.965),
            cer=0.061, wer=0.142, line_cer=0.069, detection=DetectionScores(recall=0.98, precision=0.97),
            rotation_correct=True, counts={"word_tp": 91, "word_pred": 98, "word_gt": 100, "alnum_tp": 120,
                                                    "alnum_pred": 124, "alnum_gt": 125, "pages": 1},
            stage_milliseconds={stage_names()[-1]: 702.5},
            score_uri="s3://ocrflow-work/scores/sroie-dev/pp-ocrv6/sroie_001/sroie_001-5f2c0d6e1b7a4c3d9e8f7a6b.json"),
    }
    out = {name: model.model_dump(mode="json", exclude_none=True) for name, model in details.items()}
    out["DocumentSubmittedTest"] = DocumentSubmitted(
        document_id="sroie-dev-sroie_001-pp-ocrv6", document_uri="s3://my-eval-bucket/images/sroie_001.jpg",
        test=case).model_dump(mode="json", exclude_none=True)
    return out


def sample_event(name: str, detail: dict) -> dict:
    detail_type = "DocumentSubmitted" if name.startswith("DocumentSubmitted") else name
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": detail_type,
            "source": "com.example.invoices" if detail_type == "DocumentSubmitted" else SOURCE,
            "account": "123456789012", "time": "2026-11-23T14:32:00Z", "region": "eu-west-1",
            "resources": [], "detail": detail}


def schema_of(name: str) -> dict:
    model = MODELS[name]
    schema = model.model_json_schema(mode="serialization" if name != "DocumentSubmitted" else "validation")
    schema["title"] = name
    return schema


def rendered(events_dir: Path) -> dict[Path, str]:
    files = {}
    for name in MODELS:
        files[events_dir / "schemas" / f"{name}.json"] = json.dumps(schema_of(name), indent=2, sort_keys=True) + "\n"
    for name, detail in sample_details().items():
        files[events_dir / "samples" / f"{name}.json"] = json.dumps(sample_event(name, detail), indent=2) + "\n"
    for name, pattern in PATTERNS.items():
        files[events_dir / "patterns" / f"{name}.json"] = json.dumps(pattern) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("events"))
    args = parser.parse_args(argv)
    drifted = []
    for path, text in rendered(args.out).items():
        if args.check:
            if not path.is_file() or path.read_text() != text:
                drifted.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in drifted:
        print(f"drifted: {path}", file=sys.stderr)
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
