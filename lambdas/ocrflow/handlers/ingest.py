"""Ingest as a Lambda handler (``ocrflow.tasks.ingest``)."""

from ..registry import INGEST
from .runtime import lambda_handler

handler = lambda_handler(INGEST)
