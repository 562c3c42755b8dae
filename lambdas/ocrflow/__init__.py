"""ocrflow: an OCR pipeline whose stages are pure functions wrapped for Lambda, SageMaker and
local runs.

    import ocrflow
    document = ocrflow.ocr("invoice.pdf")      # a path, bytes, a numpy array or a PIL image
    print(document.text)
    document.to_markdown(); document.to_hocr(); document.to_textract()

Names are imported on first use, so that ``import ocrflow.registry`` (the CDK app) costs nothing.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"
__all__ = ["OCR", "Document", "ocr", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("OCR", "ocr"):
        # lazy: `import ocrflow` (the CDK app, `ocrflow.registry`) loads no pipeline
        from . import api

        return getattr(api, name)
    if name == "Document":
        # lazy: as above
        from .schema.document import Document

        return Document
    raise AttributeError(f"module 'ocrflow' has no attribute {name!r}")
