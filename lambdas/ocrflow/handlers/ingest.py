"""Ingest: check the submitted document and split it into page images in the work bucket.

The input object is only ever read. Its size is checked from the response
headers before the body is downloaded.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..documents import load_pages, sniff
from ..errors import DocumentTooLargeError
from ..schema.payloads import IngestRequest, IngestResult, PageRef
from ..settings import IngestSettings
from ..storage import WorkLayout, parse_s3_uri
from .runtime import lambda_handler, store, tracer


class WorkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    max_concurrency: int = Field(default=4, ge=0, description="Pages processed at once (Map)")


@tracer.capture_method
def ingest(request: IngestRequest) -> IngestResult:
    limits, work = IngestSettings(), WorkSettings()
    bucket, key = parse_s3_uri(request.detail.document_uri)
    response = store.open(bucket, key)
    if response["ContentLength"] > limits.max_bytes:  # known from the headers, before the body is read
        response["Body"].close()
        raise DocumentTooLargeError(
            f"the document is {response['ContentLength']} bytes, more than the limit of {limits.max_bytes}")
    data = response["Body"].read()
    layout = WorkLayout(request.detail.document_id)
    pages = []
    for page in load_pages(data, limits):
        key = layout.page_image(page.number)
        store.put_image(request.work_bucket, key, page.image, encoded=page.encoded)
        pages.append(PageRef(page=page.number, image_key=key))
    return IngestResult(
        document_id=request.detail.document_id, bucket=request.work_bucket,
        source_uri=request.detail.document_uri, media_type=sniff(data), page_count=len(pages),
        pages=pages, max_concurrency=work.max_concurrency,
        test=request.detail.test is not None, test_case=request.detail.test,
    )


handler = lambda_handler("ingest", IngestRequest, ingest)
