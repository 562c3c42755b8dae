"""The ASL task primitives every backend's page state and the document's own states share:
the Lambda invocation, its Retry, and the placeholders CloudFormation fills."""

from __future__ import annotations

from .. import errors

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
LAMBDA_SERVICE_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                         "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
# A function whose process died (out of memory, killed) reports this; every task writes its outputs
# under its run and page, so running it again is safe and usually succeeds.
CRASHED_RUNTIME = ["Runtime.ExitError"]
TASK_TIMEOUT_SECONDS = 900  # a Lambda function's own limit


def retry() -> list[dict]:
    """Transient failures only, with backoff and full jitter; a defective document or a missing
    model would fail again, so those are never retried."""
    return [{"ErrorEquals": [*LAMBDA_SERVICE_ERRORS, *CRASHED_RUNTIME, *errors.retryable_names()],
             "IntervalSeconds": 1,
             "MaxAttempts": 3, "BackoffRate": 2.0, "MaxDelaySeconds": 20, "JitterStrategy": "FULL"}]


def placeholder(name: str) -> str:
    """``${Name}``: filled by CloudFormation's DefinitionSubstitutions (``asl.fill`` locally)."""
    return f"${{{name}}}"


def function_arn(function) -> str:
    return placeholder(function.substitution)


def lambda_task(function, payload: dict, **fields) -> dict:
    return {"Type": "Task", "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": function_arn(function), "Payload": payload},
            "TimeoutSeconds": TASK_TIMEOUT_SECONDS, "Retry": retry(), **fields}
