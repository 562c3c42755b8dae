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


@lru_cache(maxsize=None)
def stage(name: str):
    """The stage object, built on first use (model sessions load once per container)."""
    from ..stages.recognition import TextRecognizer
    from ..stages.regions import RegionDetector
    from ..stages.rotation import PageRotator
    from ..stages.text_detection import TextDetector

    factories = {"rotation": PageRotator, "regions": RegionDetector,
                 "text_detection": TextDetector, "recognition": TextRecognizer}
    return factories[name]()


def _upright_page(task: PageTask):
    key = WorkLayout(task.document_id).stage_output(task.page, "rotation")
    rotation_result = store.get_model(task.bucket, key, StageOutput[RotationResult]).result
    return store.get_upright(task.bucket, task.image_key, rotation_result)


def _run(task: PageTask, name: str, load_inputs):
    """Load the inputs, run the stage, store its output with the time it all took."""
    start = time.perf_counter()
    result = stage(name)(*load_inputs(task))
    elapsed = (time.perf_counter() - start) * 1e3
    output = StageOutput(stage=name, elapsed_ms=round(elapsed, 2), result=result)
    store.put_model(task.bucket, WorkLayout(task.document_id).stage_output(task.page, name), output)
    return result


def _detected_lines(task: PageTask):
    key = WorkLayout(task.document_id).stage_output(task.page, "text_detection")
    return store.get_model(task.bucket, key, StageOutput[DetectionResult]).result.lines


@tracer.capture_method
def rotation(task: PageTask) -> PageTask:
    _run(task, "rotation", lambda t: (store.get_image(t.bucket, t.image_key),))
    return task


@tracer.capture_method
def regions(task: PageTask) -> PageTask:
    _run(task, "regions", lambda t: (_upright_page(t),))
    return task


@tracer.capture_method
def text_detection(task: PageTask) -> PageTask:
    result = _run(task, "text_detection", lambda t: (_upright_page(t),))
    metrics.add_metric(name="detected_lines", unit="Count", value=len(result.lines))
    return task


@tracer.capture_method
def recognition(task: PageTask) -> PageTask:
    result = _run(task, "recognition", lambda t: (_upright_page(t), _detected_lines(t)))
    if result.lines:
        mean = sum(line.confidence for line in result.lines) / len(result.lines)
        metrics.add_metric(name="mean_confidence", unit="Percent", value=round(mean * 100, 2))
    return task


rotation_handler = lambda_handler("rotation", PageTask, rotation)
regions_handler = lambda_handler("regions", PageTask, regions)
text_detection_handler = lambda_handler("text_detection", PageTask, text_detection)
recognition_handler = lambda_handler("recognition", PageTask, recognition)
