"""The SageMaker inference container contract around the page task.

``GET /ping`` answers 200 once the stage's models are loaded (503 while loading,
500 if they cannot be), so SageMaker only routes requests to a ready instance.
``POST /invocations`` takes what the Lambda function takes (a ``StageRequest``
with S3 references) and returns what it returns (the ``PageTask``); the task
reads and writes S3 itself. An ocrflow error answers with its JSON description
and a status (400 invalid input, 413 a body over the Ingest byte limit, 503
transient, 500 otherwise): SageMaker stores that body at the request's failure
location and the completer turns it back into the same error name and code.
What a request may name, and what an answer may say, is ``guard``'s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import cast

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import errors
from ..inference.session import loaded_providers
from ..registry import FUSED, FUSED_STAGES
from ..settings import IngestSettings
from ..storage import ObjectStore
from ..tasks import TaskContext
from ..tasks.pages import stages_of
from ..tasks.specs import PAGE
from .guard import BoundedStore, admitted, parse_body, redacted

log = logging.getLogger("ocrflow.serving")


def status_of(error: errors.OcrflowError) -> int:
    if isinstance(error, errors.InvalidInputError):
        return 400
    if isinstance(error, errors.TransientError):
        return 503
    return 500


def described(error: errors.OcrflowError, event: object = None) -> dict:
    """The description every runtime reports (errors.for_runtime already made the message JSON),
    with none of the request's values in its message."""
    try:
        description = json.loads(str(error))
    except ValueError:
        description = error.to_dict()
    if not isinstance(description, dict):
        description = error.to_dict()
    description["message"] = redacted(str(description.get("message", "")), event)
    return description


def answer(error: errors.OcrflowError, stage: str, event: object = None, status: int | None = None) -> JSONResponse:
    error.stage = error.stage or stage
    return JSONResponse(described(error, event), status_code=status or status_of(error))


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is longer than ``limit`` (or says it will be)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


class Loader:
    """Builds the served stages on a thread at start-up; /ping reports how far it got."""

    def __init__(self, stage: str, context: TaskContext) -> None:
        self.names = [s.name for s in stages_of(stage)]
        self.context = context
        self.ready = threading.Event()
        self.failure: errors.OcrflowError | None = None

    def run(self) -> None:
        try:
            self.context.stages.warm(self.names)
        except errors.OcrflowError as exc:
            self.failure = exc
            log.error("models cannot be loaded: %s", exc.message)
            return
        for model, provider in loaded_providers().items():
            log.info("model %s runs on %s", model, provider)
        self.ready.set()


def create_app(stage: str, context: TaskContext | None = None, *, bucket: str,
               limits: IngestSettings | None = None) -> Starlette:
    """The app serving one page stage, or ``fused`` (the offloadable stages on one page read),
    for the pages of one work bucket."""
    if stage != FUSED and stage not in {s.name for s in FUSED_STAGES}:
        raise ValueError(f"{stage!r} is not served by an endpoint; serve one of "
                         f"{', '.join(s.name for s in FUSED_STAGES)} or {FUSED}")
    context = context or TaskContext()
    limits = limits or IngestSettings()
    context = TaskContext(store=cast(ObjectStore, BoundedStore(context.store, limits)),  # reads as one, bounded
                          stages=context.stages, clients=context.clients)
    task = PAGE.restricted_to(stage)
    loader = Loader(stage, context)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        threading.Thread(target=loader.run, name="ocrflow-model-loader", daemon=True).start()
        yield

    async def ping(request: Request) -> JSONResponse:
        if loader.failure is not None:
            return JSONResponse(loader.failure.to_dict(), status_code=500)
        if not loader.ready.is_set():
            return JSONResponse({"status": "loading", "stage": stage}, status_code=503)
        return JSONResponse({"status": "ready", "stage": stage, "stages": loader.names,
                             "providers": loaded_providers()})

    async def invocations(request: Request) -> JSONResponse:
        event = None
        try:
            event = parse_body(await read_body(request, limits.max_bytes))
            admitted(event, stage, bucket)
        except BodyTooLarge:
            too_large = errors.PayloadError(f"the request body is more than {limits.max_bytes} bytes")
            return answer(too_large, stage, status=413)
        except errors.PayloadError as exc:
            return answer(exc, stage, event)
        try:
            response = await run_in_threadpool(task, event, context)
        except errors.OcrflowError as exc:
            return answer(exc, stage, event)
        except Exception as exc:  # a crash must not take the server down; the completer reports it
            log.exception("invocation failed")  # the traceback is the server's log's, not the caller's
            return answer(errors.EndpointError(f"the stage failed unexpectedly ({type(exc).__name__})"), stage)
        return JSONResponse(response.model_dump(mode="json"))

    return Starlette(routes=[Route("/ping", ping, methods=["GET"]),
                             Route("/invocations", invocations, methods=["POST"])], lifespan=lifespan)
