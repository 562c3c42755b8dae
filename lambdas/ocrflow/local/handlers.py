"""The functions of the stack for a local run: the same tasks the Lambda handlers wrap,
behind the local adapter (no Powertools: nothing is traced, no EMF reaches stdout),
or, with ``powertools=True``, the production Lambda handlers themselves. Both read the one
table of functions (``registry``): each entry names its handler and its task."""

from __future__ import annotations

from typing import Any, Callable

from ..registry import PIPELINE_FUNCTIONS, SCORER, STARTER, Function, load
from ..tasks import TaskContext
from ..tasks.specs import TaskSpec, task_of

Handler = Callable[[dict, Any], dict]
# What a local run deploys besides the endpoint path (whose backends add their own functions).
LOCAL_FUNCTIONS: tuple[Function, ...] = (*PIPELINE_FUNCTIONS, SCORER, STARTER)


def local_handler(task: TaskSpec, context: TaskContext) -> Handler:
    """What a Lambda function does around a task, minus the Lambda runtime: the task's error
    (already described for the runtime) propagates to the in-process Lambda client."""

    def handle(event: dict, lambda_context: Any) -> dict:
        return task(event, context, lambda_context).model_dump(mode="json")

    return handle


def production_handler(function: Function) -> Handler:
    """The image CMD's handler (``package.module.attribute``), imported."""
    module, _, attribute = function.handler.rpartition(".")
    return load(f"{module}:{attribute}")


def function_handler(function: Function, context: TaskContext, *, powertools: bool = False) -> Handler:
    return production_handler(function) if powertools else local_handler(task_of(function), context)


def pipeline_handlers(context: TaskContext, *, powertools: bool = False,
                      functions: tuple[Function, ...] = LOCAL_FUNCTIONS) -> dict[Function, Handler]:
    return {function: function_handler(function, context, powertools=powertools) for function in functions}
