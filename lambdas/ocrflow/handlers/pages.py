"""The four page stages as Lambda handlers: read the page image, run the pure stage,
write its output, pass the ``PageTask`` on.

Models are built on first use and kept for the life of the container.
"""

from __future__ import annotations

import time
from functools import lru_cache

from ..schema.payloads import PageTask, StageOutput
from ..schema.stages import DetectionResult, RotationResult
from ..storage import WorkLayout
from .runtime import lambda_handler, metrics, store, tracer


@lru_cache(maxsize=1)
def rotator():
    from ..stages.rotation import PageRotator

    return PageRotator()


@lru_cache(maxsize=1)
def region_detector():
    from ..stages.regions import RegionDetector

    return RegionDetector()


@lru_cache(maxsize=1)
def text_detector():
    from ..stages.text_detection import TextDetector

    return TextDetector()


@lru_cache(maxsize=1)
def recognizer():
    from ..stages.recognition import TextRecognizer

    return TextRecognizer()


def _save(task: PageTask, stage: str, start: float, result) -> None:
    elapsed = (time.perf_counter() - start) * 1e3
    output = StageOutput(stage=stage, elapsed_ms=round(elapsed, 2), result=result)
    store.put_model(task.bucket, WorkLayout(task.document_id).stage_output(task.page, stage), output)


def _upright_page(task: PageTask):
    key = WorkLayout(task.document_id).stage_output(task.page, "rotation")
    rotation_result = store.get_model(task.bucket, key, StageOutput[RotationResult]).result
    return store.get_upright(task.bucket, task.image_key, rotation_result)


@tracer.capture_method
def rotation(task: PageTask) -> PageTask:
    start = time.perf_counter()
    result = rotator()(store.get_image(task.bucket, task.image_key))
    _save(task, "rotation", start, result)
    return task


@tracer.capture_method
def regions(task: PageTask) -> PageTask:
    start = time.perf_counter()
    result = region_detector()(_upright_page(task))
    _save(task, "regions", start, result)
    return task


@tracer.capture_method
def text_detection(task: PageTask) -> PageTask:
    start = time.perf_counter()
    result = text_detector()(_upright_page(task))
    metrics.add_metric(name="detected_lines", unit="Count", value=len(result.lines))
    _save(task, "text_detection", start, result)
    return task


@tracer.capture_method
def recognition(task: PageTask) -> PageTask:
    start = time.perf_counter()
    image = _upright_page(task)
    key = WorkLayout(task.document_id).stage_output(task.page, "text_detection")
    detection = store.get_model(task.bucket, key, StageOutput[DetectionResult]).result
    result = recognizer()(image, detection.lines)
    if result.lines:
        mean = sum(line.confidence for line in result.lines) / len(result.lines)
        metrics.add_metric(name="mean_confidence", unit="Percent", value=round(mean * 100, 2))
    _save(task, "recognition", start, result)
    return task


rotation_handler = lambda_handler("rotation", PageTask, rotation)
regions_handler = lambda_handler("regions", PageTask, regions)
text_detection_handler = lambda_handler("text_detection", PageTask, text_detection)
recognition_handler = lambda_handler("recognition", PageTask, recognition)
