"""AWS JSON 1.1 requests, checked against botocore's Textract model."""

from __future__ import annotations

import base64
import json

import pytest

from ocrflow.textract_api.errors import TextractError
from ocrflow.textract_api.operations import Operations
from ocrflow.textract_api.protocol import blob, parse

SUPPORTED = set(Operations.NAMES)


def refused(target, body) -> TextractError:
    with pytest.raises(TextractError) as caught:
        parse(target, body, SUPPORTED)
    return caught.value


def test_a_valid_request_is_its_operation_and_parameters():
    body = json.dumps({"Document": {"S3Object": {"Bucket": "bucket", "Name": "k.png"}}}).encode()
    request = parse("Textract.DetectDocumentText", body, SUPPORTED)
    assert request.operation == "DetectDocumentText" and request.params["Document"]["S3Object"]["Name"] == "k.png"


def test_malformed_requests_are_named_as_aws_names_them():
    assert refused(None, b"{}").type_name == "UnknownOperationException"
    assert refused("Rekognition.DetectText", b"{}").type_name == "UnknownOperationException"
    assert "not implemented by ocrflow" in refused("Textract.AnalyzeExpense", b"{}").message
    assert "not a Textract operation" in refused("Textract.Nothing", b"{}").message
    assert refused("Textract.DetectDocumentText", b"{oops").type_name == "SerializationException"
    assert refused("Textract.DetectDocumentText", b"[1]").type_name == "SerializationException"
    missing = refused("Textract.GetDocumentTextDetection", b"{}")
    assert missing.type_name == "InvalidParameterException" and "JobId" in missing.message
    too_many = refused("Textract.GetDocumentTextDetection", json.dumps({"JobId": "j" * 10, "MaxResults": 0}).encode())
    assert too_many.type_name == "InvalidParameterException"


def test_blobs_are_base64():
    assert blob(base64.b64encode(b"\x89PNG").decode(), "Document.Bytes") == b"\x89PNG"
    with pytest.raises(TextractError, match="base64"):
        blob("not base64!", "Document.Bytes")
