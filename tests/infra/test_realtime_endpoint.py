"""The CDK app with a stage on a SageMaker real-time endpoint (``sagemaker_realtime``): the
endpoint without an asynchronous config, scaling on invocations per instance from one instance, the
invoker with InvokeEndpoint on that endpoint only, nothing of the asynchronous callback path, cdk-nag
(in ``synth``) and cfn-lint clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Match

from ocrflow.orchestration import asl
from ocrflow.orchestration.backends import Backends
from ocrflow.orchestration.backends.sagemaker_realtime import INVOKER

from .conftest import synth_endpoints
from .test_stack import resources, statements

SETTINGS = {"recognition": {"recognition": "sagemaker_realtime"}, "fused": {"fused": "sagemaker_realtime"}}


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def realtime(request):
    backends = SETTINGS[request.param]
    return request.param, Backends.parse(backends), *synth_endpoints(backends)


def test_a_real_time_endpoint_of_the_serving_image(realtime):
    key, _, _, template, _ = realtime
    template.resource_count_is("AWS::SageMaker::Model", 1)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    template.has_resource_properties("AWS::SageMaker::Model", {"PrimaryContainer": Match.object_like({
        "Environment": {"OCRFLOW_SERVE_STAGE": key, "OCRFLOW_SERVE_BUCKET": Match.any_value()}})})
    (config,) = resources(template, "AWS::SageMaker::EndpointConfig").values()
    # g5 instances carry NVMe storage their hardware encrypts: SageMaker refuses a KmsKeyId for them
    assert "AsyncInferenceConfig" not in config["Properties"] and "KmsKeyId" not in config["Properties"]
    (variant,) = config["Properties"]["ProductionVariants"]
    assert variant["InstanceType"] == "ml.g5.xlarge" and variant["InitialInstanceCount"] == 1


def test_it_scales_on_invocations_per_instance_and_never_to_zero(realtime):
    _, _, _, template, _ = realtime
    template.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "MinCapacity": 1, "MaxCapacity": 3, "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker"})
    template.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})})
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)


def test_the_invoker_replaces_the_callback_path(realtime):
    _, backends, stack, template, _ = realtime
    commands = sorted(f["Properties"]["ImageConfig"]["Command"][0]
                      for f in resources(template, "AWS::Lambda::Function").values()
                      if f["Properties"].get("PackageType") == "Image")
    assert INVOKER.handler == "ocrflow.handlers.invoker.handler" and INVOKER.handler in commands
    assert not [c for c in commands if c.endswith(("dispatcher", "completer"))]
    template.resource_count_is("AWS::SNS::Subscription", 0)
    assert not [t for t in resources(template, "AWS::DynamoDB::Table").values()
                if t["Properties"]["KeySchema"][0]["AttributeName"] == "inference_id"], "no task tokens"
    invoke = [s for s in statements(template) if s["Action"] == "sagemaker:InvokeEndpoint"]
    assert len(invoke) == 1 and invoke[0]["Resource"] == {"Ref": stack.resolve(
        stack.get_logical_id(stack.endpoints[0].endpoint))}
    assert not [s for s in statements(template) if "InvokeEndpointAsync" in json.dumps(s["Action"])]


def test_both_workflows_are_the_builders_definitions(realtime):
    _, backends, _, template, _ = realtime
    machines = [m["Properties"] for m in resources(template, "AWS::StepFunctions::StateMachine").values()]
    definitions = sorted((json.loads(m["DefinitionString"]) for m in machines), key=lambda d: d["StartAt"])
    assert definitions == sorted([asl.build(backends), asl.build_express(backends)], key=lambda d: d["StartAt"])
    for machine in machines:
        assert set(machine["DefinitionSubstitutions"]) == asl.substitution_keys(machine["DefinitionString"])
    assert any("InvokerFunctionArn" in m["DefinitionSubstitutions"] for m in machines)


def test_cfn_lint_finds_no_errors(realtime):
    _, _, _, _, assembly = realtime
    template = Path(assembly.directory) / "Ocrflow.template.json"
    run = subprocess.run([sys.executable, "-m", "cfnlint", str(template)], capture_output=True, text=True)
    errors = [line for line in run.stdout.splitlines() if re.match(r"^E\d", line)]
    assert not errors and run.returncode & 2 == 0, run.stdout
