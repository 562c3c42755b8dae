"""Stage backends: parsing the CDK context and the CLI flag, and the page steps they make."""

from __future__ import annotations

import pytest

from ocrflow.orchestration.backends import BACKENDS, Backend, Backends
from ocrflow.orchestration.backends.sagemaker_realtime import INVOKER
from ocrflow.registry import COMPLETER, DISPATCHER, page_stage


def test_default_is_all_lambda():
    backends = Backends.parse(None)
    assert backends.endpoints == () and backends.label == "lambda" and not backends.waits_for_callback
    assert [(step.key, step.backend.name) for step in backends.page_steps()] == [
        ("rotation", "lambda"), ("regions", "lambda"), ("text_detection", "lambda"), ("recognition", "lambda")]
    assert backends.functions() == tuple(page_stage(s.key).function for s in backends.page_steps())
    assert backends.support_functions() == ()


def test_one_stage_on_an_endpoint_from_mapping_or_flag():
    for value in ({"text_detection": "sagemaker_async"}, ["text_detection=sagemaker_async"]):
        backends = Backends.parse(value)
        assert [e.key for e in backends.endpoints] == ["text_detection"]
        steps = {step.key: step for step in backends.page_steps()}
        assert steps["text_detection"].substitution == "TextDetectionEndpointName"
        assert not steps["rotation"].backend.on_endpoint and not steps["recognition"].backend.on_endpoint
        assert backends.waits_for_callback and backends.support_functions() == (COMPLETER,)
        assert DISPATCHER in backends.functions()


def test_fused_replaces_the_three_model_stages():
    backends = Backends.parse({"fused": "sagemaker_async"})
    assert [step.key for step in backends.page_steps()] == ["rotation", "fused"]
    assert [s.name for s in backends.endpoints[0].stages] == ["regions", "text_detection", "recognition"]


def test_a_real_time_endpoint_answers_in_the_call():
    backends = Backends.parse(["recognition=sagemaker_realtime"])
    assert [e.key for e in backends.endpoints] == ["recognition"]
    assert not backends.waits_for_callback, "no task token: the document stays in the Express workflow"
    assert INVOKER in backends.functions() and backends.support_functions() == ()
    assert backends.label == "recognition:sagemaker_realtime"
    assert backends.as_dict() == {"recognition": "sagemaker_realtime"}


def test_every_backend_says_what_it_costs_and_how_it_is_built():
    assert set(BACKENDS) == {"lambda", "sagemaker_async", "sagemaker_realtime"}
    for name, backend in BACKENDS.items():
        assert isinstance(backend, Backend) and backend.name == name and backend.cost.billed_by
        assert bool(backend.construct) == bool(backend.emulator) == backend.on_endpoint, name
    assert BACKENDS["sagemaker_async"].cost.idle_instances == 0
    assert BACKENDS["sagemaker_realtime"].cost.idle_instances == 1


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


def test_the_cost_model_reads_each_backends_idle_instances():
    from ocrflow.bench.cost import HOURS_PER_MONTH, PRICES, idle_per_month

    hourly = PRICES["sagemaker_instance_hour"]["ml.g4dn.xlarge"]
    assert idle_per_month(Backends()) == {}
    assert idle_per_month(Backends.parse({"fused": "sagemaker_async"})) == {"fused": 0.0}
    assert idle_per_month(Backends.parse({"regions": "sagemaker_async", "recognition": "sagemaker_realtime"})) == {
        "regions": 0.0, "recognition": hourly * HOURS_PER_MONTH}
