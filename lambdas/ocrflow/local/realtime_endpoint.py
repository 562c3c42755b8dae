"""SageMaker real-time inference for local runs: the real serving app, answering in the call.

What AWS does for ``InvokeEndpoint``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html), done in
process: POST the request body to the container's ``/invocations`` (the serving app over ASGI,
/ping first) and return its answer as ``Body``; a container that answers with any status but 200
makes the call fail with ``ModelError`` (424), carrying the container's status and body as
``OriginalStatusCode`` and ``OriginalMessage``
(https://docs.aws.amazon.com/botocore/latest/reference/services/sagemaker-runtime/client/exceptions/ModelError.html).
The invoker calls this object where in AWS it calls the ``sagemaker-runtime`` client.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from ..orchestration.backends.sagemaker_realtime import INVOKER
from ..storage import ObjectStore
from ..tasks import TaskContext
from .statemachine import ACCOUNT, REGION, WORK_BUCKET, endpoint_name
from .async_endpoint import ServingApps

VARIANT = "AllTraffic"


def emulate(runner, steps) -> "LocalRealtimeEndpoints":
    """The ``sagemaker_realtime`` backend in a local run: its endpoints, and the invoker calling them."""
    endpoints = LocalRealtimeEndpoints(endpoints={endpoint_name(step): step.key for step in steps},
                                       context=TaskContext(store=ObjectStore(), stages=runner.context.stages),
                                       bucket=WORK_BUCKET, region=REGION, account=ACCOUNT)
    endpoints.start()
    runner.serve(INVOKER, {"sagemaker-runtime": endpoints})
    return endpoints


class LocalRealtimeEndpoints(ServingApps):
    def __init__(self, *, endpoints: dict[str, str], context, bucket: str, region: str, account: str) -> None:
        super().__init__(endpoints=endpoints, context=context, bucket=bucket)
        self.region, self.account = region, account
        self.invocations: list[tuple[str, str]] = []  # (endpoint, inference id), in the order of the calls

    def invoke_endpoint(self, *, EndpointName: str, Body: bytes, ContentType: str = "application/octet-stream",  # noqa: N803
                        Accept: str = "*/*", InferenceId: str | None = None, **_: Any) -> dict:  # noqa: N803
        if EndpointName not in self.clients:
            raise self.unknown(EndpointName, "InvokeEndpoint")
        self.invocations.append((EndpointName, InferenceId or uuid.uuid4().hex))
        body = Body.encode() if isinstance(Body, str) else bytes(Body)
        answer = self.clients[EndpointName].post("/invocations", content=body,
                                                 headers={"Content-Type": ContentType, "Accept": Accept})
        if answer.status_code != 200:
            side = "client" if answer.status_code < 500 else "server"
            log_stream = (f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws/sagemaker/Endpoints/"
                          f"{EndpointName}")
            raise ClientError({"Error": {"Code": "ModelError", "Message": (
                f"Received {side} error ({answer.status_code}) from primary with message \"{answer.text}\". "
                f"See {log_stream} in account {self.account} for more information.")},
                "OriginalStatusCode": answer.status_code, "OriginalMessage": answer.text,
                "LogStreamArn": log_stream,
                "ResponseMetadata": {"HTTPStatusCode": 424}}, "InvokeEndpoint")
        return {"Body": StreamingBody(io.BytesIO(answer.content), len(answer.content)),
                "ContentType": answer.headers.get("content-type", "application/json"),
                "InvokedProductionVariant": VARIANT}
