"""The Lambda functions of the stack, by name, as the local dispatcher needs them."""

from __future__ import annotations

from .statemachine import FUNCTIONS


def production_handlers() -> dict:
    from ..handlers import ingest, pages, validation

    by_key = {
        "IngestFunctionArn": ingest.handler,
        "RotationFunctionArn": pages.rotation_handler,
        "RegionsFunctionArn": pages.regions_handler,
        "TextDetectionFunctionArn": pages.text_detection_handler,
        "RecognitionFunctionArn": pages.recognition_handler,
        "ValidationFunctionArn": validation.handler,
    }
    return {FUNCTIONS[key]: handler for key, handler in by_key.items()}
