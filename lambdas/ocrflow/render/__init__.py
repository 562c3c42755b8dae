"""Renderings of a ``Document``: plain text and Amazon Textract DetectDocumentText JSON."""

from .text import to_text
from .textract import to_textract

__all__ = ["to_text", "to_textract"]
