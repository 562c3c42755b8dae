"""Run documents locally and collect the outcome of each."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import load_pages
from ..errors import OcrflowError
from ..pipeline import PagePipeline
from ..schema.document import Document
from ..stages.validation import assemble_document


@dataclass
class Outcome:
    document: Document | None = None
    error: OcrflowError | None = None
    trace: list[str] = field(default_factory=list)


class LocalRunner:
    def __init__(self, *, trace: bool = False) -> None:
        self.trace = trace
        self._pipeline: PagePipeline | None = None

    @property
    def pipeline(self) -> PagePipeline:
        if self._pipeline is None:
            self._pipeline = PagePipeline()
        return self._pipeline

    def run_file(self, path: Path) -> Outcome:
        try:
            data = path.read_bytes()
        except OSError as exc:
            from ..errors import StorageError
            return Outcome(error=StorageError(f"cannot read {path}: {exc.strerror}"))
        document_id = hashlib.sha256(data).hexdigest()[:16]
        try:
            pages = [self.pipeline(p.image, p.number) for p in load_pages(data)]
        except OcrflowError as exc:
            return Outcome(error=exc)
        return Outcome(document=assemble_document(document_id, pages, self.pipeline.models))
