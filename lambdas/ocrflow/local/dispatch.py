"""Dispatch the state machine's Lambda invocations to in-process handlers.

moto's Step Functions interpreter calls Lambda through a boto3 client; this
module swaps in a client whose ``invoke`` calls the real handler and answers the
way the Lambda service does: a handler exception becomes ``FunctionError:
Unhandled`` with an ``errorType``/``errorMessage`` payload, so Retry and Catch
see the same error names as in AWS.
"""

from __future__ import annotations

import io
import json
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from .faults import RuntimeCrash, Throttled

Handler = Callable[[dict, Any], Any]


@dataclass
class LocalContext:
    """The attributes of a Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 3008
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: float = 900.0  # the invocation's deadline, from its start
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def function_name(name_or_arn: str) -> str:
    """'arn:aws:lambda:r:a:function:NAME[:qualifier]' or 'NAME' -> 'NAME'."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn.split(":")[0]


class InProcessLambda:
    def __init__(self, handlers: dict[str, Handler]) -> None:
        self.handlers = handlers
        self.invocations: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes | str | None = None, **_: Any) -> dict:  # noqa: N803
        name = function_name(FunctionName)
        if name not in self.handlers:
            raise KeyError(f"no local handler for Lambda function {name!r}")
        self.invocations.append(name)
        event = json.loads(Payload or "{}")
        try:
            result = self.handlers[name](event, LocalContext(name))
        except Throttled as exc:  # the Lambda service refused to run it: the Invoke call itself fails
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": str(exc) or "Rate Exceeded."},
                               "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": str(uuid.uuid4())}},
                              "Invoke") from exc
        except (Exception, RuntimeCrash) as exc:  # the Lambda runtime reports any exception this way
            body = {"errorMessage": str(exc), "errorType": getattr(exc, "error_type", type(exc).__name__),
                    "requestId": str(uuid.uuid4()),
                    "stackTrace": traceback.format_tb(exc.__traceback__)}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST",
                    "Payload": io.BytesIO(json.dumps(body).encode())}
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST",
                "Payload": io.BytesIO(json.dumps(result).encode())}


@contextmanager
def dispatch_lambda(handlers: dict[str, Handler]) -> Iterator[InProcessLambda]:
    """While active, every Lambda task of a moto-executed state machine runs in process."""
    client = InProcessLambda(handlers)
    original = lambda_eval_utils.boto_client_for

    def client_for(region: str, service: str, state_credentials: Any = None):
        if service == "lambda":
            return client
        return original(region=region, service=service, state_credentials=state_credentials)

    lambda_eval_utils.boto_client_for = client_for
    try:
        yield client
    finally:
        lambda_eval_utils.boto_client_for = original
