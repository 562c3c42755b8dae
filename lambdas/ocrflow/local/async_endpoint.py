"""SageMaker Asynchronous Inference for local runs: the real serving app behind an emulated queue.

What AWS does between ``InvokeEndpointAsync`` and the SNS notification, done in process:
take the request's input from (moto) S3, POST it to the serving app
(``ocrflow.serving.app``, over ASGI, /ping first), write the answer to the output
location (200) or the failure location (any other status), and deliver the
notification SageMaker publishes to the success or error topic to the completer, as
SNS invokes a Lambda function. The dispatcher calls this object where in AWS it
calls the ``sagemaker-runtime`` client.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable

from botocore.exceptions import ClientError

from ..orchestration.backends.sagemaker_async import SageMakerAsync
from ..registry import COMPLETER, DISPATCHER
from ..schema.delivery import ASYNC_INVOKE
from ..storage import ObjectStore, parse_s3_uri
from ..tasks import TaskContext
from ..tasks.endpoint import EndpointSettings
from ..tasks.specs import task_of
from .async_invoke import AsyncInvocation
from .handlers import local_handler
from .statemachine import ACCOUNT, REGION, WORK_BUCKET, create_table, endpoint_name

log = logging.getLogger("ocrflow.local.endpoint")
READY_TIMEOUT = 120.0


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def emulate(runner, steps) -> "LocalAsyncEndpoints":
    """The ``sagemaker_async`` backend in a local run: its endpoints (emulated, running the serving
    app), the task-token table, the dispatcher that calls them and the completer their notifications
    reach (SNS invokes it asynchronously: Lambda's retries, then its on-failure destination)."""
    assert all(isinstance(step.backend, SageMakerAsync) for step in steps)
    machine = runner.machine  # deployed: the emulators start as its last step
    create_table(EndpointSettings().token_table, "inference_id")
    completer = local_handler(task_of(COMPLETER), runner.context)
    if runner.intercept is not None:
        completer = runner.intercept(COMPLETER.local_name, completer)
    runner.completer = AsyncInvocation(function_name=COMPLETER.local_name, handler=completer,
                                       policy=ASYNC_INVOKE, sqs=machine.sqs,
                                       on_failure_url=machine.failure_destinations["completer"])
    endpoints = LocalAsyncEndpoints(
        endpoints={endpoint_name(step): step.key for step in steps},
        context=TaskContext(store=ObjectStore(), stages=runner.context.stages), bucket=WORK_BUCKET,
        deliver=runner.completer, region=REGION, account=ACCOUNT)
    endpoints.start()
    runner.serve(DISPATCHER, {"sagemaker-runtime": endpoints})
    return endpoints


class ServingApps:
    """The serving app (``ocrflow.serving.app``) for each emulated endpoint, over ASGI.
    ``endpoints``: endpoint name -> what it serves (a stage name or ``fused``)."""

    def __init__(self, *, endpoints: dict[str, str], context: TaskContext, bucket: str) -> None:
        self.endpoints, self.context, self.bucket = endpoints, context, bucket
        self.clients: dict[str, Any] = {}
        self.failures: list[str] = []  # what a local run must stop for (``LocalRunner.endpoint_fault``)

    def start(self) -> None:
        """One serving app per endpoint, started (lifespan) and pinged until its models are loaded."""
        # starlette (ocrflow[serve]) only for --stage-backend
        from starlette.testclient import TestClient

        from ..serving.app import create_app

        for name, serves in self.endpoints.items():
            client = TestClient(create_app(serves, self.context, bucket=self.bucket), raise_server_exceptions=False)
            client.__enter__()
            self.clients[name] = client
            deadline = time.monotonic() + READY_TIMEOUT
            while (status := client.get("/ping").status_code) == 503 and time.monotonic() < deadline:
                time.sleep(0.02)
            if status != 200:
                raise RuntimeError(f"endpoint {name} did not become ready: /ping answered {status}")

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)

    def unknown(self, name: str, operation: str) -> Exception:
        return ClientError({"Error": {"Code": "ValidationError", "Message": f"Endpoint {name} not found."}},
                           operation)


class LocalAsyncEndpoints(ServingApps):
    """Asynchronous inference: requests queue in a pool; answers go to S3 and a notification."""

    def __init__(self, *, endpoints: dict[str, str], context: TaskContext, bucket: str,
                 deliver: Callable[[dict], Any], region: str, account: str, max_concurrency: int = 2) -> None:
        super().__init__(endpoints=endpoints, context=context, bucket=bucket)
        self.deliver, self.region, self.account = deliver, region, account
        self.pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="endpoint")
        self.invocations: list[tuple[str, str]] = []  # (endpoint, inference id)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        super().close()

    def invoke_endpoint_async(self, *, EndpointName: str, InputLocation: str, InferenceId: str,  # noqa: N803
                              **_: Any) -> dict:
        if EndpointName not in self.clients:
            raise self.unknown(EndpointName, "InvokeEndpointAsync")
        prefix = f"s3://{self.bucket}/work/endpoints/{EndpointName}"
        output, failure = f"{prefix}/output/{InferenceId}.out", f"{prefix}/failure/{InferenceId}-error.out"
        self.invocations.append((EndpointName, InferenceId))
        self.pool.submit(self._process, EndpointName, InferenceId, InputLocation, output, failure)
        return {"InferenceId": InferenceId, "OutputLocation": output, "FailureLocation": failure}

    def _process(self, name: str, inference_id: str, input_location: str, output: str, failure: str) -> None:
        received = now()
        store = self.context.store
        body = store.get_bytes(*parse_s3_uri(input_location))
        answer = self.clients[name].post("/invocations", content=body, headers={"Content-Type": "application/json"})
        note = {"awsRegion": self.region, "eventTime": now(), "receivedTime": received, "inferenceId": inference_id,
                "eventVersion": "1.0", "eventSource": "aws:sagemaker", "eventName": "InferenceResult",
                "requestParameters": {"contentType": "application/json", "endpointName": name,
                                      "inputLocation": input_location}}
        if answer.status_code == 200:
            store.put_bytes(*parse_s3_uri(output), answer.content, "application/json")
            note.update(invocationStatus="Completed",
                        responseParameters={"contentType": "application/json", "outputLocation": output})
            topic = "success"
        else:
            store.put_bytes(*parse_s3_uri(failure), answer.content, "application/json")
            note.update(invocationStatus="Failed",
                        failureReason=f"ClientError: Received server error ({answer.status_code}) from model. "
                                      "See the SageMaker Endpoint logs in your account for more information.",
                        responseParameters={"contentType": "application/json", "failureLocation": failure})
            topic = "error"
        self._notify(self.sns_event(name, topic, note))

    def sns_event(self, endpoint: str, topic: str, note: dict) -> dict:
        arn = f"arn:aws:sns:{self.region}:{self.account}:{endpoint}-{topic}"
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{arn}:sub",
                             "Sns": {"Type": "Notification", "MessageId": note["inferenceId"], "TopicArn": arn,
                                     "Subject": None, "Message": json.dumps(note), "Timestamp": note["eventTime"]}}]}

    def _notify(self, event: dict) -> None:
        """SNS hands the notification to the completer as an asynchronous invocation (``deliver``:
        Lambda's retries, then the completer's on-failure destination). A notification the completer
        failed waits there, and the execution waiting for it would wait out its task's timeout: a
        local run reports it at once (``failures``)."""
        if self.deliver(event) is False:
            self.failures.append(f"the completer failed notification {event['Records'][0]['Sns']['MessageId']}; "
                                 "it waits in the completer's on-failure destination")
