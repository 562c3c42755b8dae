"""Every payload and event of ocrflow, as pydantic models.

Stage results (``stages``), the assembled document (``document``) and, on top
of them, the handler payloads and public events. JSON Schemas in ``events/``
are generated from these models, never written by hand.
"""

from .common import SCHEMA_VERSION, Polygon, Schema
from .document import Document, Finding, Line, Page, Paragraph, Word
from .stages import (
    DetectedLine,
    DetectionResult,
    RecognitionResult,
    RecognizedLine,
    RecognizedWord,
    Region,
    RegionsResult,
    RotationResult,
)

__all__ = [
    "SCHEMA_VERSION", "Polygon", "Schema", "Document", "Finding", "Line", "Page", "Paragraph",
    "Word", "DetectedLine", "DetectionResult", "RecognitionResult", "RecognizedLine",
    "RecognizedWord", "Region", "RegionsResult", "RotationResult",
]
