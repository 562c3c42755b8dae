"""Nothing lost in AWS either: the synthesized template against each hop's documented semantics.

- Every function that EventBridge or SNS invokes (asynchronously) has an on-failure destination, so a
  function error after Lambda's two retries is parked, not discarded ("How Lambda handles errors and
  retries with asynchronous invocation").
- The submissions queue feeds the starter through an event source mapping with partial batch
  responses, a maximum concurrency and a dead-letter queue after a bounded number of receives.
- Every AWS service that sends to an encrypted queue or topic of ours can use its key: SSE-SQS for
  queues, and for topics a customer managed key whose policy names the sending service (CloudWatch
  alarms cannot use the AWS managed alias/aws/sns key).
"""

from __future__ import annotations

import copy
import json

import pytest

from ocrflow.schema.delivery import ASYNC_INVOKE, SUBMISSIONS

from .conftest import synth


def resources(template, kind: str) -> dict:
    """By logical id, from a synthesized ``Template`` or a template's JSON (which a test can break)."""
    found = template["Resources"] if isinstance(template, dict) else template.to_json()["Resources"]
    return {name: resource for name, resource in found.items() if resource["Type"] == kind}


def function_of(reference) -> str | None:
    """The logical id a target or endpoint points at, where it is one of this template's functions."""
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        return reference["Fn::GetAtt"][0]
    return None


def asynchronously_invoked(template) -> set[str]:
    functions = set(resources(template, "AWS::Lambda::Function"))
    found = set()
    for rule in resources(template, "AWS::Events::Rule").values():
        found |= {function_of(t["Arn"]) for t in rule["Properties"].get("Targets", [])}
    for subscription in resources(template, "AWS::SNS::Subscription").values():
        if subscription["Properties"]["Protocol"] == "lambda":
            found.add(function_of(subscription["Properties"]["Endpoint"]))
    return found & functions


def on_failure_destinations(template) -> dict[str, dict]:
    out = {}
    for config in resources(template, "AWS::Lambda::EventInvokeConfig").values():
        props = config["Properties"]
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is not None:
            out[props["FunctionName"]["Ref"]] = {"destination": destination, **props}
    return out


def assert_every_async_function_has_an_on_failure_destination(template) -> set[str]:
    invoked = asynchronously_invoked(template)
    destinations = on_failure_destinations(template)
    missing = sorted(invoked - set(destinations))
    assert not missing, f"asynchronously invoked without an on-failure destination: {missing}"
    for name in invoked:
        assert destinations[name]["MaximumRetryAttempts"] == ASYNC_INVOKE.retry_attempts
        queue = function_of(destinations[name]["destination"])
        assert queue in resources(template, "AWS::SQS::Queue"), name
    return invoked


def test_every_asynchronously_invoked_function_has_an_on_failure_destination(synthesized):
    _, template, _ = synthesized
    invoked = assert_every_async_function_has_an_on_failure_destination(template)
    assert invoked, "the scorer at least is an EventBridge target"


def test_with_endpoints_the_completer_too():
    stack, template, _ = synth({"ocrflow:stage_backends": {"fused": "sagemaker_async"}})
    invoked = assert_every_async_function_has_an_on_failure_destination(template)
    completer = stack.resolve(stack.get_logical_id(stack.functions["completer"].node.default_child))
    assert completer in invoked


def test_the_check_fails_on_a_function_without_one(synthesized):
    """The walk can fail: the scorer's destination removed from the template, it names the scorer."""
    stack, template, _ = synthesized
    scorer = stack.resolve(stack.get_logical_id(stack.functions["scorer"].node.default_child))
    broken = copy.deepcopy(template.to_json())
    broken["Resources"] = {k: v for k, v in broken["Resources"].items() if not (
        v["Type"] == "AWS::Lambda::EventInvokeConfig" and v["Properties"]["FunctionName"] == {"Ref": scorer})}
    with pytest.raises(AssertionError, match=scorer):
        assert_every_async_function_has_an_on_failure_destination(broken)


def test_the_starter_reads_the_submissions_queue_with_partial_batch_responses(synthesized):
    stack, template, _ = synthesized
    starter = stack.resolve(stack.get_logical_id(stack.functions["starter"].node.default_child))
    queue = stack.resolve(stack.get_logical_id(stack.front_door.queue.node.default_child))
    (mapping,) = [m["Properties"] for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
                  if m["Properties"]["FunctionName"] == {"Ref": starter}]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert mapping["BatchSize"] == SUBMISSIONS.batch_size
    props = resources(template, "AWS::SQS::Queue")[queue]["Properties"]
    assert props["RedrivePolicy"]["maxReceiveCount"] == SUBMISSIONS.max_receive_count
    assert props["VisibilityTimeout"] >= 6 * 30  # six times the starter's timeout
    assert props["SqsManagedSseEnabled"] is True


def test_the_starters_concurrency_comes_from_context():
    _, template, _ = synth({"ocrflow:start_max_concurrency": 20})
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {"ScalingConfig": {"MaximumConcurrency": 20}})


def key_policy_allows(key: dict, service: str) -> bool:
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        principal = statement.get("Principal", {}).get("Service")
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and principal == service and \
                {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(actions):
            return True
    return False


def senders(template) -> list[tuple[str, str, str]]:
    """(sending service, kind of target, target logical id) for every AWS service that sends to one of
    our queues or topics on its own (as a service principal, not as a role of ours)."""
    out = []
    topics, queues = set(resources(template, "AWS::SNS::Topic")), set(resources(template, "AWS::SQS::Queue"))
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        for action in alarm["Properties"].get("AlarmActions", []):
            if isinstance(action, dict) and action.get("Ref") in topics:  # not a scaling policy
                out.append(("cloudwatch.amazonaws.com", "topic", action["Ref"]))
    for rule in resources(template, "AWS::Events::Rule").values():
        for target in rule["Properties"].get("Targets", []):
            for reference in (target["Arn"], target.get("DeadLetterConfig", {}).get("Arn")):
                if function_of(reference) in queues:
                    out.append(("events.amazonaws.com", "queue", function_of(reference)))
    for subscription in resources(template, "AWS::SNS::Subscription").values():
        dead_letter = subscription["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn")
        if function_of(dead_letter) in queues:
            out.append(("sns.amazonaws.com", "queue", function_of(dead_letter)))
    return out


def assert_every_sender_can_use_its_targets_key(template) -> list:
    queues, topics = resources(template, "AWS::SQS::Queue"), resources(template, "AWS::SNS::Topic")
    keys = resources(template, "AWS::KMS::Key")
    found = senders(template)
    for service, kind, target in found:
        if kind == "queue":
            props = queues[target]["Properties"]
            key = function_of(props.get("KmsMasterKeyId"))
            assert props.get("SqsManagedSseEnabled") or (key and key_policy_allows(keys[key], service)), \
                f"{service} cannot send to queue {target}"
        else:
            props_key = topics[target]["Properties"].get("KmsMasterKeyId")
            key = function_of(props_key)
            assert key in keys and key_policy_allows(keys[key], service), \
                f"{service} cannot publish to topic {target} (key {json.dumps(props_key)})"
            assert topic_policy_allows(template, target, service), f"no topic policy lets {service} publish to {target}"
    return found


def service_of(statement: dict) -> str | None:
    principal = statement.get("Principal")
    return principal.get("Service") if isinstance(principal, dict) else None


def topic_policy_allows(template, topic: str, service: str) -> bool:
    """A topic with a policy of its own (enforce_ssl writes one, replacing SNS's default) must name the
    service that publishes to it."""
    policies = [p["Properties"] for p in resources(template, "AWS::SNS::TopicPolicy").values()
                if {"Ref": topic} in p["Properties"]["Topics"]]
    if not policies:
        return True  # SNS's default policy admits publishers acting for the account (AWS:SourceOwner)
    return any(s["Effect"] == "Allow" and service_of(s) == service and
               "sns:Publish" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
               for policy in policies for s in policy["PolicyDocument"]["Statement"])


def test_every_aws_sender_can_use_the_key_of_what_it_sends_to(synthesized):
    _, template, _ = synthesized
    kinds = {(service, kind) for service, kind, _ in assert_every_sender_can_use_its_targets_key(template)}
    assert {("cloudwatch.amazonaws.com", "topic"), ("events.amazonaws.com", "queue")} <= kinds


def test_with_endpoints_every_sender_too():
    _, template, _ = synth({"ocrflow:stage_backends": {"fused": "sagemaker_async"}})
    kinds = {(service, kind) for service, kind, _ in assert_every_sender_can_use_its_targets_key(template)}
    assert ("sns.amazonaws.com", "queue") in kinds


def test_an_alarm_topic_whose_policy_does_not_name_cloudwatch_fails_the_check(synthesized):
    _, template, _ = synthesized
    broken = copy.deepcopy(template.to_json())
    for resource in resources(broken, "AWS::SNS::TopicPolicy").values():
        statements = resource["Properties"]["PolicyDocument"]["Statement"]
        statements[:] = [s for s in statements if service_of(s) != "cloudwatch.amazonaws.com"]
    with pytest.raises(AssertionError, match="no topic policy lets cloudwatch.amazonaws.com publish"):
        assert_every_sender_can_use_its_targets_key(broken)


def test_alarms_on_the_aws_managed_key_would_fail_the_check(synthesized):
    """The check can fail: the alarm topic on alias/aws/sns (as it was before) is refused."""
    _, template, _ = synthesized
    broken = copy.deepcopy(template.to_json())
    alarm_topic = next(target for service, _, target in senders(broken) if service == "cloudwatch.amazonaws.com")
    broken["Resources"][alarm_topic]["Properties"]["KmsMasterKeyId"] = "alias/aws/sns"
    with pytest.raises(AssertionError, match="cloudwatch.amazonaws.com cannot publish"):
        assert_every_sender_can_use_its_targets_key(broken)
