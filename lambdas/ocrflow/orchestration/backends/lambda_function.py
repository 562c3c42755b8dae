"""The default backend: each page stage in its own Lambda function, invoked synchronously."""

from __future__ import annotations

from ...registry import Function, page_stage
from ..states import lambda_task
from .base import Backend, CostEntry, Step


class LambdaBackend(Backend):
    name = "lambda"
    on_endpoint = False
    cost = CostEntry("Lambda GB-seconds and requests (bench.cost measures them per page)")

    def state(self, step: Step) -> dict:
        return lambda_task(self.functions(step)[0], {"stage": step.key, "task.$": "$"}, OutputPath="$.Payload")

    def functions(self, step: Step) -> tuple[Function, ...]:
        return (page_stage(step.key).function,)
