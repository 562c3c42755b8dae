"""Dispatcher and completer against moto: S3, DynamoDB, SageMaker Runtime, Step Functions callbacks.

Notifications have the shape SageMaker Asynchronous Inference documents for its success
and error topics, delivered in SNS's Lambda event.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from ocrflow.local import moto_shims
from ocrflow.local.dispatch import dispatch_lambda
from ocrflow.schema.payloads import DispatchRequest, PageTask, SnsEvent, StageRequest
from ocrflow.storage import ObjectStore
from ocrflow.tasks import TaskContext
from ocrflow.tasks.endpoint import EndpointSettings, complete, dispatch

REGION, ROLE = "us-east-1", "arn:aws:iam::123456789012:role/r"
TASK = PageTask(document_id="doc", run_id="run-1", bucket="work", page=2, image_key="work/doc/run-1/pages/0002/page")
SETTINGS = EndpointSettings(token_table="tokens")


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    moto_shims.apply()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="work")
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="tokens", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "inference_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "inference_id", "AttributeType": "S"}])
        yield TaskContext(store=ObjectStore(s3))


def item(context: TaskContext, inference_id: str) -> dict | None:
    key = {"inference_id": {"S": inference_id}}
    return context.client("dynamodb").get_item(TableName="tokens", Key=key).get("Item")


def test_dispatch_stores_the_request_and_the_token_before_it_invokes(aws):
    receipt = dispatch(DispatchRequest(stage="text_detection", task=TASK, task_token="token-1",
                                       endpoint="ocrflow-text-detection"), aws, SETTINGS)
    stored = StageRequest.model_validate_json(aws.store.get_bytes("work", receipt.input_location.split("/", 3)[3]))
    assert stored == StageRequest(stage="text_detection", task=TASK)
    assert receipt.input_location == "s3://work/work/doc/run-1/pages/0002/text_detection.request.json"
    record = item(aws, receipt.inference_id)
    assert record["task_token"]["S"] == "token-1" and record["stage"]["S"] == "text_detection"
    assert int(record["expires_at"]["N"]) > time.time() + 3600, "a TTL that outlives the task's own timeout"
    assert record["output_location"]["S"] == receipt.output_location.strip() and receipt.output_location


def test_dispatch_refuses_an_unknown_stage_before_writing_anything(aws):
    from ocrflow.errors import PayloadError

    with pytest.raises(PayloadError):
        dispatch(DispatchRequest(stage="binarization", task=TASK, task_token="t", endpoint="e"), aws, SETTINGS)
    assert aws.client("dynamodb").scan(TableName="tokens")["Count"] == 0


def notification(inference_id: str, status: str, **response) -> SnsEvent:
    note = {"awsRegion": REGION, "eventTime": "2026-11-30T10:00:01.000Z", "receivedTime": "2026-11-30T10:00:00.000Z",
            "invocationStatus": status, "inferenceId": inference_id, "eventVersion": "1.0",
            "eventSource": "aws:sagemaker", "eventName": "InferenceResult",
            "requestParameters": {"endpointName": "ocrflow-fused", "inputLocation": "s3://work/in.json"}}
    if status == "Completed":
        note["responseParameters"] = {"contentType": "application/json", **response}
    else:
        note["failureReason"] = ("ClientError: Received server error (500) from model. See the SageMaker "
                                 "Endpoint logs in your account for more information.")
        if response:
            note["responseParameters"] = {"contentType": "application/json", **response}
    return SnsEvent.model_validate({"Records": [{"EventSource": "aws:sns", "Sns": {
        "Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:123456789012:ocrflow-fused-success",
        "Message": json.dumps(note)}}]})


def waiting_execution(context: TaskContext, name: str, timeout: int = 60):
    """An execution whose task waits for a token, as a switched page state does."""
    tokens = []
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps({
        "StartAt": "Page", "States": {"Page": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:d",
                           "Payload": {"token.$": "$$.Task.Token"}}, "TimeoutSeconds": timeout,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}], "End": True},
            "Caught": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    with dispatch_lambda({"d": lambda event, ctx: tokens.append(event["token"]) or {}}):
        arn = sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"]
        while not tokens:
            time.sleep(0.01)
    return sfn, arn, tokens[0]


def finished(sfn, arn: str) -> dict:
    assert moto_shims.finished(arn).wait(10)
    return sfn.describe_execution(executionArn=arn)


def store_token(context: TaskContext, inference_id: str, token: str, **locations) -> None:
    context.client("dynamodb").put_item(TableName="tokens", Item={
        "inference_id": {"S": inference_id}, "task_token": {"S": token}, "stage": {"S": "fused"},
        **{k: {"S": v} for k, v in locations.items()}})


def test_success_hands_the_page_task_back_and_forgets_the_token(aws):
    sfn, arn, token = waiting_execution(aws, "success")
    store_token(aws, "inf-1", token, output_location="s3://work/out/inf-1.out")
    aws.store.put_bytes("work", "out/inf-1.out", TASK.model_dump_json().encode(), "application/json")
    report = complete(notification("inf-1", "Completed", outputLocation="s3://work/out/inf-1.out"), aws, SETTINGS)
    assert (report.completed, report.failed, report.unknown) == (1, 0, 0)
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED" and PageTask.model_validate_json(done["output"]) == TASK
    assert item(aws, "inf-1") is None


def test_an_ocrflow_error_from_the_endpoint_keeps_its_name_and_code(aws):
    sfn, arn, token = waiting_execution(aws, "failure")
    store_token(aws, "inf-2", token)
    body = {"error_type": "CorruptDocumentError", "error_code": "CORRUPT_DOCUMENT", "stage": "regions",
            "message": "page image cannot be decoded"}
    aws.store.put_bytes("work", "fail/inf-2-error.out", json.dumps(body).encode(), "application/json")
    report = complete(notification("inf-2", "Failed", failureLocation="s3://work/fail/inf-2-error.out"), aws, SETTINGS)
    assert report.failed == 1
    error = json.loads(finished(sfn, arn)["output"])["error"]
    assert error["Error"] == "CorruptDocumentError"
    assert json.loads(json.loads(error["Cause"])["errorMessage"]) == body  # what ParseFailure reads


def test_a_crash_without_an_ocrflow_body_is_an_endpoint_error(aws):
    sfn, arn, token = waiting_execution(aws, "crash")
    store_token(aws, "inf-3", token)
    complete(notification("inf-3", "Failed"), aws, SETTINGS)
    error = json.loads(finished(sfn, arn)["output"])["error"]
    described = json.loads(json.loads(error["Cause"])["errorMessage"])
    assert error["Error"] == "EndpointError" and described["error_code"] == "ENDPOINT_ERROR"
    assert described["stage"] == "fused" and "Received server error (500)" in described["message"]


def test_an_unknown_or_repeated_notification_is_ignored(aws):
    assert complete(notification("never-dispatched", "Completed"), aws, SETTINGS).unknown == 1


def test_a_task_that_stopped_waiting_does_not_fail_the_completer(aws):
    sfn, arn, token = waiting_execution(aws, "timed-out", timeout=1)
    assert json.loads(finished(sfn, arn)["output"])["error"]["Error"] == "States.Timeout"
    store_token(aws, "inf-4", token)
    aws.store.put_bytes("work", "out/inf-4.out", TASK.model_dump_json().encode(), "application/json")
    report = complete(notification("inf-4", "Completed", outputLocation="s3://work/out/inf-4.out"), aws, SETTINGS)
    assert report.completed == 0 and item(aws, "inf-4") is None
