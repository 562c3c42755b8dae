"""A page stage (or the fused ones) on a SageMaker asynchronous endpoint, scaling from zero.

The state invokes the dispatcher with ``.waitForTaskToken``; the endpoint's SNS notification
reaches the completer, which hands the task token back (``tasks.endpoint``). The completer sends the
ocrflow error the endpoint described with ``SendTaskFailure``, so Retry and Catch see the same error
names as on Lambda.
https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
"""

from __future__ import annotations

from ...registry import COMPLETER, DISPATCHER, Function
from ..states import LAMBDA_CALLBACK, placeholder, retry
from .base import Backend, CostEntry, Step

# An endpoint scaled to zero needs minutes to get an instance; the request waits in its queue.
ENDPOINT_TIMEOUT_SECONDS = 3600


class SageMakerAsync(Backend):
    name = "sagemaker_async"
    on_endpoint = True
    waits_for_callback = True
    construct = "ocrflow_infra.endpoints:AsyncEndpoint"
    emulator = "ocrflow.local.async_endpoint:emulate"
    cost = CostEntry("instance-hours while a backlog keeps instances up; none while idle", idle_instances=0)

    def state(self, step: Step) -> dict:
        return {"Type": "Task", "Resource": LAMBDA_CALLBACK,
                "Comment": f"Runs on the {step.key} SageMaker asynchronous endpoint",
                "Parameters": {"FunctionName": placeholder(DISPATCHER.substitution), "Payload": {
                    "stage": step.key, "task.$": "$", "task_token.$": "$$.Task.Token",
                    "endpoint": placeholder(step.substitution)}},
                "TimeoutSeconds": ENDPOINT_TIMEOUT_SECONDS, "Retry": retry()}

    def functions(self, step: Step) -> tuple[Function, ...]:
        return (DISPATCHER,)

    def support_functions(self) -> tuple[Function, ...]:
        return (COMPLETER,)
