"""The output formats of ``ocrflow run``: how each renders and what file suffix it takes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..schema.document import Document


@dataclass(frozen=True)
class Format:
    suffix: str
    render: Callable[[Document, Callable[[], list[np.ndarray]], str], bytes]  # (document, images on demand, name)
    help: str


def _text(render: Callable[[Document], str]):
    return lambda document, images, name: render(document).encode()


def _hocr(document: Document, images: Callable[[], list[np.ndarray]], name: str) -> bytes:
    from ..render.hocr import to_hocr

    return to_hocr(document, image=name).encode()


def _pdf(document: Document, images: Callable[[], list[np.ndarray]], name: str) -> bytes:
    from ..render.pdf import to_pdf

    return to_pdf(document, images())


FORMATS: dict[str, Format] = {
    "json": Format(".json", _text(lambda d: d.model_dump_json(indent=1) + "\n"), "ocrflow's native result"),
    "text": Format(".txt", _text(lambda d: d.text), "reading order; blank line between paragraphs"),
    "textract": Format(".textract.json", _text(lambda d: json.dumps(d.to_textract(), indent=1) + "\n"),
                       "Amazon Textract JSON with layout blocks"),
    "hocr": Format(".hocr", _hocr, "hOCR (XHTML), as Tesseract writes it"),
    "markdown": Format(".md", _text(lambda d: d.to_markdown()), "headings, paragraphs, tables"),
    "tsv": Format(".tsv", _text(lambda d: d.to_tsv()), "Tesseract's TSV"),
    "pdf": Format(".pdf", _pdf, "searchable PDF: the page images with an invisible text layer"),
}
