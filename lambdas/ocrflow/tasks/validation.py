"""Validation: assemble the document from the page stage outputs, apply the rules,
write the three renderings, return the summary that ``OcrCompleted`` carries."""

from __future__ import annotations

import time

from .. import errors
from ..render import to_text, to_textract
from ..schema.document import Document
from ..schema.events import ResultSummary, ResultUris
from ..schema.payloads import PageTask, ValidationRequest
from ..settings import ValidationSettings
from ..stages.validation import PageAssembler, assemble_document
from ..storage import WorkLayout
from .context import TaskContext
from .pages import page_outputs


def validate(request: ValidationRequest, ctx: TaskContext,
             settings: ValidationSettings | None = None) -> tuple[ResultSummary, Document]:
    start = time.perf_counter()
    raise_failed_page(request)
    layout = WorkLayout(request.document_id, request.run_id)
    assembler = PageAssembler(settings or ValidationSettings())
    stage_ms: dict[str, float] = {}
    pages, models = [], {}
    for number in range(1, request.page_count + 1):
        task = PageTask(document_id=request.document_id, run_id=request.run_id, bucket=request.bucket,
                        page=number, image_key=layout.page_image(number))
        outputs = {}
        for name, output in page_outputs(task, ctx).items():
            stage_ms[name] = stage_ms.get(name, 0.0) + output.elapsed_ms
            outputs[name], models[name] = output.result, output.result.model
        pages.append(assembler(number, outputs))
    document = assemble_document(request.document_id, pages, models, request.variant)
    store, bucket = ctx.store, request.bucket
    uris = ResultUris(
        document=store.put_model(bucket, layout.result("document.json"), document),
        text=store.put_bytes(bucket, layout.result("document.txt"), to_text(document).encode(),
                             "text/plain; charset=utf-8"),
        textract=store.put_json(bucket, layout.result("textract.json"), to_textract(document)),
    )
    stage_ms["validation"] = (time.perf_counter() - start) * 1e3
    lines = [line for page in document.pages for line in page.lines]
    summary = ResultSummary(
        document_id=request.document_id, status=document.status, pages=len(document.pages),
        lines=len(lines), words=sum(len(line.words) for line in lines),
        mean_confidence=round(sum(line.confidence for line in lines) / len(lines), 4) if lines else 0.0,
        findings=len(document.findings) + sum(len(p.findings) for p in document.pages),
        stage_milliseconds={k: round(v, 1) for k, v in stage_ms.items()}, results=uris,
        variant=request.variant, test=request.test, test_case=request.test_case,
        shadow=compare_with_primary(document, request, ctx) if request.shadow_of else None,
    )
    if summary.shadow is not None:
        store.put_model(bucket, layout.result("shadow-comparison.json"), summary.shadow)
    return summary, document


def raise_failed_page(request: ValidationRequest) -> None:
    """The error of the first page that failed in a Distributed Map's child, raised as its stage
    raised it: the child catches it so that the map run ends, and the document's ``OcrFailed``
    carries that stage's code instead of the map run's ``States.ExceedToleratedFailureThreshold``."""
    failed = [result for result in request.page_results if result.error]
    if failed:
        first = min(failed, key=lambda result: result.page)
        assert first.error is not None
        raise errors.from_description(first.error)


def compare_with_primary(document: Document, request: ValidationRequest, ctx: TaskContext):
    """A shadow run's result against the primary's, which was published before this run started."""
    # shadow runs only: the scorer's code stays out of the primary path
    from ..evaluation.shadow import compare
    from ..storage import parse_s3_uri

    assert request.shadow_of is not None  # called for shadow runs only
    bucket, key = parse_s3_uri(request.shadow_of)
    primary = Document.model_validate_json(ctx.store.get_bytes(bucket, key))
    return compare(document, primary, variant=request.variant or "baseline", primary_uri=request.shadow_of)
