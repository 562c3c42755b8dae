"""The ingest task against a moto S3 store: the pages it writes, and where it lists them."""

from __future__ import annotations

import json

import pytest

from ocrflow.schema.payloads import IngestRequest
from ocrflow.storage import WorkLayout
from ocrflow.tasks import TaskContext
from ocrflow.tasks.ingest import ingest

from .test_statemachine import pdf_of

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:ocrflow:run-1"


@pytest.fixture
def context(work_store):
    work_store.client.create_bucket(Bucket="input")
    work_store.put_bytes("input", "three.pdf", pdf_of([["One"], ["Two"], ["Three"]]), "application/pdf")
    return TaskContext(store=work_store)


def request(**fields) -> IngestRequest:
    return IngestRequest(detail={"document_id": "doc", "document_uri": "s3://input/three.pdf"},
                         work_bucket="work", execution_id=EXECUTION, **fields)


def test_the_pages_are_returned_in_the_result(context):
    result = ingest(request(), context)
    assert [p.page for p in result.pages] == [1, 2, 3] and result.page_list_key is None
    assert result.pages[0].image_key == WorkLayout("doc", "run-1").page_image(1)


def test_for_a_distributed_map_the_page_list_goes_to_s3_instead(context):
    inline = ingest(request(), context)
    listed = ingest(request(page_list=True), context)
    assert listed.pages == [] and listed.page_count == 3
    assert listed.page_list_key == WorkLayout("doc", "run-1").page_list()
    stored = json.loads(context.store.get_bytes("work", listed.page_list_key))
    assert stored == [p.model_dump(mode="json") for p in inline.pages]


def test_a_deferred_document_writes_no_page_list(context):
    deferred = ingest(request(page_list=True, max_pages=2), context)
    assert deferred.deferred and deferred.page_count == 3 and deferred.page_list_key is None
