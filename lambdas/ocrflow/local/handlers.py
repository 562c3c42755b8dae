"""The functions of the stack for a local run: the same tasks the Lambda handlers wrap,
behind the local adapter (no Powertools: nothing is traced, no EMF reaches stdout),
or, with ``powertools=True``, the production Lambda handlers themselves."""

from __future__ import annotations

from typing import Any, Callable

from ..registry import INGEST, PAGE_STAGES, SCORER, STARTER, VALIDATION, Function
from ..tasks import TaskContext
from ..tasks.specs import INGEST as INGEST_TASK
from ..tasks.specs import PAGE, START, TaskSpec
from ..tasks.specs import SCORER as SCORER_TASK
from ..tasks.specs import VALIDATION as VALIDATION_TASK

Handler = Callable[[dict, Any], dict]


def local_handler(task: TaskSpec, context: TaskContext) -> Handler:
    """What a Lambda function does around a task, minus the Lambda runtime: the task's error
    (already described for the runtime) propagates to the in-process Lambda client."""

    def handle(event: dict, lambda_context: Any) -> dict:
        return task(event, context, lambda_context).model_dump(mode="json")

    return handle


def pipeline_handlers(context: TaskContext, *, powertools: bool = False) -> dict[Function, Handler]:
    if powertools:
        from ..handlers import ingest, pages, scorer, starter, validation

        by_function = {INGEST: ingest.handler, VALIDATION: validation.handler, SCORER: scorer.handler,
                       STARTER: starter.handler}
        by_function.update({stage.function: pages.handler for stage in PAGE_STAGES})
        return by_function
    tasks = {INGEST: INGEST_TASK, VALIDATION: VALIDATION_TASK, SCORER: SCORER_TASK, STARTER: START}
    tasks.update({stage.function: PAGE.restricted_to(stage.name) for stage in PAGE_STAGES})
    return {function: local_handler(task, context) for function, task in tasks.items()}
