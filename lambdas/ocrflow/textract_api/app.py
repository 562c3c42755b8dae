"""The ASGI app: ``POST /`` answers Textract's operations, ``GET /ping`` says it is up.

Whatever a request does, its answer is Textract's shape: a result, or ``{"__type", "Message"}`` with
400 (the caller's fault) or 500; a crash is logged here and answered as ``InternalServerError``,
never as a traceback.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .operations import Operations, answer
from .protocol import CONTENT_TYPE, encode


def create_app(operations: Operations, started: Callable[[], None] = lambda: None) -> Starlette:
    """``started`` runs as the server starts (the local server prints its client settings)."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        started()
        yield

    async def invoke(request: Request) -> Response:
        status, body = await run_in_threadpool(answer, operations, request.headers.get("x-amz-target"),
                                               await request.body())
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        if status != 200:
            headers["x-amzn-ErrorType"] = body["__type"]
        return Response(encode(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)

    async def ping(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready", "operations": list(Operations.NAMES)})

    return Starlette(routes=[Route("/", invoke, methods=["POST"]), Route("/ping", ping, methods=["GET"])],
                     lifespan=lifespan)
