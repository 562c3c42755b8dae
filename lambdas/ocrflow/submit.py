"""``ocrflow submit``: publish a real DocumentSubmitted event, as an upstream service would."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .bus import put_events
from .errors import StorageError
from .schema.events import DocumentSubmitted, TestCase


def submit(document: str, *, bus: str, bucket: str | None = None, document_id: str | None = None,
           source: str = "ocrflow.cli", test: dict | None = None, session=None) -> tuple[str, dict]:
    """Upload a local file if needed, put the event; returns (event id, detail)."""
    # boto3 when a document is submitted
    import boto3

    session = session or boto3.Session()
    if document.startswith("s3://"):
        uri = document
        document_id = document_id or hashlib.sha256(uri.encode()).hexdigest()[:16]
    else:
        if not bucket:
            raise StorageError("a local file needs --bucket to be uploaded to")
        data = Path(document).read_bytes()
        document_id = document_id or hashlib.sha256(data).hexdigest()[:16]
        key = f"inputs/{document_id}/{Path(document).name}"
        session.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
        uri = f"s3://{bucket}/{key}"
    detail = DocumentSubmitted(document_id=document_id, document_uri=uri,
                               test=TestCase(**{k: v for k, v in test.items() if v is not None})
                               if test else None)
    payload = detail.model_dump(mode="json", exclude_none=True)
    (event_id,) = put_events(session.client("events"), [{
        "EventBusName": bus, "Source": source, "DetailType": "DocumentSubmitted",
        "Detail": json.dumps(payload)}], what=f"bus {bus}")
    return event_id, payload
