"""Jobs in DynamoDB, and what a client request token makes of a repeated Start."""

from __future__ import annotations

import pytest

from ocrflow.textract_api.errors import TextractError
from ocrflow.textract_api.jobs import Job, JobStore, new_job_id

START = {"DocumentLocation": {"S3Object": {"Bucket": "inbox", "Name": "a.pdf"}}, "ClientRequestToken": "t-1"}


@pytest.fixture
def store(monkeypatch):
    import boto3
    from moto import mock_aws

    from ocrflow.local.statemachine import create_table

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table("jobs", "id")
        yield JobStore(client, "jobs")


def test_job_ids_look_like_textracts():
    job_id = new_job_id()
    assert len(job_id) == 64 and int(job_id, 16) >= 0 and job_id != new_job_id()


def test_a_token_keeps_its_first_job_and_refuses_other_parameters(store):
    first = store.claim("StartDocumentTextDetection", START, "job-a")
    assert first == "job-a"
    assert store.claim("StartDocumentTextDetection", dict(START), "job-b") == "job-a"
    assert store.claim("StartDocumentAnalysis", {**START, "FeatureTypes": ["LAYOUT"]}, "job-c") == "job-c"
    with pytest.raises(TextractError) as caught:
        store.claim("StartDocumentTextDetection", {**START, "JobTag": "other"}, "job-d")
    assert caught.value.type_name == "IdempotentParameterMismatchException"
    assert store.claim("StartDocumentTextDetection", {**START, "ClientRequestToken": None}, "job-e") == "job-e"


def test_a_job_is_found_only_by_the_operations_of_its_kind(store):
    store.save(Job(job_id="j" * 64, api="StartDocumentTextDetection", bucket="inbox", name="a.pdf"))
    assert store.require("j" * 64, "StartDocumentTextDetection").name == "a.pdf"
    for job_id, api in (("j" * 64, "StartDocumentAnalysis"), ("k" * 64, "StartDocumentTextDetection")):
        with pytest.raises(TextractError) as caught:
            store.require(job_id, api)
        assert caught.value.type_name == "InvalidJobIdException"
