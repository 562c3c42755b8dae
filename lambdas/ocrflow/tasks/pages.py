"""Page tasks: one page stage, or the fused ones, on one page of one execution.

Each stage reads what the registry says it reads (the page as ingested, the
upright page, the detected lines), runs, and writes its output next to the
page. The upright page is computed from the page and the rotation result rather
than stored: a warp is cheaper than encoding and decoding an image, and it is
cached per process for the stages that follow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import pipeline
from ..errors import OcrflowError, PayloadError
from ..registry import FUSED, FUSED_STAGES, Stage, load, page_stage, stage_names
from ..schema.payloads import PageTask, StageOutput, StageRequest
from ..stages.rotation import upright
from ..storage import WorkLayout
from ..variants import variants
from .context import TaskContext


@dataclass
class StageRun:
    """What a page task did: the task to pass on, and each stage's result and time."""

    task: PageTask
    results: dict[str, Any] = field(default_factory=dict)
    milliseconds: dict[str, float] = field(default_factory=dict)


def stages_of(name: str) -> tuple[Stage, ...]:
    if name == FUSED:
        return FUSED_STAGES
    if name not in stage_names():
        raise PayloadError(f"unknown stage {name!r}; known: {', '.join(stage_names())} or {FUSED}")
    return (page_stage(name),)


def stored_output(task: PageTask, name: str, ctx: TaskContext) -> StageOutput:
    key = WorkLayout(task.document_id, task.run_id).stage_output(task.page, name)
    return ctx.store.get_model(task.bucket, key, StageOutput[load(page_stage(name).result)])


def read_output(task: PageTask, name: str, ctx: TaskContext, known: dict[str, Any]) -> Any:
    """A stage's result for this page: from this run if it just produced it, else from the store."""
    return known[name] if name in known else stored_output(task, name, ctx).result


def upright_page(task: PageTask, ctx: TaskContext, known: dict[str, Any]) -> np.ndarray:
    rotation = read_output(task, "rotation", ctx, known)
    page = ctx.store.get_image(task.bucket, task.image_key)
    if not rotation.angle and not rotation.skew_degrees:
        return page
    key = f"{task.image_key}#{rotation.to_upright}"
    cached = ctx.store.cached(task.bucket, key)
    return cached if cached is not None else ctx.store.remember(task.bucket, key, upright(page, rotation))


def stage_arguments(stage: Stage, task: PageTask, ctx: TaskContext, known: dict[str, Any]) -> tuple:
    return pipeline.stage_arguments(stage, lambda: ctx.store.get_image(task.bucket, task.image_key),
                                    lambda: upright_page(task, ctx, known),
                                    lambda name: read_output(task, name, ctx, known))


def run_stage(request: StageRequest, ctx: TaskContext) -> StageRun:
    """Run the requested stage(s) on the page and store each output; a fused request reads
    the page once and hands each result to the next stage in memory."""
    task, run = request.task, StageRun(request.task)
    layout = WorkLayout(task.document_id, task.run_id)
    for stage in stages_of(request.stage):
        start = time.perf_counter()
        try:
            built = ctx.stages.get(stage.name, variants().overlay(task.variant, stage.name))
            result = built(*stage_arguments(stage, task, ctx, run.results))
        except OcrflowError as exc:  # name the stage that failed, also inside a fused request
            exc.stage = exc.stage or stage.name
            raise
        elapsed = round((time.perf_counter() - start) * 1e3, 2)
        ctx.store.put_model(task.bucket, layout.stage_output(task.page, stage.name),
                            StageOutput(stage=stage.name, elapsed_ms=elapsed, variant=task.variant, result=result))
        run.results[stage.name], run.milliseconds[stage.name] = result, elapsed
    return run
