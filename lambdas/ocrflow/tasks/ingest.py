"""Ingest: check the submitted document and split it into page images for this execution.

The input object is only ever read. Its size is checked from the response
headers before the body is downloaded.

In the Express workflow a request carries ``max_pages``: a document with more pages
is counted, not split, and the result says ``deferred`` (the Standard workflow's
Ingest splits it). A request with ``page_list`` (the Standard workflow's Distributed Map)
gets the pages as an S3 object rather than in its result.
"""

from __future__ import annotations


from ..documents import count_pages, load_pages, sniff
from ..errors import DocumentTooLargeError
from ..schema.payloads import IngestRequest, IngestResult, PageRef
from ..settings import IngestSettings, WorkSettings
from ..storage import parse_s3_uri
from ..variants import variants
from ..work_layout import WorkLayout
from .context import TaskContext


def ingest(request: IngestRequest, ctx: TaskContext, limits: IngestSettings | None = None,
           work: WorkSettings | None = None) -> IngestResult:
    limits, work = limits or IngestSettings(), work or WorkSettings()
    detail = request.detail
    declared = variants()  # an undeclared variant fails here, before any work, with INVALID_PAYLOAD
    run = request.run
    variant = declared.require(run.variant or (detail.test.variant if detail.test else None))
    declared.require(run.shadow_variant)
    bucket, key = parse_s3_uri(detail.document_uri)
    response = ctx.store.open(bucket, key)
    if response["ContentLength"] > limits.max_bytes:  # known from the headers, before the body is read
        response["Body"].close()
        raise DocumentTooLargeError(
            f"the document is {response['ContentLength']} bytes, more than the limit of {limits.max_bytes}")
    data = response["Body"].read()
    layout = WorkLayout(detail.document_id, request.run_id)
    pages = []
    counted = count_pages(data) if request.max_pages else 0  # only the Express workflow's Ingest asks
    deferred = request.max_pages is not None and counted > request.max_pages
    for page in () if deferred else load_pages(data, limits):
        image_key = layout.page_image(page.number)
        ctx.store.put_image(request.work_bucket, image_key, page.image, encoded=page.encoded)
        pages.append(PageRef(page=page.number, image_key=image_key))
    page_list_key = None
    if request.page_list and pages:  # the Standard workflow's Distributed Map reads them from S3
        page_list_key = layout.page_list()
        ctx.store.put_json(request.work_bucket, page_list_key, [page.model_dump(mode="json") for page in pages])
    return IngestResult(
        document_id=detail.document_id, run_id=request.run_id, bucket=request.work_bucket,
        source_uri=detail.document_uri, media_type=sniff(data), page_count=counted if deferred else len(pages),
        pages=[] if page_list_key else pages, page_list_key=page_list_key, max_concurrency=work.max_concurrency,
        test=detail.test is not None, test_case=detail.test,
        variant=variant, shadow_variant=run.shadow_variant, shadow_of=run.shadow_of, deferred=deferred,
    )
