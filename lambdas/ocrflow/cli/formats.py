"""The output formats of ``ocrflow run``: how each renders, what file suffix it takes, and how
several documents share standard output (JSON Lines for the JSON formats, a ``==> name <==``
header before each for text ones, as ``head`` and ``tail`` write several files; a binary format
takes one document, and never a terminal)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # imported by every `ocrflow run` before the daemon is asked: the standard library only
    from ..schema.document import Document


@dataclass(frozen=True)
class Rendering:
    """One document to render: the result, the input's bytes (read again on demand, for the PDF
    and the overlay), the name the user gave and the resolution for images that state none."""

    document: Document
    data: Callable[[], bytes]
    name: str
    image_dpi: float | None = None


@dataclass(frozen=True)
class Format:
    suffix: str
    render: Callable[[Rendering, bool], bytes]  # (what to render, compact: one line of several on stdout)
    help: str
    binary: bool = False
    json: bool = False


def _text(render: Callable[[Document], str]):
    return lambda r, compact: render(r.document).encode()


def _json(render: Callable[[Document], dict]):
    def out(r: Rendering, compact: bool) -> bytes:
        value = render(r.document)
        return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact
                else json.dumps(value, ensure_ascii=False, indent=1)).encode() + b"\n"
    return out


def _hocr(r: Rendering, compact: bool) -> bytes:
    # a format loads its renderer (pikepdf, PIL) only when it is asked for
    from ..render.hocr import to_hocr
    from ..render.pdf import page_dpis

    return to_hocr(r.document, image=r.name, dpi=page_dpis(r.document, r.data(), r.image_dpi)).encode()


def _pdf(r: Rendering, compact: bool) -> bytes:
    # as above
    from ..render.pdf import to_pdf

    return to_pdf(r.document, r.data(), image_dpi=r.image_dpi)


def _overlay(r: Rendering, compact: bool) -> bytes:
    # as above
    import io

    from ..render.overlay import draw_document

    out = io.BytesIO()
    draw_document(r.document, r.data()).save(out, format="PNG")
    return out.getvalue()


FORMATS: dict[str, Format] = {
    "json": Format(".json", _json(lambda d: d.model_dump(mode="json")), "ocrflow's native result", json=True),
    "text": Format(".txt", _text(lambda d: d.text), "reading order; blank line between paragraphs"),
    "textract": Format(".textract.json", _json(lambda d: d.to_textract()),
                       "Amazon Textract JSON: pages, lines, words, layout, tables", json=True),
    "hocr": Format(".hocr", _hocr, "hOCR (XHTML), as Tesseract writes it"),
    "markdown": Format(".md", _text(lambda d: d.to_markdown()), "headings, paragraphs, tables"),
    "tsv": Format(".tsv", _text(lambda d: d.to_tsv()), "Tesseract's TSV"),
    "pdf": Format(".pdf", _pdf, "searchable PDF: the input's pages with an invisible text layer", binary=True),
    "overlay": Format(".overlay.png", _overlay, "PNG: the pages with the line and word boxes and confidences drawn",
                      binary=True),
}


def stdout_problem(fmt: Format, documents: int, terminal: bool) -> str | None:
    """Why a format cannot go to standard output, or None."""
    if fmt.binary and terminal:
        return "a binary format is not written to a terminal: use --out DIR, or redirect standard output"
    if fmt.binary and documents > 1:
        return "one binary document at a time on standard output: use --out DIR for several"
    return None


def framed(fmt: Format, rendering: Rendering, documents: int) -> bytes:
    """A document's bytes on standard output, among ``documents``: one line each for the JSON
    formats, a ``==> name <==`` header before each for the text ones, as they are for one."""
    if documents == 1:
        return fmt.render(rendering, False)
    if fmt.json:
        return fmt.render(rendering, True)
    return f"==> {rendering.name} <==\n".encode() + fmt.render(rendering, False)


def binary_to_terminal(argv: list[str], terminal: bool) -> bool:
    """Whether a raw ``run`` command line asks for a binary format on standard output while that is
    a terminal: such a run is refused in this process, since the daemon cannot see the terminal."""
    if not terminal or any(arg == "--out" or arg.startswith("--out=") for arg in argv):
        return False
    names = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--format"]
    names += [arg.split("=", 1)[1] for arg in argv if arg.startswith("--format=")]
    return any(name in FORMATS and FORMATS[name].binary for name in names)
