"""``ocrflow submit`` publishes a real DocumentSubmitted event (checked against moto)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from ocrflow.cli import main


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        s3, events, sqs = (boto3.client(s, region_name="eu-west-1") for s in ("s3", "events", "sqs"))
        s3.create_bucket(Bucket="inbox", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        events.create_event_bus(Name="docs")
        url = sqs.create_queue(QueueName="seen")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName="docs",
                        EventPattern=json.dumps({"detail-type": ["DocumentSubmitted"]}))
        events.put_targets(Rule="all", EventBusName="docs", Targets=[{"Id": "q", "Arn": arn}])
        yield s3, lambda: [json.loads(m["Body"]) for m in
                           sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def test_local_file_is_uploaded_then_announced(aws, tmp_path, capsys):
    s3, received = aws
    document = tmp_path / "invoice.pdf"
    document.write_bytes(b"%PDF-1.7 pretend")
    assert main(["submit", str(document), "--bus", "docs", "--bucket", "inbox"]) == 0
    printed = json.loads(capsys.readouterr().out)
    (event,) = received()
    assert event["detail-type"] == "DocumentSubmitted" and event["source"] == "ocrflow.cli"
    assert event["detail"] == printed["detail"]
    bucket, key = event["detail"]["document_uri"][5:].split("/", 1)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"%PDF-1.7 pretend"
    assert "test" not in event["detail"]


def test_test_event_carries_its_ground_truth(aws, capsys):
    _, received = aws
    assert main(["submit", "s3://inbox/forms/f1.png", "--bus", "docs", "--test",
                 "--ground-truth", "s3://truth/f1.json", "--dataset", "funsd-dev",
                 "--variant", "v6", "--document-id", "f1-v6"]) == 0
    (event,) = received()
    assert event["detail"] == {
        "schema_version": "1.0", "document_id": "f1-v6", "document_uri": "s3://inbox/forms/f1.png",
        "test": {"ground_truth_uri": "s3://truth/f1.json", "dataset": "funsd-dev", "case_id": "f1",
                 "variant": "v6"}}


def test_test_event_without_ground_truth_is_refused(aws, capsys):
    assert main(["submit", "s3://inbox/a.png", "--bus", "docs", "--test"]) == 2
    assert "--ground-truth" in capsys.readouterr().err
