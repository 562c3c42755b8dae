"""The CDK app with stages on SageMaker asynchronous endpoints: per stage and fused."""

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

from .conftest import synth, synth_endpoints
from .test_stack import resources, statements

SETTINGS = {"text_detection": {"text_detection": "sagemaker_async"}, "fused": {"fused": "sagemaker_async"}}


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def switched(request):
    backends = SETTINGS[request.param]
    return request.param, Backends.parse(backends), *synth_endpoints(backends)


def test_model_endpoint_config_and_endpoint_per_switched_stage(switched):
    key, _, _, template, _ = switched
    template.resource_count_is("AWS::SageMaker::Model", 1)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    template.has_resource_properties("AWS::SageMaker::Model", {"PrimaryContainer": Match.object_like({
        "Environment": {"OCRFLOW_SERVE_STAGE": key, "OCRFLOW_SERVE_BUCKET": Match.any_value()}, "ModelDataUrl": Match.any_value(), "Image": Match.any_value()})})
    template.has_resource_properties("AWS::SageMaker::EndpointConfig", {
        "KmsKeyId": Match.absent(),  # g5: local NVMe storage, which SageMaker encrypts and refuses a key for
        "ProductionVariants": [Match.object_like({"InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1,
                                                  "VariantName": "AllTraffic"})],
        "AsyncInferenceConfig": {
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": {"S3OutputPath": Match.any_value(), "S3FailurePath": Match.any_value(),
                             "NotificationConfig": {"SuccessTopic": Match.any_value(),
                                                    "ErrorTopic": Match.any_value()}}}})


def test_it_scales_from_zero_on_its_backlog(switched):
    _, _, _, template, _ = switched
    template.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "MinCapacity": 0, "MaxCapacity": 3, "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker"})
    template.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "CustomizedMetricSpecification": Match.object_like({"MetricName": "ApproximateBacklogSizePerInstance",
                                                                "Namespace": "AWS/SageMaker"})})})
    template.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "StepScaling", "StepScalingPolicyConfiguration": Match.object_like({
            "AdjustmentType": "ChangeInCapacity"})})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "HasBacklogWithoutCapacity", "Namespace": "AWS/SageMaker",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold"})


def test_callback_path_topics_table_and_two_functions(switched):
    _, _, _, template, _ = switched
    template.resource_count_is("AWS::SNS::Topic", 3)  # success and error, and the alarm topic
    template.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "inference_id", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})
    commands = sorted(f["Properties"]["ImageConfig"]["Command"][0]
                      for f in resources(template, "AWS::Lambda::Function").values()
                      if f["Properties"].get("PackageType") == "Image")
    assert "ocrflow.handlers.endpoint.dispatcher" in commands and "ocrflow.handlers.endpoint.completer" in commands
    template.resource_count_is("AWS::SNS::Subscription", 2)
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "lambda",
                                                                 "RedrivePolicy": Match.any_value()})


def test_state_machine_is_the_builders_definition_for_these_backends(switched):
    _, backends, _, template, _ = switched
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    assert json.loads(props["DefinitionString"]) == asl.build(backends)
    assert set(props["DefinitionSubstitutions"]) == asl.substitution_keys(asl.build(backends))
    assert "DispatcherFunctionArn" in props["DefinitionSubstitutions"]


def test_least_privilege_on_the_callback_path(switched):
    _, _, stack, template, _ = switched
    actions = {a for s in statements(template) for a in (s["Action"] if isinstance(s["Action"], list)
                                                           else [s["Action"]])}
    assert not [a for a in actions if "*" in a]
    invoke = [s for s in statements(template) if s["Action"] == "sagemaker:InvokeEndpointAsync"]
    assert len(invoke) == 1 and invoke[0]["Resource"] == {"Ref": stack.resolve(
        stack.get_logical_id(stack.endpoints[0].endpoint))}
    responses = [s for s in statements(template) if "states:SendTaskSuccess" in json.dumps(s["Action"])]
    assert len(responses) == 1 and "WorkflowStateMachine" in json.dumps(responses[0]["Resource"])


def test_cfn_lint_finds_no_errors(switched):
    _, _, _, _, assembly = switched
    template = Path(assembly.directory) / "Ocrflow.template.json"
    run = subprocess.run([sys.executable, "-m", "cfnlint", str(template)], capture_output=True, text=True)
    errors = [line for line in run.stdout.splitlines() if re.match(r"^E\d", line)]
    assert not errors and run.returncode & 2 == 0, run.stdout


def test_a_stage_that_cannot_leave_lambda_is_refused():
    with pytest.raises(Exception, match="cannot leave Lambda"):
        synth({"ocrflow:stage_backends": {"rotation": "sagemaker_async"}})


def test_the_issues_spelling_of_the_key_is_accepted():
    _, template, _ = synth({"stageBackends": {"recognition": "sagemaker_async"}})
    template.has_resource_properties("AWS::SageMaker::Model", {"PrimaryContainer": Match.object_like({
        "Environment": {"OCRFLOW_SERVE_STAGE": "recognition", "OCRFLOW_SERVE_BUCKET": Match.any_value()}})})


def test_the_endpoints_model_choice_reaches_the_container_and_the_artefact(tmp_path):
    """``ocrflow:endpoint.models``: a GPU endpoint runs larger or other models than the Lambda stages."""
    import tarfile

    artefact = tmp_path / "model.tar.gz"
    _, template, _ = synth({"ocrflow:stage_backends": json.dumps({"fused": "sagemaker_async"}),
                            "ocrflow:endpoint": {"models": ["pp-ocrv6-rec-small-latin-int8"],
                                                 "model_archive": str(artefact)}})
    environments = [model["Properties"]["PrimaryContainer"]["Environment"]
                    for model in resources(template, "AWS::SageMaker::Model").values()]
    chosen = {env["OCRFLOW_SERVE_STAGE"]: env.get("OCRFLOW_SERVE_MODELS") for env in environments}
    assert chosen == {"fused": "pp-ocrv6-rec-small-latin-int8"}
    assert "PP-OCRv6_rec_small_latin_int8.onnx" in tarfile.open(artefact).getnames()


def test_endpoint_models_are_checked_against_the_manifest():
    from ocrflow_infra.config import EndpointConfig

    with pytest.raises(ValueError, match="unknown model no-such-model"):
        EndpointConfig(models=["no-such-model"])
    with pytest.raises(ValueError, match="one model per stage"):
        EndpointConfig(models=["pp-ocrv4-rec", "pp-ocrv6-rec-small-latin-int8"])
    assert EndpointConfig(models=["ppocr-server-v2-det"]).models == ["ppocr-server-v2-det"]


@pytest.mark.parametrize(("instance_type", "keyed"), [
    ("ml.m5.xlarge", True), ("ml.c7g.large", True), ("ml.inf2.xlarge", True), ("ml.g4dn.xlarge", False),
    ("ml.g5.2xlarge", False), ("ml.m5d.large", False), ("ml.p4d.24xlarge", False), ("ml.g6.xlarge", False),
])
def test_the_volume_key_is_left_out_where_the_instance_has_local_storage(instance_type, keyed):
    from ocrflow_infra.endpoints import local_storage

    assert (not local_storage(instance_type)) is keyed


@pytest.mark.parametrize(("instance_type", "keyed"), [("ml.m5.xlarge", True), ("ml.g4dn.xlarge", False)])
def test_the_volume_key_exists_only_where_an_endpoint_takes_it(instance_type, keyed):
    _, template, _ = synth({"ocrflow:stage_backends": json.dumps({"fused": "sagemaker_async"}),
                            "ocrflow:endpoint": {"instance_type": instance_type}})
    (config,) = resources(template, "AWS::SageMaker::EndpointConfig").values()
    volume_keys = [key for key in resources(template, "AWS::KMS::Key").values()
                   if "SageMaker endpoint instances" in key["Properties"].get("Description", "")]
    assert ("KmsKeyId" in config["Properties"]) is keyed and len(volume_keys) == int(keyed)
