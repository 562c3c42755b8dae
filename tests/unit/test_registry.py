"""The stage registry: one entry per stage, everything else derived from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ocrflow import registry
from ocrflow.registry import FUSED_STAGES, PAGE_STAGES, PIPELINE_FUNCTIONS, camel, load, page_stage


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
    for function in (*PIPELINE_FUNCTIONS, registry.SCORER, registry.STARTER, registry.DISPATCHER,
                     registry.COMPLETER):
        module, _, name = function.handler.rpartition(".")
        assert module.startswith("ocrflow.handlers."), function


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
