"""ocrflow: an OCR pipeline whose stages are pure functions wrapped for Lambda, SageMaker and local runs."""

__version__ = "0.1.0"
