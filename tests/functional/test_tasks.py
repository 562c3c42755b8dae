"""The page task against a real (moto) S3 store: what each stage reads and writes, fused or not."""

from __future__ import annotations

import cv2
import pytest

from ocrflow.errors import OcrflowError
from ocrflow.schema.payloads import PageTask, StageRequest
from ocrflow.storage import WorkLayout
from ocrflow.synthetic import render_page, rotate_page
from ocrflow.tasks import TaskContext, pages
from ocrflow.tasks.pages import page_outputs, run_stage


@pytest.fixture
def context(work_store, pipeline):
    return TaskContext(store=work_store, stages=pipeline.stages)


def page_task(context, run_id: str, image) -> PageTask:
    layout = WorkLayout("doc", run_id)
    ok, png = cv2.imencode(".png", image)
    context.store.put_bytes("work", layout.page_image(1), png.tobytes(), "image/png")
    return PageTask(document_id="doc", run_id=run_id, bucket="work", page=1, image_key=layout.page_image(1))


def run_all(context, task: PageTask, stages: tuple[str, ...] = ("rotation", "regions", "text_detection",
                                                                  "recognition")) -> PageTask:
    """The page states in order, each given the task the previous one returned (as the Map does)."""
    for stage in stages:
        task = run_stage(StageRequest(stage=stage, task=task), context).task
    return task


def keys(context, run_id: str) -> list[str]:
    listed = context.store.client.list_objects_v2(Bucket="work", Prefix=f"work/doc/{run_id}/")
    return sorted(o["Key"].rsplit("/", 1)[1] for o in listed.get("Contents", []))


def test_fused_stages_write_what_the_separate_stages_write(context):
    image = rotate_page(render_page(["Fused or not", "the same outputs"])[0], 90)
    separate = run_all(context, page_task(context, "run-a", image))
    fused = run_all(context, page_task(context, "run-b", image), ("rotation", "fused"))
    apart, together = page_outputs(separate, context), page_outputs(fused, context)
    for stage in ("rotation", "regions", "text_detection", "recognition"):
        assert apart[stage].result == together[stage].result and together[stage].elapsed_ms > 0
    assert sorted(line.text for line in together["recognition"].result.lines) == [
        "Fused or not", "the same outputs"]  # in detection order; validation orders them


def test_outputs_travel_in_the_task_and_the_last_stage_stores_them_once(context):
    task = page_task(context, "run-c", render_page(["Carried along"])[0])
    after_rotation = run_stage(StageRequest(stage="rotation", task=task), context).task
    assert list(after_rotation.carried) == ["rotation"] and keys(context, "run-c") == ["page"]
    before_last = run_all(context, after_rotation, ("regions", "text_detection"))
    assert list(before_last.carried) == ["rotation", "regions", "text_detection"]
    assert keys(context, "run-c") == ["page"], "nothing written before the last stage"
    done = run_all(context, before_last, ("recognition",))
    assert done.carried == {} and keys(context, "run-c") == ["outputs.json", "page"]
    stored = page_outputs(done, context)
    assert stored["text_detection"].model_dump(mode="json") == before_last.carried["text_detection"]
    assert [line.text for line in stored["recognition"].result.lines] == ["Carried along"]


def test_an_output_too_large_to_carry_is_stored_and_read_back(context, monkeypatch):
    monkeypatch.setattr(pages, "CARRY_LIMIT", 1)  # nothing fits
    done = run_all(context, page_task(context, "run-d", render_page(["Too big to carry"])[0]))
    assert keys(context, "run-d") == ["outputs.json", "page", "regions.json", "rotation.json", "text_detection.json"]
    assert [line.text for line in page_outputs(done, context)["recognition"].result.lines] == ["Too big to carry"]


def test_runs_of_one_document_never_share_objects(context):
    first = run_all(context, page_task(context, "run-1", render_page(["Run one"])[0]))
    second = run_all(context, page_task(context, "run-2", render_page(["Run two"])[0]))
    assert [line.text for line in page_outputs(first, context)["recognition"].result.lines] == ["Run one"]
    assert [line.text for line in page_outputs(second, context)["recognition"].result.lines] == ["Run two"]


def test_a_stage_without_its_inputs_fails_naming_itself(context):
    task = page_task(context, "run-x", render_page(["No rotation yet"])[0])
    with pytest.raises(OcrflowError) as raised:
        run_stage(StageRequest(stage="fused", task=task), context)
    assert raised.value.code == "STORAGE_ERROR" and raised.value.stage == "regions"
