"""Fixtures of the functional tests: one local stack per module, and a mocked work bucket."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def runner():
    """The local state machine, deployed once for the module's tests (moto is process-wide: one
    stack at a time)."""
    from ocrflow.local.runner import LocalRunner

    local = LocalRunner()
    local.machine
    yield local
    local.close()


@pytest.fixture
def work_store(monkeypatch):
    """An ObjectStore on a moto S3 with the bucket ``work``."""
    import boto3
    from moto import mock_aws

    from ocrflow.storage import ObjectStore

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="work")
        yield ObjectStore(client)
