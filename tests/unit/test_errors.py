"""The error hierarchy: stable codes, names the ASL matches, one description for every runtime."""

from __future__ import annotations

import json

from ocrflow import errors


def test_classes_in_order_with_unique_codes():
    classes = errors.error_classes()
    assert classes[0] is errors.OcrflowError
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert errors.retryable_names() == ["TransientError"]


def test_runtime_description_round_trips():
    original = errors.ModelError("model file x.onnx is missing")
    reported = errors.for_runtime(original, "recognition")
    assert type(reported) is errors.ModelError and reported.__cause__ is original
    described = json.loads(str(reported))
    assert described == {"error_type": "ModelError", "error_code": "MODEL_ERROR", "stage": "recognition",
                         "message": "model file x.onnx is missing"}
    back = errors.from_description(described)
    assert type(back) is errors.ModelError and back.stage == "recognition" and back.code == "MODEL_ERROR"


def test_an_unknown_error_name_is_the_endpoints_fault():
    back = errors.from_description({"error_type": "RuntimeError", "message": "CUDA out of memory"})
    assert type(back) is errors.EndpointError and back.code == "ENDPOINT_ERROR"


def test_a_stage_already_named_is_kept():
    error = errors.StorageError("gone", stage="ingest")
    assert json.loads(str(errors.for_runtime(error, "validation")))["stage"] == "ingest"
