"""A page stage on a SageMaker asynchronous endpoint: the dispatcher and the completer.

The state machine invokes the dispatcher with ``.waitForTaskToken``. The dispatcher
writes the stage request to S3 (an endpoint takes its input from S3), records the
task token in DynamoDB under the request's InferenceId (with a TTL), then calls
``InvokeEndpointAsync``; the token is stored first, so even an instant answer finds
it. SageMaker publishes the outcome on SNS; the completer looks the token up and
calls ``SendTaskSuccess`` with the page task the endpoint returned, or
``SendTaskFailure`` with the ocrflow error the endpoint described (its failure
body), so Retry/Catch and ``OcrFailed`` see the same error name and code as when
the stage runs on Lambda.
"""

from __future__ import annotations

import json
import logging
import time
import uuid


from .. import errors
from ..schema.payloads import (
    AsyncInferenceNotification,
    CompletionReport,
    DispatchReceipt,
    DispatchRequest,
    PageTask,
    SnsEvent,
    StageRequest,
)
from ..settings import EndpointSettings
from ..storage import aws_call, parse_s3_uri
from ..work_layout import WorkLayout
from .context import TaskContext
from .pages import stages_of

log = logging.getLogger("ocrflow.endpoint")
STALE_TOKEN = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}
MAX_CAUSE = 32_000  # SendTaskFailure's cause holds 32,768 characters


def dispatch(request: DispatchRequest, ctx: TaskContext, settings: EndpointSettings | None = None) -> DispatchReceipt:
    settings = settings or EndpointSettings()
    stages_of(request.stage)  # an unknown stage is refused before anything is written
    task = request.task
    key = WorkLayout(task.document_id, task.run_id).request(task.page, request.stage)
    input_location = ctx.store.put_model(task.bucket, key, StageRequest(stage=request.stage, task=task))
    inference_id = uuid.uuid4().hex
    table, database = settings.token_table, ctx.client("dynamodb")
    aws_call(database, "put_item", what=f"token table {table}", TableName=table, Item={
        "inference_id": {"S": inference_id}, "task_token": {"S": request.task_token},
        "stage": {"S": request.stage}, "endpoint": {"S": request.endpoint},
        "document_id": {"S": task.document_id}, "run_id": {"S": task.run_id}, "page": {"N": str(task.page)},
        "expires_at": {"N": str(int(time.time()) + settings.token_ttl_seconds)}})
    response = aws_call(
        ctx.client("sagemaker-runtime"), "invoke_endpoint_async", what=f"endpoint {request.endpoint}",
        permanent=errors.EndpointError, EndpointName=request.endpoint, InputLocation=input_location,
        ContentType="application/json", Accept="application/json", InferenceId=inference_id,
        RequestTTLSeconds=settings.request_ttl_seconds,
        InvocationTimeoutSeconds=settings.invocation_timeout_seconds)
    locations = {"output_location": response["OutputLocation"],
                 "failure_location": response.get("FailureLocation", "")}
    try:
        aws_call(database, "update_item", what=f"token table {table}", TableName=table,
                 Key={"inference_id": {"S": inference_id}},
                 UpdateExpression="SET output_location = :o, failure_location = :f",
                 ConditionExpression="attribute_exists(inference_id)",
                 ExpressionAttributeValues={":o": {"S": locations["output_location"]},
                                            ":f": {"S": locations["failure_location"]}})
    except errors.StorageError as exc:
        if code_of(exc) != "ConditionalCheckFailedException":
            raise
        # a warm endpoint answered and the completer used the token already: nothing left to record
    return DispatchReceipt(inference_id=inference_id, input_location=input_location,
                           output_location=locations["output_location"])


def failure_description(note: AsyncInferenceNotification, item: dict, ctx: TaskContext) -> dict:
    """The ocrflow error the endpoint answered with (its failure body), else an EndpointError
    carrying SageMaker's reason (a crash, an expired request, a timeout)."""
    location = note.response_parameters.get("failureLocation") or item.get("failure_location", {}).get("S")
    stage = item.get("stage", {}).get("S")
    if location:
        try:
            body = json.loads(ctx.store.get_bytes(*parse_s3_uri(location)))
            if isinstance(body, dict) and body.get("error_type") and body.get("error_code"):
                return {**body, "stage": body.get("stage") or stage}
        except (errors.OcrflowError, ValueError) as exc:
            log.warning("failure body at %s unreadable: %s", location, exc)
    reason = note.failure_reason or f"the endpoint reported {note.invocation_status}"
    return errors.EndpointError(reason, stage=stage).to_dict()


def complete(event: SnsEvent, ctx: TaskContext, settings: EndpointSettings | None = None) -> CompletionReport:
    settings = settings or EndpointSettings()
    report = CompletionReport()
    database, sfn, table = ctx.client("dynamodb"), ctx.client("stepfunctions"), settings.token_table
    for record in event.records:
        note = AsyncInferenceNotification.model_validate_json(record.sns.message)
        key = {"inference_id": {"S": note.inference_id}}
        item = aws_call(database, "get_item", what=f"token table {table}", TableName=table, Key=key,
                        ConsistentRead=True).get("Item")
        if item is None:  # delivered twice, or the token expired: nobody is waiting any more
            log.warning("no task token for inference %s", note.inference_id)
            report.unknown += 1
            continue
        token = item["task_token"]["S"]
        if note.invocation_status == "Completed":
            location = note.response_parameters.get("outputLocation") or item["output_location"]["S"]
            output = PageTask.model_validate_json(ctx.store.get_bytes(*parse_s3_uri(location)))
            sent = send(sfn, "send_task_success", taskToken=token, output=output.model_dump_json())
            report.completed += sent
        else:
            description = failure_description(note, item, ctx)
            error_type = description["error_type"]
            cause = json.dumps({"errorType": error_type, "errorMessage": json.dumps(description)})[:MAX_CAUSE]
            report.failed += send(sfn, "send_task_failure", taskToken=token, error=error_type[:256], cause=cause)
        aws_call(database, "delete_item", what=f"token table {table}", TableName=table, Key=key)
    return report


def code_of(error: errors.OcrflowError) -> str | None:
    """The AWS error code behind an error ``aws_call`` raised."""
    response = getattr(error.__cause__, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def send(sfn, operation: str, **kwargs) -> int:
    """1 if the waiting task got the outcome, 0 if it had stopped waiting (timed out, stopped)."""
    try:
        aws_call(sfn, operation, what="task token", permanent=errors.OcrflowError, **kwargs)
        return 1
    except errors.OcrflowError as exc:
        if code_of(exc) in STALE_TOKEN:
            log.warning("%s: the task no longer waits (%s)", operation, code_of(exc))
            return 0
        raise

