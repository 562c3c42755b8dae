"""A page stage on a SageMaker real-time endpoint: the invoker (the ``sagemaker_realtime`` backend's
function). It calls ``InvokeEndpoint`` and returns the page task the endpoint answers; the state
machine invokes it as it invokes a stage's own function, so Retry and Catch are those of Lambda."""

from __future__ import annotations

import json

from botocore.config import Config
from pydantic import ValidationError

from .. import errors
from ..schema.payloads import InvokeRequest, PageTask, StageRequest
from ..storage import aws_call
from .context import TaskContext
from .endpoint import code_of
from .pages import stages_of
from .specs import TaskSpec

# SageMaker's own trouble, worth another attempt: the Retry of the invoker's state takes it.
ENDPOINT_TRANSIENT = frozenset({"ServiceUnavailable", "InternalFailure", "ModelNotReadyException",
                                "InternalDependencyException"})


# A container answers InvokeEndpoint within 60 s or the call fails
# (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html), so the read
# waits past that; botocore's own retries (legacy mode: 5 attempts, read timeouts and 5xx included,
# https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html) would send a slow page again
# inside one Lambda invocation: the state's Retry is the one retry policy.
INVOKE_CONFIG = Config(read_timeout=70, connect_timeout=5, retries={"total_max_attempts": 1})


def invoke(request: InvokeRequest, ctx: TaskContext) -> PageTask:
    """``InvokeEndpoint`` with the stage request; the endpoint answers with the page task, as its
    ``/invocations`` does for the asynchronous endpoint. A container's error answer arrives as
    ``ModelError`` with the container's body in ``OriginalMessage``
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): the
    ocrflow error it describes is raised again, with its own name and code."""
    stages_of(request.stage)  # an unknown stage is refused before the endpoint is called
    body = StageRequest(stage=request.stage, task=request.task).model_dump_json()
    try:
        response = aws_call(ctx.client("sagemaker-runtime", INVOKE_CONFIG), "invoke_endpoint", what=f"endpoint {request.endpoint}",
                            permanent=errors.EndpointError, EndpointName=request.endpoint, Body=body.encode(),
                            ContentType="application/json", Accept="application/json")
    except errors.OcrflowError as exc:
        raise endpoint_error(exc, request.stage) from exc.__cause__
    try:
        return PageTask.model_validate_json(response["Body"].read())
    except ValidationError as exc:  # answered 200 with something else: the endpoint's fault, not the page's
        raise errors.EndpointError(f"endpoint {request.endpoint} answered without a page task: "
                                   f"{str(exc)[:300]}", stage=request.stage) from exc


def endpoint_error(error: errors.OcrflowError, stage: str) -> errors.OcrflowError:
    """The error the container described (``ModelError``), a transient one for SageMaker's own
    trouble, else ``error`` as ``aws_call`` raised it."""
    code, response = code_of(error), getattr(error.__cause__, "response", {})
    if code == "ModelError":
        try:
            description = json.loads(response.get("OriginalMessage") or "")
        except ValueError:
            description = None
        if isinstance(description, dict) and description.get("error_type") and description.get("error_code"):
            return errors.from_description({**description, "stage": description.get("stage") or stage})
        status = response.get("OriginalStatusCode")
        return errors.EndpointError(f"the endpoint answered {status}: {str(response.get('OriginalMessage'))[:300]}",
                                    stage=stage)
    if code in ENDPOINT_TRANSIENT:
        return errors.TransientError(error.message, stage=stage)
    error.stage = error.stage or stage
    return error


INVOKE = TaskSpec("invoker", InvokeRequest, invoke, stage_of=lambda request: request.stage)
