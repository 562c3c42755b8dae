"""The Textract API's Lambda handlers on moto: a proxy request in, Textract's answer out; a job
leaves as a DocumentSubmitted on the bus (what the starter's rule receives); the notifier ends it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

RECEIPT = Path(__file__).resolve().parents[2] / "samples" / "receipt.png"


@pytest.fixture
def aws(monkeypatch):
    import boto3
    from moto import mock_aws

    from ocrflow.handlers import textract_api
    from ocrflow.local.statemachine import create_table

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("OCRFLOW_EVENT_BUS_NAME", "ocrflow")
    monkeypatch.setenv("OCRFLOW_TEXTRACT_JOBS_TABLE", "textract-jobs")
    monkeypatch.setattr(textract_api, "_operations", None)
    monkeypatch.setattr(textract_api, "_notifier", None)
    with mock_aws():
        s3, events, sqs = boto3.client("s3"), boto3.client("events"), boto3.client("sqs")
        create_table("textract-jobs", "id")
        s3.create_bucket(Bucket="client-documents")
        s3.put_object(Bucket="client-documents", Key="in/receipt.png", Body=RECEIPT.read_bytes())
        events.create_event_bus(Name="ocrflow")
        queue = sqs.create_queue(QueueName="submitted")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="submitted", EventBusName="ocrflow",
                        EventPattern=json.dumps({"detail-type": ["DocumentSubmitted"]}))
        events.put_targets(Rule="submitted", EventBusName="ocrflow", Targets=[{"Id": "q", "Arn": arn}])
        monkeypatch.setattr(textract_api.CONTEXT, "clients", {name: boto3.client(name) for name in
                                                              ("s3", "events", "dynamodb", "sns")})
        yield {"sqs": sqs, "queue": queue, "s3": s3}


def proxy(operation: str, params: dict) -> dict:
    """What API Gateway's proxy integration hands the function."""
    from ocrflow.handlers.textract_api import handler

    event = {"httpMethod": "POST", "path": "/", "isBase64Encoded": True,
             "headers": {"X-Amz-Target": f"Textract.{operation}", "Content-Type": "application/x-amz-json-1.1"},
             "body": base64.b64encode(json.dumps(params).encode()).decode()}
    response = handler(event, None)
    return {"status": response["statusCode"], **json.loads(response["body"])}


def test_a_job_is_published_for_the_starter_and_ended_by_the_notifier(aws):
    from ocrflow.handlers.textract_api import notifier

    location = {"S3Object": {"Bucket": "client-documents", "Name": "in/receipt.png"}}
    started = proxy("StartDocumentTextDetection", {"DocumentLocation": location, "JobTag": "t"})
    assert started["status"] == 200 and len(started["JobId"]) == 64
    [message] = aws["sqs"].receive_message(QueueUrl=aws["queue"])["Messages"]
    submitted = json.loads(message["Body"])
    assert submitted["detail-type"] == "DocumentSubmitted"
    assert submitted["detail"] == {"schema_version": "1.0", "document_id": started["JobId"],
                                   "document_uri": "s3://client-documents/in/receipt.png"}
    assert proxy("GetDocumentTextDetection", {"JobId": started["JobId"]})["JobStatus"] == "IN_PROGRESS"
    ended = notifier({"detail-type": "OcrFailed", "detail": {"document_id": started["JobId"],
                                                             "error_code": "ENCRYPTED_DOCUMENT",
                                                             "message": "the PDF is encrypted"}}, None)
    assert ended == {"job_id": started["JobId"], "status": "FAILED"}
    failed = proxy("GetDocumentTextDetection", {"JobId": started["JobId"]})
    assert failed["JobStatus"] == "FAILED" and failed["StatusMessage"].startswith("UnsupportedDocumentException")


def test_a_job_the_bus_refuses_ends_failed(aws, monkeypatch):
    from ocrflow.handlers import textract_api

    location = {"S3Object": {"Bucket": "client-documents", "Name": "in/receipt.png"}}
    monkeypatch.setenv("OCRFLOW_EVENT_BUS_NAME", "no-such-bus")
    monkeypatch.setattr(textract_api, "_operations", None)
    refused = proxy("StartDocumentTextDetection", {"DocumentLocation": location, "ClientRequestToken": "t"})
    assert refused["status"] == 500 and refused["__type"] == "InternalServerError"
    again = proxy("StartDocumentTextDetection", {"DocumentLocation": location, "ClientRequestToken": "t"})
    failed = proxy("GetDocumentTextDetection", {"JobId": again["JobId"]})
    assert failed["JobStatus"] == "FAILED" and "not started" in failed["StatusMessage"]


def test_refusals_are_textracts_shape(aws):
    from ocrflow.handlers.textract_api import handler

    missing = proxy("GetDocumentAnalysis", {"JobId": "a" * 64})
    assert missing == {"status": 400, "__type": "InvalidJobIdException", "Code": "InvalidJobIdException",
                       "Message": f"no job {'a' * 64!r} of StartDocumentAnalysis"}
    assert proxy("StartDocumentTextDetection", {"DocumentLocation": {"S3Object": {
        "Bucket": "client-documents", "Name": "in/absent.pdf"}}})["__type"] == "InvalidS3ObjectException"
    untargeted = handler({"headers": {}, "body": "{}"}, None)
    assert untargeted["statusCode"] == 400 and json.loads(untargeted["body"])["__type"] == "UnknownOperationException"


def test_a_synchronous_request_runs_the_page_stages_in_the_function(aws):
    answer = proxy("DetectDocumentText", {"Document": {"S3Object": {"Bucket": "client-documents",
                                                                    "Name": "in/receipt.png"}}})
    assert answer["status"] == 200 and answer["DocumentMetadata"] == {"Pages": 1}
    lines = [b["Text"] for b in answer["Blocks"] if b["BlockType"] == "LINE"]
    assert lines[0] == "CORNER BOOKSHOP LTD" and len(lines) > 10
