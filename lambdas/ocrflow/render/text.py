"""Plain text in reading order: one line per line, a blank line between paragraphs,
a form feed between pages (as pdftotext does)."""

from __future__ import annotations

from ..schema.document import Document, Page


def page_text(page: Page) -> str:
    out: list[str] = []
    previous = None
    for line in page.lines:
        if previous is not None and line.paragraph != previous:
            out.append("")
        out.append(line.text)
        previous = line.paragraph
    return "\n".join(out)


def to_text(document: Document) -> str:
    return "\f".join(page_text(p) for p in document.pages) + "\n"
