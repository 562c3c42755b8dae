"""Ground truth readers: SageMaker Ground Truth manifest lines (as in ../shared/data)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .documents import truth_from_manifest_line
from .scoring import ScoredLine


@dataclass(frozen=True)
class GroundTruthPage:
    image: Path
    width: int | None
    height: int | None
    lines: list[ScoredLine]


def read_manifest(manifest: Path) -> list[GroundTruthPage]:
    """Each line: {"source-ref": path relative to the manifest, "annotations": {"texts": [...]}}."""
    pages = []
    for raw in Path(manifest).read_text().splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        (lines,) = truth_from_manifest_line(record)
        source = record["source-ref"]
        image = Path(source) if source.startswith("/") else Path(manifest).parent / source
        pages.append(GroundTruthPage(image=image, width=record.get("width"),
                                     height=record.get("height"), lines=lines))
    return pages
