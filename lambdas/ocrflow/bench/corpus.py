"""What ``ocrflow bench`` runs on: ground-truth manifests (pages with their truth, so that every
engine's word F1 is reported beside its speed) or plain files and folders (speed only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..cli.inputs import expand
from ..evaluation.scoring import ScoredLine


@dataclass(frozen=True)
class BenchDocument:
    path: Path
    dataset: str
    truth: list[ScoredLine] | None = field(default=None, compare=False)  # one page's lines


def collect(arguments: list[str], limit: int | None = None) -> list[BenchDocument]:
    """``*.jsonl`` arguments are SageMaker Ground Truth manifests; anything else is a file or a
    folder of documents (recursively)."""
    # the ground truth reader only when a manifest is given
    from ..evaluation.groundtruth import read_manifest

    documents: list[BenchDocument] = []
    for argument in arguments:
        if argument.endswith(".jsonl"):
            dataset = Path(argument).parent.name
            documents += [BenchDocument(page.image, dataset, page.lines) for page in read_manifest(Path(argument))]
        else:
            documents += [BenchDocument(item.path, "files") for item in expand([argument], recursive=True)
                          if item.path is not None]
    return documents[:limit] if limit else documents
