"""The Textract API's construct: off by default; when on, a PRIVATE REST API that only the named VPC
endpoints reach, functions that read only the buckets configured for them, a notifier on the
production results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import synth

VPCE = "vpce-0123456789abcdef0"
CONTEXT = {"ocrflow:textract_api": {
    "enabled": True, "vpc_endpoint_ids": [VPCE], "buckets": ["client-documents"],
    "output_buckets": ["client-results"], "notification_topics": ["arn:aws:sns:eu-west-1:111122223333:done"]}}


@pytest.fixture(scope="module")
def enabled():
    return synth(CONTEXT)


def policies_of(template, function_prefix: str) -> list[dict]:
    return [s for name, p in template.find_resources("AWS::IAM::Policy").items() if name.startswith(function_prefix)
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def actions(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def test_off_unless_the_context_turns_it_on(synthesized):
    _, template, _ = synthesized
    assert template.find_resources("AWS::ApiGateway::RestApi") == {}


def test_the_api_is_private_and_its_policy_admits_only_the_vpc_endpoint(enabled):
    _, template, _ = enabled
    [api] = template.find_resources("AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["PRIVATE"], "VpcEndpointIds": [VPCE]}
    statements = api["Properties"]["Policy"]["Statement"]
    assert {(s["Effect"], json.dumps(s["Condition"])) for s in statements} == {
        ("Deny", json.dumps({"StringNotEquals": {"aws:SourceVpce": [VPCE]}})),
        ("Allow", json.dumps({"StringEquals": {"aws:SourceVpce": [VPCE]}}))}
    assert all(s["Action"] == "execute-api:Invoke" and s["Resource"] == "execute-api:/*" for s in statements)
    [method] = template.find_resources("AWS::ApiGateway::Method").values()
    assert method["Properties"]["HttpMethod"] == "POST" and method["Properties"]["AuthorizationType"] == "NONE"
    assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"


def test_the_functions_read_and_write_only_what_is_configured_for_them(enabled):
    _, template, _ = enabled
    handler = policies_of(template, "TextractApiFunctionsTextractApi")
    s3_actions = {a for s in handler for a in actions(s) if a.startswith("s3:")}
    assert s3_actions == {"s3:GetObject"}
    read = json.dumps([s["Resource"] for s in handler if "s3:GetObject" in actions(s)])
    assert "client-documents/*" in read and "StorageInput" in read and "client-results" not in read
    assert "/results/*" in read  # a finished job's answer
    notifier = policies_of(template, "TextractApiFunctionsTextractNotifier")
    [put] = [s for s in notifier if "s3:PutObject" in actions(s)]
    assert "client-results/*" in json.dumps(put["Resource"]) and actions(put) == ["s3:PutObject"]
    [publish] = [s for s in notifier if "sns:Publish" in actions(s)]
    assert publish["Resource"] == "arn:aws:sns:eu-west-1:111122223333:done"
    # a job's document is read by the workflow too, from the configured bucket only
    ingest = json.dumps([s["Resource"] for s in policies_of(template, "FunctionsIngest")])
    assert "client-documents/*" in ingest and "client-results" not in ingest


def test_the_notifier_hears_production_results_with_a_dead_letter_queue(enabled):
    _, template, _ = enabled
    rules = [r["Properties"] for r in template.find_resources("AWS::Events::Rule").values()
             if any("TextractNotifier" in json.dumps(t["Arn"]) for t in r["Properties"].get("Targets", []))]
    [rule] = rules
    assert rule["EventPattern"] == {"source": ["ocrflow"], "detail-type": ["OcrCompleted", "OcrFailed"],
                                    "detail": {"test": [False]}}
    assert rule["Targets"][0]["DeadLetterConfig"]["Arn"]


def test_cfn_lint_finds_no_errors(enabled):
    _, _, assembly = enabled
    template = Path(assembly.directory) / "Ocrflow.template.json"
    run = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(template)], capture_output=True,
                         text=True)
    assert run.returncode in (0, 4, 8, 12), run.stdout + run.stderr  # bit 2: errors (and 1: it failed to run)


def test_turned_on_without_a_vpc_endpoint_is_refused():
    with pytest.raises(Exception, match="vpc_endpoint_ids"):
        synth({"ocrflow:textract_api": {"enabled": True}})
