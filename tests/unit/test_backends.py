"""Stage backends: parsing the CDK context and the CLI flag, and the page steps they make."""

from __future__ import annotations

import pytest

from ocrflow.orchestration.backends import Backends


def test_default_is_all_lambda():
    backends = Backends.parse(None)
    assert backends.endpoints == () and backends.label == "lambda"
    assert [(step, endpoint) for step, endpoint in backends.page_steps()] == [
        ("rotation", None), ("regions", None), ("text_detection", None), ("recognition", None)]


def test_one_stage_on_an_endpoint_from_mapping_or_flag():
    for value in ({"text_detection": "sagemaker_async"}, ["text_detection=sagemaker_async"]):
        backends = Backends.parse(value)
        assert [e.key for e in backends.endpoints] == ["text_detection"]
        steps = dict(backends.page_steps())
        assert steps["text_detection"].substitution == "TextDetectionEndpointName"
        assert steps["rotation"] is None and steps["recognition"] is None


def test_fused_replaces_the_three_model_stages():
    backends = Backends.parse({"fused": "sagemaker_async"})
    assert [step for step, _ in backends.page_steps()] == ["rotation", "fused"]
    assert [s.name for s in backends.endpoints[0].stages] == ["regions", "text_detection", "recognition"]


def test_lambda_backend_is_the_default_spelled_out():
    assert Backends.parse({"regions": "lambda"}) == Backends()


@pytest.mark.parametrize("value,message", [
    ({"rotation": "sagemaker_async"}, "cannot leave Lambda"),
    ({"ocr": "sagemaker_async"}, "cannot leave Lambda"),
    ({"regions": "gpu"}, "unknown backend"),
    ({"fused": "sagemaker_async", "regions": "sagemaker_async"}, "already runs"),
])
def test_impossible_settings_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        Backends.parse(value)
