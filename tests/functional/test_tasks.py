"""The page task against a real (moto) S3 store: what each stage reads and writes, fused or not."""

from __future__ import annotations

import cv2
import pytest

from ocrflow.errors import OcrflowError
from ocrflow.schema.payloads import PageTask, StageRequest
from ocrflow.storage import WorkLayout
from ocrflow.synthetic import render_page, rotate_page
from ocrflow.tasks import TaskContext
from ocrflow.tasks.pages import read_output, run_stage, stored_output


@pytest.fixture
def context(work_store, pipeline):
    return TaskContext(store=work_store, stages=pipeline.stages)


def page_task(context, run_id: str, image) -> PageTask:
    layout = WorkLayout("doc", run_id)
    ok, png = cv2.imencode(".png", image)
    context.store.put_bytes("work", layout.page_image(1), png.tobytes(), "image/png")
    return PageTask(document_id="doc", run_id=run_id, bucket="work", page=1, image_key=layout.page_image(1))


def test_fused_stages_write_what_the_separate_stages_write(context):
    image = rotate_page(render_page(["Fused or not", "the same outputs"])[0], 90)
    separate, fused = page_task(context, "run-a", image), page_task(context, "run-b", image)
    for stage in ("rotation", "regions", "text_detection", "recognition"):
        run_stage(StageRequest(stage=stage, task=separate), context)
    run_stage(StageRequest(stage="rotation", task=fused), context)
    ran = run_stage(StageRequest(stage="fused", task=fused), context)
    assert list(ran.results) == ["regions", "text_detection", "recognition"]
    for stage in ("regions", "text_detection", "recognition"):
        assert read_output(separate, stage, context, {}) == read_output(fused, stage, context, {})
    assert sorted(line.text for line in read_output(fused, "recognition", context, {}).lines) == [
        "Fused or not", "the same outputs"]  # in detection order; validation orders them
    assert stored_output(fused, "recognition", context).elapsed_ms > 0


def test_runs_of_one_document_never_share_objects(context):
    image = render_page(["Run one"])[0]
    first, second = page_task(context, "run-1", image), page_task(context, "run-2", render_page(["Run two"])[0])
    for task in (first, second):
        for stage in ("rotation", "regions", "text_detection", "recognition"):
            run_stage(StageRequest(stage=stage, task=task), context)
    assert [line.text for line in read_output(first, "recognition", context, {}).lines] == ["Run one"]
    assert [line.text for line in read_output(second, "recognition", context, {}).lines] == ["Run two"]


def test_a_stage_without_its_inputs_fails_naming_itself(context):
    task = page_task(context, "run-x", render_page(["No rotation yet"])[0])
    with pytest.raises(OcrflowError) as raised:
        run_stage(StageRequest(stage="fused", task=task), context)
    assert raised.value.code == "STORAGE_ERROR" and raised.value.stage == "regions"
