"""The CDK app: resources, properties, IAM, the rule's pattern, substitutions, context switches."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from aws_cdk.assertions import Match

from .conftest import synth

REPO = Path(__file__).resolve().parents[2]


def resources(template, kind: str) -> dict:
    return template.find_resources(kind)


def machines(template) -> dict[str, dict]:
    """The state machines by type: STANDARD (started per document) and EXPRESS (runs it)."""
    found = resources(template, "AWS::StepFunctions::StateMachine").values()
    return {m["Properties"].get("StateMachineType", "STANDARD"): m for m in found}


def test_core_resources_exist(synthesized):
    _, template, _ = synthesized
    template.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    template.resource_count_is("AWS::Events::EventBus", 1)
    functions = resources(template, "AWS::Lambda::Function")
    image_functions = [f for f in functions.values() if f["Properties"].get("PackageType") == "Image"]
    assert len(image_functions) >= 5
    commands = sorted(f["Properties"]["ImageConfig"]["Command"][0] for f in image_functions)
    assert commands == sorted([
        "ocrflow.handlers.ingest.handler", *["ocrflow.handlers.pages.handler"] * 4,
        "ocrflow.handlers.validation.handler", "ocrflow.handlers.scorer.handler", "ocrflow.handlers.starter.handler"])
    stages = sorted(f["Properties"]["Environment"]["Variables"].get("OCRFLOW_STAGE", "-") for f in image_functions)
    assert stages == ["-", "-", "-", "-", "recognition", "regions", "rotation", "text_detection"]
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "ocrflow"})
    template.has_resource_properties("AWS::EventSchemas::Schema", {"SchemaName": "ocrflow@OcrTestScored",
                                                                   "Type": "JSONSchemaDraft4"})
    template.resource_count_is("AWS::EventSchemas::Schema", 4)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_state_machines_are_the_checked_in_definitions_with_every_substitution_resolved(synthesized):
    _, template, _ = synthesized
    found = machines(template)
    functions = {"IngestFunctionArn", "RotationFunctionArn", "RegionsFunctionArn", "TextDetectionFunctionArn",
                 "RecognitionFunctionArn", "ValidationFunctionArn", "EventBusName", "WorkBucketName"}
    for kind, file, extra in (("STANDARD", "ocrflow.asl.json", {"ExpressStateMachineArn"}),
                              ("EXPRESS", "ocrflow-express.asl.json", set())):
        props = found[kind]["Properties"]
        definition = props["DefinitionString"]
        placeholders = set(re.findall(r"\$\{([A-Za-z]+)\}", json.dumps(definition)))
        assert placeholders == set(props["DefinitionSubstitutions"]) == functions | extra, kind
        assert json.loads(definition) == json.loads((REPO / "statemachine" / file).read_text()), kind
        assert props["TracingConfiguration"] == {"Enabled": True}
    assert found["STANDARD"]["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert found["EXPRESS"]["Properties"]["LoggingConfiguration"]["Level"] == "ERROR"
    assert found["EXPRESS"]["Properties"]["StateMachineName"] == "Ocrflow-express"


def test_the_standard_workflow_may_run_and_watch_only_the_express_one(synthesized):
    stack, template, _ = synthesized
    role = stack.resolve(stack.get_logical_id(stack.workflow.state_machine.role.node.default_child))
    policy = [p for p in resources(template, "AWS::IAM::Policy").values()
              if {"Ref": role} in p["Properties"]["Roles"]][0]
    granted = {json.dumps(s["Action"]): json.dumps(s["Resource"]) for s in policy["Properties"]["PolicyDocument"]
               ["Statement"]}
    express = stack.resolve(stack.get_logical_id(stack.workflow.express.node.default_child))
    assert granted['"states:StartExecution"'] == json.dumps({"Ref": express})
    assert "execution:Ocrflow-express:*" in granted['["states:DescribeExecution", "states:StopExecution"]']
    assert "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule" in granted[
        '["events:DescribeRule", "events:PutRule", "events:PutTargets"]']


def test_every_submission_goes_to_the_submissions_queue_read_by_the_starter(synthesized):
    stack, template, _ = synthesized
    queue = stack.resolve(stack.get_logical_id(stack.front_door.queue.node.default_child))
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"detail-type": ["DocumentSubmitted"]},  # malformed events too: they get an OcrFailed
        "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [queue, "Arn"]},
                                       "DeadLetterConfig": Match.any_value(),
                                       "RetryPolicy": {"MaximumRetryAttempts": 185,
                                                       "MaximumEventAgeInSeconds": 86400}})]})
    template.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like({
        "OCRFLOW_STATE_MACHINE_ARN": Match.any_value(), "OCRFLOW_DUPLICATE_WINDOW_SECONDS": "86400",
        "OCRFLOW_IDEMPOTENCY_TABLE": Match.any_value()})}})
    template.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True}})


def test_alarms_for_dead_letters_throttles_timeouts_and_failures(synthesized):
    stack, template, _ = synthesized
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    visible = "ApproximateNumberOfMessagesVisible"
    dead_letter_alarms = [a for a in alarms if a["Properties"].get("MetricName") == visible]
    queues = {json.dumps(a["Properties"]["Dimensions"]) for a in dead_letter_alarms}
    for queue in (stack.front_door.dead_letters, stack.front_door.delivery_failures, stack.contract.scorer_failures,
                  stack.contract.scorer_on_failure, stack.contract.consumer_failures):
        assert stack.resolve(stack.get_logical_id(queue.node.default_child)) in json.dumps(sorted(queues))
    assert any(a["Properties"].get("MetricName") == "ExecutionsTimedOut" for a in alarms)
    throttles = [a for a in alarms if "throttled" in json.dumps(a["Properties"].get("Metrics", []))]
    assert len(throttles) == 1
    metrics = [m for m in throttles[0]["Properties"]["Metrics"] if "MetricStat" in m]
    assert len(metrics) == len(stack.functions) and all(m["MetricStat"]["Metric"]["MetricName"] == "Throttles"
                                                         for m in metrics)
    assert any(a["Properties"].get("MetricName") == "ExecutionsFailed" for a in alarms)


def test_consumer_rules_use_the_contract_patterns(synthesized):
    _, template, _ = synthesized
    for name in ("scorer", "production-consumer"):
        pattern = json.loads((REPO / "events" / "patterns" / f"{name}.json").read_text())
        template.has_resource_properties("AWS::Events::Rule", {"EventPattern": pattern})


def test_buckets_are_encrypted_private_and_ssl_only(synthesized):
    _, template, _ = synthesized
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 3
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}
    policies = resources(template, "AWS::S3::BucketPolicy")
    assert all("aws:SecureTransport" in json.dumps(p) for p in policies.values()) and len(policies) == 3
    template.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Prefix": "work/", "ExpirationInDays": 7, "Status": "Enabled"})])}})


def statements(template) -> list[dict]:
    out = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        out += policy["Properties"]["PolicyDocument"]["Statement"]
    return out


def test_no_wildcard_actions_anywhere(synthesized):
    _, template, _ = synthesized
    for statement in statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not [a for a in actions if "*" in a], statement


def test_pipeline_never_writes_or_deletes_inputs(synthesized):
    stack, template, _ = synthesized
    input_id = stack.resolve(stack.get_logical_id(stack.storage.input_bucket.node.default_child))
    for statement in statements(template):
        if input_id in json.dumps(statement["Resource"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert actions == ["s3:GetObject"], statement


def test_state_machine_may_invoke_only_its_functions_and_put_only_on_its_bus(synthesized):
    stack, template, _ = synthesized
    role = stack.resolve(stack.get_logical_id(stack.workflow.state_machine.role.node.default_child))
    policy = [p for p in resources(template, "AWS::IAM::Policy").values()
              if {"Ref": role} in p["Properties"]["Roles"]][0]
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        if statement["Action"] == "lambda:InvokeFunction":
            assert "Scorer" not in json.dumps(statement["Resource"])
            assert "Starter" not in json.dumps(statement["Resource"])
        if statement["Action"] == "events:PutEvents":
            assert "EventsBus" in json.dumps(statement["Resource"])


def test_context_switches(tmp_path):
    _, template, _ = synth({"ocrflow:bus_name": "docs", "ocrflow:s3_trigger": True,
                            "ocrflow:functions": {"recognition": {"memory_mb": 4096, "reserved_concurrency": 7}},
                            "ocrflow:max_concurrency": 9})
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "docs"})
    template.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": ["aws.s3"], "detail-type": ["Object Created"], "detail": Match.any_value()}})
    template.has_resource_properties("AWS::Lambda::Function", {
        "MemorySize": 4096, "ReservedConcurrentExecutions": 7,
        "Environment": {"Variables": Match.object_like({"OCRFLOW_STAGE": "recognition"})}})
    template.has_resource_properties("AWS::Lambda::Function", {
        "Environment": {"Variables": Match.object_like({"OCRFLOW_MAX_CONCURRENCY": "9"})}})


def test_cfn_lint_finds_no_errors(synthesized):
    _, _, assembly = synthesized
    template = Path(assembly.directory) / "Ocrflow.template.json"
    # The console script: `python -m cfnlint` has no __main__ and exits 1, which `& 2` never saw.
    run = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(template)], capture_output=True,
                         text=True)
    errors = [line for line in run.stdout.splitlines() if re.match(r"^E\d", line)]
    assert not errors and run.returncode & 3 == 0, run.stdout + run.stderr  # 2: errors, 1: it did not run


def test_an_unacknowledged_finding_fails_synthesis():
    import aws_cdk as cdk
    import pytest
    from app import build
    from aws_cdk import aws_s3 as s3

    app = cdk.App()
    stack = build(app)
    s3.Bucket(stack, "Careless")  # no SSL enforcement, no access logs
    with pytest.raises(Exception, match="Validation failed|AwsSolutions"):
        app.synth()


def recommended_feature_flags() -> dict:
    """The flags `cdk init` of the installed aws-cdk-lib writes, from the library's own package."""
    import tarfile
    from importlib import resources as package_data

    (bundle,) = [f for f in package_data.files("aws_cdk._jsii").iterdir() if f.name.endswith(".jsii.tgz")]
    with package_data.as_file(bundle) as path, tarfile.open(path) as archive:
        return json.load(archive.extractfile("package/recommended-feature-flags.json"))


def test_cdk_json_sets_every_recommended_feature_flag():
    """Upgrading aws-cdk-lib makes this fail until its new flags are reviewed into cdk.json."""
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    recommended = recommended_feature_flags()
    assert len(recommended) > 50
    assert {k: context.get(k) for k in recommended} == recommended


def test_architecture_and_python_version_switches():
    _, template, assembly = synth({"ocrflow:architecture": "arm64", "ocrflow:python_version": "3.12"})
    functions = resources(template, "AWS::Lambda::Function")
    images = [f["Properties"] for f in functions.values() if f["Properties"].get("PackageType") == "Image"]
    assert images and all(p["Architectures"] == ["arm64"] for p in images)
    manifest = json.loads((Path(assembly.directory) / "Ocrflow.assets.json").read_text())
    sources = [image["source"] for image in manifest["dockerImages"].values()]
    assert sources and all(s["platform"] == "linux/arm64" and s["dockerBuildArgs"] == {"PYTHON_VERSION": "3.12"}
                           for s in sources)


def test_shadow_runs_deploy_their_states_and_may_start_only_this_state_machine(tmp_path, monkeypatch):
    from ocrflow.variants import variants

    config = json.loads(variants().model_dump_json())
    config["shadow"] = {"variant": "pp-ocrv4-rec", "share": 0.05}
    (tmp_path / "variants.json").write_text(json.dumps(config))
    monkeypatch.setenv("OCRFLOW_VARIANTS_FILE", str(tmp_path / "variants.json"))
    _, template, _ = synth()
    found = machines(template)
    assert found["STANDARD"]["Properties"]["StateMachineName"] == "Ocrflow-documents"
    for machine in found.values():  # a shadow run is chosen where the document ran: mostly the Express one
        definition = json.loads(machine["Properties"]["DefinitionString"])
        assert definition["States"]["StartShadow"]["Resource"] == "arn:aws:states:::states:startExecution"
        assert definition["States"]["StartShadow"]["Parameters"]["StateMachineArn"] == "${StandardStateMachineArn}"
        assert definition["States"]["Validation"]["Next"] == "IsShadowRun"
        assert "stateMachine:Ocrflow-documents" in json.dumps(
            machine["Properties"]["DefinitionSubstitutions"]["StandardStateMachineArn"])
    starts = [s for s in statements(template) if s["Action"] == "states:StartExecution"]
    arns = [json.dumps(s["Resource"]) for s in starts]
    assert sum("stateMachine:Ocrflow-documents" in arn for arn in arns) == 2


def test_without_shadow_runs_no_document_pays_for_their_states(synthesized):
    _, template, _ = synthesized
    for machine in machines(template).values():
        text = json.dumps(machine["Properties"]["DefinitionString"])
        assert "StartShadow" not in text and "IsShadowRun" not in text


def test_distributed_pages_deploy_the_distributed_map_and_what_its_role_needs():
    stack, template, _ = synth({"ocrflow:distributed_pages": True})
    standard = machines(template)["STANDARD"]["Properties"]
    assert standard["StateMachineName"] == "Ocrflow-documents"  # its own ARN, without a dependency cycle
    definition = json.loads(standard["DefinitionString"])
    assert definition == asl_build(distributed=True)
    assert definition["States"]["Pages"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "EXPRESS"
    role = stack.resolve(stack.get_logical_id(stack.workflow.state_machine.role.node.default_child))
    granted = [s for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]
               for s in p["Properties"]["PolicyDocument"]["Statement"]]

    def resources_for(action) -> list[str]:
        return [json.dumps(s["Resource"]) for s in granted if s["Action"] == action]

    assert any("stateMachine:Ocrflow-documents" in arn for arn in resources_for("states:StartExecution"))
    watched = resources_for(["states:DescribeExecution", "states:StopExecution"])
    assert any("execution:Ocrflow-documents/Pages:*" in arn for arn in watched)  # the map run's children
    assert any("execution:Ocrflow-express:*" in arn for arn in watched)  # the Express workflow's, as before
    reads = resources_for("s3:GetObject")
    assert len(reads) == 1 and "/work/*/pages.json" in reads[0]
    express = json.loads(machines(template)["EXPRESS"]["Properties"]["DefinitionString"])
    assert "ItemReader" not in express["States"]["Pages"]


def asl_build(**kwargs) -> dict:
    from ocrflow.orchestration import asl

    return asl.build(**kwargs)
