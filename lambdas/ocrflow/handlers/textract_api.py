"""The Textract API's two Lambda handlers: ``handler`` behind the private REST API (a proxy
integration: one request in, Textract's answer out), ``notifier`` on the rule that delivers
OcrCompleted / OcrFailed."""

from __future__ import annotations

import base64
from typing import Any

from ..textract_api import aws
from ..textract_api.operations import answer
from ..textract_api.protocol import CONTENT_TYPE, encode
from .runtime import CONTEXT, logger

_operations = None
_notifier = None


def handler(event: dict, lambda_context: Any) -> dict:
    global _operations
    if _operations is None:
        _operations = aws.operations(CONTEXT.client)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    status, payload = answer(_operations, headers.get("x-amz-target"), raw)
    out = {"Content-Type": CONTENT_TYPE}
    if status != 200:
        out["x-amzn-ErrorType"] = payload["__type"]
        logger.info("refused", extra={"target": headers.get("x-amz-target"), "error": payload["__type"]})
    return {"statusCode": status, "headers": out, "body": encode(payload).decode()}


def notifier(event: dict, lambda_context: Any) -> dict:
    global _notifier
    if _notifier is None:
        _notifier = aws.notifier(CONTEXT.client)
    job = _notifier.handle(event)
    return {"job_id": job.job_id, "status": job.status} if job is not None else {"job_id": None}
