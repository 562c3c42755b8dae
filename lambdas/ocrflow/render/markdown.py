"""Markdown: titles as headings, paragraphs as paragraphs, a table where the layout found one
(its rows and, within a row, its lines as cells), a rule between pages."""

from __future__ import annotations

import re

from ..schema.page import Page, Paged
from .layout import Block, blocks

SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>])")


def escape(text: str) -> str:
    return SPECIAL.sub(r"\\\1", text)


def table(block: Block) -> str:
    rows = [[escape(line.text) for line in row] for row in block.rows()]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def paragraph(block: Block) -> str:
    return "\n".join(" ".join(escape(line.text) for line in row) for row in block.rows())


def page_markdown(page: Page) -> str:
    parts = []
    for block in blocks(page):
        if block.kind == "title":
            parts.append("# " + " ".join(escape(line.text) for line in block.lines))
        elif block.kind == "table":
            parts.append(table(block))
        else:
            parts.append(paragraph(block))
    return "\n\n".join(parts)


def to_markdown(document: Paged) -> str:
    return "\n\n---\n\n".join(page_markdown(page) for page in document.pages).strip() + "\n"
