"""A page stage (or the fused ones) on a SageMaker real-time endpoint, invoked synchronously.

The state invokes a thin function, the invoker, which calls ``InvokeEndpoint`` with the stage
request and returns the page task the endpoint answered (``tasks.invoker``): the same
serving image and ``/invocations`` contract as the asynchronous endpoint, and no callback, so a
document on it still runs in the Express workflow (and a Distributed Map's children).

Why a function rather than Step Functions' AWS SDK integration
(``arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint``,
https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): through the
integration a stage's error arrives as ``SageMakerRuntime.ModelErrorException`` with the container's
answer embedded in a text cause (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html),
which the ASL cannot parse back into the ocrflow error. The invoker raises the error the endpoint
described (``OriginalMessage``), so Retry, Catch and ``OcrFailed`` see the same name and code as on Lambda.

Billing: the endpoint keeps at least one instance (real-time variants do not scale to zero), scaled
out by target tracking on ``SageMakerVariantInvocationsPerInstance``.
"""

from __future__ import annotations

from ...registry import Function
from ..states import lambda_task, placeholder
from .base import Backend, CostEntry, Step

# SageMaker gives a real-time container 60 s to answer; the invoker waits a little longer.
INVOKER = Function("invoker", "ocrflow.handlers.invoker.handler",
                   "ocrflow invoker: page stage to a SageMaker real-time endpoint", 512, 90,
                   task="ocrflow.tasks.invoker:INVOKE")


class SageMakerRealtime(Backend):
    name = "sagemaker_realtime"
    on_endpoint = True
    construct = "ocrflow_infra.realtime_endpoint:RealtimeEndpoint"
    emulator = "ocrflow.local.realtime_endpoint:emulate"
    cost = CostEntry("instance-hours, from one instance up, whether pages arrive or not", idle_instances=1)

    def state(self, step: Step) -> dict:
        return lambda_task(INVOKER, {"stage": step.key, "task.$": "$", "endpoint": placeholder(step.substitution)},
                           Comment=f"Runs on the {step.key} SageMaker real-time endpoint", OutputPath="$.Payload")

    def functions(self, step: Step) -> tuple[Function, ...]:
        return (INVOKER,)
