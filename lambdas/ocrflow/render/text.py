"""Plain text in reading order: a blank line between paragraphs, a form feed
between pages (as pdftotext does)."""

from __future__ import annotations

from ..schema.page import Line, Page, Paged


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


def to_text(document: Paged) -> str:
    return "\n\f".join(page_text(p) for p in document.pages) + "\n"
