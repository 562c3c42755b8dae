"""A job's end: its status, its OutputConfig pages and Textract's notification on its topic."""

from __future__ import annotations

import json

import pytest

from ocrflow.textract_api.jobs import Job, JobStore
from ocrflow.textract_api.notifier import Notifier

from .test_render import document  # a rendered page of known lines

JOB = "f" * 64


@pytest.fixture
def aws(monkeypatch):
    import boto3
    from moto import mock_aws

    from ocrflow.local.statemachine import create_table

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        clients = {name: boto3.client(name) for name in ("s3", "sns", "sqs", "dynamodb")}
        create_table("jobs", "id")
        for bucket in ("work", "results"):
            clients["s3"].create_bucket(Bucket=bucket)
        yield clients


def subscribed_queue(aws) -> tuple[str, str]:
    topic = aws["sns"].create_topic(Name="done")["TopicArn"]
    queue = aws["sqs"].create_queue(QueueName="done")["QueueUrl"]
    arn = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def notified(aws, queue) -> dict:
    [message] = aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    return json.loads(json.loads(message["Body"])["Message"])


def test_a_completed_job_writes_its_output_and_notifies(aws):
    topic, queue = subscribed_queue(aws)
    store = JobStore(aws["dynamodb"], "jobs")
    store.save(Job(job_id=JOB, api="StartDocumentAnalysis", features=["LAYOUT"], bucket="inbox", name="a/b.pdf",
                   job_tag="tag", topic_arn=topic, output_bucket="results", output_prefix="out/"))
    aws["s3"].put_object(Bucket="work", Key="r/document.json", Body=document().model_dump_json().encode())
    notifier = Notifier(store, aws["s3"], aws["sns"])
    event = {"detail-type": "OcrCompleted", "detail": {"document_id": JOB, "pages": 1,
                                                       "results": {"document": "s3://work/r/document.json"}}}
    assert notifier.handle(event).status == "SUCCEEDED"
    assert notifier.handle(event) is None  # told once
    written = json.loads(aws["s3"].get_object(Bucket="results", Key=f"out/{JOB}/1")["Body"].read())
    assert written["JobStatus"] == "SUCCEEDED" and written["AnalyzeDocumentModelVersion"]
    assert [b["Text"] for b in written["Blocks"] if b["BlockType"] == "LINE"][:2] == ["Annual Report",
                                                                                     "Sales rose in every region"]
    message = notified(aws, queue)
    assert set(message) == {"JobId", "Status", "API", "JobTag", "Timestamp", "DocumentLocation"}
    assert message["Status"] == "SUCCEEDED" and message["API"] == "StartDocumentAnalysis"
    assert message["DocumentLocation"] == {"S3ObjectName": "a/b.pdf", "S3Bucket": "inbox"}


def test_a_failed_job_says_why_in_textracts_terms(aws):
    topic, queue = subscribed_queue(aws)
    store = JobStore(aws["dynamodb"], "jobs")
    store.save(Job(job_id=JOB, api="StartDocumentTextDetection", bucket="inbox", name="a.txt", topic_arn=topic))
    notifier = Notifier(store, aws["s3"], aws["sns"])
    notifier.handle({"detail-type": "OcrFailed", "detail": {"document_id": JOB, "error_code": "CORRUPT_DOCUMENT",
                                                            "message": "the PDF cannot be read"}})
    job = store.get(JOB)
    assert job.status == "FAILED" and job.status_message == "BadDocumentException: the PDF cannot be read"
    message = notified(aws, queue)
    assert message["Status"] == "FAILED" and "JobTag" not in message


def test_events_of_other_documents_are_not_jobs(aws):
    notifier = Notifier(JobStore(aws["dynamodb"], "jobs"), aws["s3"], aws["sns"])
    assert notifier.handle({"detail-type": "OcrFailed", "detail": {"document_id": "invoice-7"}}) is None
    assert notifier.handle({"detail-type": "OcrTestScored", "detail": {}}) is None
