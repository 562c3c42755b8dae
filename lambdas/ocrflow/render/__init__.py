"""Renderings of a ``Document``: plain text, Textract JSON, hOCR, Markdown, TSV and a searchable
PDF, each a function of the document (and, for the PDF, the page images)."""

from .text import to_text
from .textract import to_textract

__all__ = ["to_text", "to_textract"]
