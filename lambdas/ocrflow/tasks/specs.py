"""The tasks the state machine invokes, each as the one thing every adapter wraps.

An adapter (Lambda with Powertools, the SageMaker HTTP server, the local
dispatcher) hands a ``TaskSpec`` the raw payload and gets the response model
back, or an ``OcrflowError`` whose message is already the JSON description
every runtime reports (``errors.for_runtime``): parsing and error mapping are
written here once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from .. import errors
from ..schema.events import ResultEvent
from ..schema.payloads import (
    DispatchRequest,
    IngestRequest,
    SnsEvent,
    SqsBatch,
    StageRequest,
    ValidationRequest,
)
from .context import TaskContext


@dataclass(frozen=True)
class TaskSpec:
    name: str
    request_model: type[BaseModel]
    function: Callable[[Any, TaskContext], BaseModel]  # takes its request_model
    stage_of: Callable[[Any], str] | None = None  # the stage a request names, for errors and metrics

    def parse(self, event: dict) -> BaseModel:
        try:
            return self.request_model.model_validate(event)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            raise errors.for_runtime(errors.PayloadError(f"{self.name} payload is invalid: {problems}"),
                                     self.name) from None

    def stage(self, request: BaseModel | None) -> str:
        return self.stage_of(request) if self.stage_of and request is not None else self.name

    def restricted_to(self, stage: str | None) -> "TaskSpec":
        """The same task refusing requests for any other stage: a function or an endpoint
        sized and loaded for one stage does not silently run another."""
        if not stage:
            return self
        inner = self.function

        def only(request, ctx):
            if self.stage(request) != stage:
                raise errors.PayloadError(f"this runtime serves the {stage} stage, not {self.stage(request)!r}",
                                          stage=stage)
            return inner(request, ctx)

        return replace(self, function=only)

    def __call__(self, event: dict, ctx: TaskContext, invocation: Any = None) -> BaseModel:
        ctx.invocation = invocation
        request = self.parse(event)
        try:
            return self.function(request, ctx)
        except errors.OcrflowError as exc:
            raise errors.for_runtime(exc, self.stage(request)) from exc


# Each task's code loads when its function first runs it: a Lambda function imports its own task's
# modules (and their models' libraries), not every task's.
def _ingest(request, ctx):
    from .ingest import ingest  # as above

    return ingest(request, ctx)


def _page(request, ctx):
    from .pages import run_stage  # as above

    return run_stage(request, ctx).task


def _validate(request, ctx):
    from .validation import validate  # as above

    return validate(request, ctx)[0]


def _score(event, ctx):
    from .scorer import score  # as above

    return score(event, ctx)


def _dispatch(request, ctx):
    from .endpoint import dispatch  # as above

    return dispatch(request, ctx)


def _complete(event, ctx):
    from .endpoint import complete  # as above

    return complete(event, ctx)


def _start(batch, ctx):
    from .starter import start_batch  # as above

    return start_batch(batch, ctx)


INGEST = TaskSpec("ingest", IngestRequest, _ingest)
PAGE = TaskSpec("page", StageRequest, _page, stage_of=lambda request: request.stage)
VALIDATION = TaskSpec("validation", ValidationRequest, _validate)
SCORER = TaskSpec("scorer", ResultEvent, _score)
DISPATCH = TaskSpec("dispatcher", DispatchRequest, _dispatch, stage_of=lambda request: request.stage)
COMPLETE = TaskSpec("completer", SnsEvent, _complete)
START = TaskSpec("starter", SqsBatch, _start)


def task_of(function) -> TaskSpec:
    """The task a ``registry.Function`` runs (its ``task`` import path), refusing any stage but the
    one it ``serves``: what the Lambda handler, the local dispatcher and the serving app wrap."""
    from ..registry import load  # the registry names tasks by path; it imports none of them

    if not function.task:
        raise ValueError(f"the {function.name} function's handler is its own adapter; it names no task")
    return load(function.task).restricted_to(function.serves)
