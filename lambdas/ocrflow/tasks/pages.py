"""Page tasks: one page stage, or the fused ones, on one page of one execution.

Each stage reads what the registry says it reads (the page as ingested, the
upright page, the detected lines), runs, and hands its output on in the task it
returns (``PageTask.carried``): a few kilobytes of JSON, where an S3 object each
would cost a PUT and a GET. An output too large to carry (``CARRY_LIMIT``) is stored
in S3 instead. The last page stage stores all of the page's outputs as one object,
which is what Validation reads. Images never travel in the state: the upright page
is computed from the page and the rotation result rather than stored (a warp is
cheaper than encoding and decoding an image) and cached per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import OcrflowError, PayloadError
from ..registry import FUSED, FUSED_STAGES, PAGE_STAGES, Stage, load, page_stage, page_turner, stage_names
from ..schema.payloads import PageOutputs, PageTask, StageOutput, StageRequest
from ..stages.rotation import upright
from ..storage import WorkLayout
from ..variants import variants
from .context import TaskContext

# A page's state carries at most three outputs (the last stage stores them): 3 x 32 KiB stays far
# below Step Functions' 256 KiB per state. Rotation and regions are under 2 KiB; text detection
# passes it only on pages with several hundred lines.
CARRY_LIMIT = 32 * 1024


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


def output_type(name: str) -> type[StageOutput]:
    return StageOutput[load(page_stage(name).result)]  # type: ignore[misc,return-value]  # parametrised at run time


def stored_output(task: PageTask, name: str, ctx: TaskContext) -> StageOutput:
    """An earlier stage's output for this page: carried in the task, or stored for being too large."""
    if name in task.carried:
        return output_type(name).model_validate(task.carried[name])
    key = WorkLayout(task.document_id, task.run_id).stage_output(task.page, name)
    return ctx.store.get_model(task.bucket, key, output_type(name))


def page_outputs(task: PageTask, ctx: TaskContext) -> dict[str, StageOutput]:
    """Every stage's output for the page, as the last page stage stored them."""
    key = WorkLayout(task.document_id, task.run_id).page_outputs(task.page)
    stored = ctx.store.get_model(task.bucket, key, PageOutputs).outputs
    return {stage.name: output_type(stage.name).model_validate(stored[stage.name]) for stage in PAGE_STAGES}


def read_output(task: PageTask, name: str, ctx: TaskContext, known: dict[str, Any]) -> Any:
    """A stage's result for this page: from this run if it just produced it, else from the store."""
    return known[name] if name in known else stored_output(task, name, ctx).result


def upright_page(task: PageTask, ctx: TaskContext, known: dict[str, Any]) -> np.ndarray:
    rotation = read_output(task, page_turner().name, ctx, known)
    page = ctx.store.get_image(task.bucket, task.image_key)
    if not rotation.angle and not rotation.skew_degrees:
        return page
    key = f"{task.image_key}#{rotation.to_upright}"
    cached = ctx.store.cached(task.bucket, key)
    return cached if cached is not None else ctx.store.remember(task.bucket, key, upright(page, rotation))


def stage_arguments(stage: Stage, task: PageTask, ctx: TaskContext, known: dict[str, Any]) -> tuple:
    return stage.arguments(lambda: ctx.store.get_image(task.bucket, task.image_key),
                           lambda: upright_page(task, ctx, known),
                           lambda name: read_output(task, name, ctx, known))


def run_stage(request: StageRequest, ctx: TaskContext) -> StageRun:
    """Run the requested stage(s) on the page; a fused request reads the page once and hands each
    result to the next stage in memory. The task returned carries the outputs on."""
    task, run = request.task, StageRun(request.task)
    outputs: dict[str, StageOutput] = {}
    for stage in stages_of(request.stage):
        start = time.perf_counter()
        try:
            built = ctx.stages.get(stage.name, variants().overlay(task.variant, stage.name))
            result = built(*stage_arguments(stage, task, ctx, run.results))
        except OcrflowError as exc:  # name the stage that failed, also inside a fused request
            exc.stage = exc.stage or stage.name
            raise
        elapsed = round((time.perf_counter() - start) * 1e3, 2)
        outputs[stage.name] = StageOutput(stage=stage.name, elapsed_ms=elapsed, variant=task.variant, result=result)
        run.results[stage.name], run.milliseconds[stage.name] = result, elapsed
    run.task = hand_on(task, outputs, ctx)
    return run


def hand_on(task: PageTask, outputs: dict[str, StageOutput], ctx: TaskContext) -> PageTask:
    """The task for the next page state. After the last page stage: every output of the page stored
    as one object and nothing carried; before it: this run's outputs added to those carried."""
    layout = WorkLayout(task.document_id, task.run_id)
    if PAGE_STAGES[-1].name in outputs:
        everything = {stage.name: (outputs[stage.name] if stage.name in outputs
                                   else stored_output(task, stage.name, ctx)).model_dump(mode="json")
                      for stage in PAGE_STAGES}
        ctx.store.put_model(task.bucket, layout.page_outputs(task.page), PageOutputs(outputs=everything))
        return task.model_copy(update={"carried": {}})
    carried = dict(task.carried)
    for name, output in outputs.items():
        if len(output.model_dump_json()) <= CARRY_LIMIT:
            carried[name] = output.model_dump(mode="json")
        else:
            ctx.store.put_model(task.bucket, layout.stage_output(task.page, name), output)
    return task.model_copy(update={"carried": carried})
