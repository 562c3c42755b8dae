"""The stage registry: one entry per stage, everything else derived from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ocrflow import registry
from ocrflow.registry import (
    FUSED_STAGES,
    PAGE_STAGES,
    PIPELINE_FUNCTIONS,
    Stage,
    camel,
    check_inputs,
    load,
    page_stage,
    page_turner,
)


def test_names_are_derived_once():
    detection = page_stage("text_detection")
    assert detection.state == "TextDetection"
    assert detection.function.substitution == "TextDetectionFunctionArn"
    assert detection.function.local_name == "ocrflow-text-detection"
    assert detection.function.construct_id == "TextDetection"
    assert camel("ingest") == "Ingest"
    assert [f.name for f in PIPELINE_FUNCTIONS] == ["ingest", *[s.name for s in PAGE_STAGES], "validation"]


def test_every_entry_points_at_real_code():
    from pydantic import BaseModel
    from pydantic_settings import BaseSettings

    for stage in PAGE_STAGES:
        assert callable(load(stage.core))
        assert issubclass(load(stage.settings), BaseSettings)
        assert issubclass(load(stage.result), BaseModel)
    from ocrflow.orchestration.backends.sagemaker_realtime import INVOKER
    from ocrflow.tasks.specs import TaskSpec, task_of

    for function in (*PIPELINE_FUNCTIONS, registry.SCORER, registry.STARTER, registry.DISPATCHER,
                     registry.COMPLETER, INVOKER):
        module, _, name = function.handler.rpartition(".")
        assert module.startswith("ocrflow.handlers."), function
        assert callable(load(f"{module}:{name}")), function
        assert isinstance(task_of(function), TaskSpec), function  # the one table: handler and task together
    for function in registry.TEXTRACT_FUNCTIONS:
        assert function.task is None  # its handler is its own adapter


def test_a_stage_function_refuses_another_stage():
    from ocrflow.errors import OcrflowError
    from ocrflow.tasks import TaskContext
    from ocrflow.tasks.specs import task_of

    task = {"document_id": "d" * 16, "run_id": "r", "bucket": "b", "page": 1, "image_key": "k"}
    with pytest.raises(OcrflowError, match="serves the regions stage"):
        task_of(page_stage("regions").function)({"stage": "recognition", "task": task}, TaskContext())


def test_inputs_are_the_page_the_upright_page_or_an_earlier_stage():
    check_inputs()
    rotation, regions = page_stage("rotation"), page_stage("regions")
    with pytest.raises(ValueError, match="no earlier stage"):
        check_inputs((rotation, Stage("late", "m:C", "m:S", "m:R", offloadable=True, inputs=("later",))))
    with pytest.raises(ValueError, match="before any stage turns the page"):
        check_inputs((regions, rotation))


def test_only_the_model_stages_after_rotation_may_leave_lambda():
    assert [s.name for s in FUSED_STAGES] == ["regions", "text_detection", "recognition"]
    assert not page_stage("rotation").offloadable and page_stage("rotation").inputs == ("page",)
    assert page_stage("rotation").turns_page and page_turner().name == "rotation"
    assert page_stage("recognition").inputs == ("upright", "text_detection")


def test_unknown_stage_is_a_clear_error():
    with pytest.raises(KeyError, match="known: rotation, regions, text_detection, recognition"):
        page_stage("binarization")


def test_registry_needs_nothing_outside_the_standard_library():
    """The CDK app imports it without ocrflow's dependencies."""
    code = ("import sys; sys.modules.update({m: None for m in ('numpy', 'pydantic', 'cv2', 'onnxruntime')});"
            "import ocrflow.registry, ocrflow.orchestration.asl as a; print(len(a.build()['States']))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 5
