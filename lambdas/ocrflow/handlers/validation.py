"""Validation as a Lambda handler: assemble the document from the stage outputs,
apply the rules, write the three renderings, return a small summary."""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit

from ..render import to_text, to_textract
from ..schema.events import ResultSummary, ResultUris
from ..schema.payloads import StageOutput, ValidationRequest
from ..schema.stages import DetectionResult, RecognitionResult, RegionsResult, RotationResult
from ..settings import ValidationSettings
from ..stages.validation import PageAssembler, assemble_document
from ..storage import WorkLayout
from .runtime import lambda_handler, metrics, store, tracer

PAGE_STAGES = {"rotation": RotationResult, "regions": RegionsResult,
               "text_detection": DetectionResult, "recognition": RecognitionResult}


@tracer.capture_method
def validate(request: ValidationRequest) -> ResultSummary:
    start = time.perf_counter()
    layout = WorkLayout(request.document_id)
    assembler = PageAssembler(ValidationSettings())
    stage_ms: dict[str, float] = {}
    pages, models = [], {}
    for number in range(1, request.page_count + 1):
        outputs = {}
        for stage, model in PAGE_STAGES.items():
            key = layout.stage_output(number, stage)
            output = store.get_model(request.bucket, key, StageOutput[model])
            stage_ms[stage] = stage_ms.get(stage, 0.0) + output.elapsed_ms
            outputs[stage] = output.result
            models[stage] = output.result.model
        pages.append(assembler(number, outputs["rotation"], outputs["regions"], outputs["recognition"]))
    document = assemble_document(request.document_id, pages, models)
    uris = ResultUris(
        document=store.put_model(request.bucket, layout.result("document.json"), document),
        text=store.put_bytes(request.bucket, layout.result("document.txt"),
                             to_text(document).encode(), "text/plain; charset=utf-8"),
        textract=store.put_json(request.bucket, layout.result("textract.json"), to_textract(document)),
    )
    stage_ms["validation"] = (time.perf_counter() - start) * 1e3
    lines = [line for page in document.pages for line in page.lines]
    metrics.add_metric(name="pages", unit=MetricUnit.Count, value=len(document.pages))
    return ResultSummary(
        document_id=request.document_id, status=document.status, pages=len(document.pages),
        lines=len(lines), words=sum(len(line.words) for line in lines),
        mean_confidence=round(sum(l.confidence for l in lines) / len(lines), 4) if lines else 0.0,
        findings=len(document.findings) + sum(len(p.findings) for p in document.pages),
        stage_milliseconds={k: round(v, 1) for k, v in stage_ms.items()}, results=uris,
        test=request.test, test_case=request.test_case,
    )


handler = lambda_handler("validation", ValidationRequest, validate)
