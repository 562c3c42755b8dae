"""Plain text in reading order: a blank line between paragraphs, a form feed
between pages (as pdftotext does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the data model calls these renderers; they read it, never import it
    from ..schema.document import Document, Line, Page



def page_text(page: Page) -> str:
    """Lines that share a row (an item and its price) are joined by a tab."""
    out: list[str] = []
    previous: Line | None = None
    for line in page.lines:
        if previous is not None and line.paragraph != previous.paragraph:
            out.append("")
        if previous is not None and line.paragraph == previous.paragraph and previous.row == line.row:
            out[-1] += "\t" + line.text
        else:
            out.append(line.text)
        previous = line
    return "\n".join(out)


def to_text(document: Document) -> str:
    return "\n\f".join(page_text(p) for p in document.pages) + "\n"
