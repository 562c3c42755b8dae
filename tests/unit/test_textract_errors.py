"""The one table from ocrflow's error codes to Textract's exception names."""

from __future__ import annotations

from ocrflow import errors
from ocrflow.textract_api.errors import TEXTRACT_TYPES, from_code
from ocrflow.textract_api.protocol import service_model


def test_every_ocrflow_error_has_a_textract_exception_that_botocore_models():
    modeled = {shape.name for shape in service_model().error_shapes}
    for cls in errors.error_classes():
        assert cls.code in TEXTRACT_TYPES, cls
        assert TEXTRACT_TYPES[cls.code] in modeled, TEXTRACT_TYPES[cls.code]


def test_the_document_is_the_callers_fault_and_the_server_its_own():
    assert from_code("UNSUPPORTED_FORMAT", "x").type_name == "UnsupportedDocumentException"
    assert from_code("DOCUMENT_TOO_LARGE", "x").status == 400
    assert from_code("MODEL_ERROR", "x").status == 500
    assert from_code("A_CODE_NOBODY_KNOWS", "x").body() == {"__type": "InternalServerError", "Message": "x",
                                                             "Code": "InternalServerError"}
