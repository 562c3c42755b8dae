"""What ``POST /invocations`` admits, and what its error answers may say.

The server runs with its own credentials, so a request may only name the objects of one page
in the one bucket it is configured for: the page image ``work/<document_id>/<run_id>/pages/
<page>/page`` that Ingest wrote, and that page's stage outputs beside it. The document id is
checked with the event contract's pattern. The body and the page image are capped by the
Ingest limits (bytes; pixels, read from the image header before it is decoded). An error
answer carries the error name, code and stage, and a message in which none of the request's
values appears (each is replaced by the name of its field), so a response or a log line never
echoes what a caller sent.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from .. import errors
from ..registry import FUSED, FUSED_STAGES, stage_names
from ..schema.identifiers import checked_document_id
from ..schema.payloads import PageTask, StageRequest
from ..settings import IngestSettings
from ..storage import ObjectStore
from ..work_layout import WorkLayout

def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder's stack allows
        raise errors.PayloadError("the request body is not JSON") from None


def _where(loc: tuple) -> str:
    """A validation error's location in schema names only (a dict key from the request is ``*``)."""
    known = _vocabulary()
    return ".".join(part if isinstance(part, str) and part in known else "*" for part in loc) or "body"


def admitted(event: Any, served: str, bucket: str) -> StageRequest:
    """The request, if this server may run it; else a ``PayloadError`` that quotes nothing of it."""
    try:
        request = StageRequest.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise errors.PayloadError(f"the request is not a StageRequest: {problems}") from None
    stages = {s.name for s in FUSED_STAGES} | {FUSED}
    if request.stage != served:
        raise errors.PayloadError(f"this endpoint serves the {served} stage, not the one requested"
                                  if request.stage in stages else "the request names no page stage")
    task = request.task
    if checked_document_id(task.document_id) is None:
        raise errors.PayloadError("task.document_id is not a valid document id")
    if task.bucket != bucket:
        raise errors.PayloadError("task.bucket is not the bucket this endpoint serves")
    if task.image_key != WorkLayout(task.document_id, task.run_id).page_image(task.page):
        raise errors.PayloadError("task.image_key is not the page image of this document, run and page")
    if not set(task.carried) <= set(stage_names()):
        raise errors.PayloadError("task.carried names something that is not a stage")
    return request


def _vocabulary() -> set[str]:
    """ocrflow's own words, which a request repeating them does not make secret."""
    return set(StageRequest.model_fields) | set(PageTask.model_fields) | set(stage_names()) | {FUSED}


def redacted(message: str, event: Any) -> str:
    """``message`` with every value (and dict key) the request carried replaced by ``<its field>``."""
    found: dict[str, str] = {}
    vocabulary = _vocabulary()

    def walk(value: Any, name: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                found.setdefault(str(key), name or "key")
                walk(inner, str(key) if str(key) in vocabulary else name)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, name)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            found.setdefault(str(value), name or "value")

    walk(event, "")
    secrets = sorted((v for v in found if len(v) >= 3 and v not in vocabulary), key=len, reverse=True)
    if not secrets:
        return message
    pattern = re.compile("|".join(map(re.escape, secrets)))
    return pattern.sub(lambda match: f"<{found[match.group(0)]}>", message)


class BoundedStore:
    """The context's object store with a decoded-pixel and byte cap on the page images it reads
    (the Ingest limits): the image header is read before the pixels are decoded."""

    def __init__(self, store: ObjectStore, limits: IngestSettings) -> None:
        self._store, self._limits = store, limits

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def get_image(self, bucket: str, key: str) -> np.ndarray:
        cached = self._store.cached(bucket, key)
        if cached is not None:
            return cached
        response = self._store.open(bucket, key)
        if int(response.get("ContentLength") or 0) > self._limits.max_bytes:
            raise errors.DocumentTooLargeError(f"the page image is more than {self._limits.max_bytes} bytes")
        data = response["Body"].read(self._limits.max_bytes + 1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                width, height = Image.open(io.BytesIO(data)).size  # the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise errors.DocumentTooLargeError(
                f"the page image has more pixels than the limit of {self._limits.max_pixels}") from exc
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise errors.CorruptDocumentError("the page image cannot be decoded") from exc
        if width * height > self._limits.max_pixels or len(data) > self._limits.max_bytes:
            raise errors.DocumentTooLargeError(
                f"the page image is {width}x{height} pixels, more than the limit of {self._limits.max_pixels}")
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise errors.CorruptDocumentError("the page image cannot be decoded")
        return self._store.remember(bucket, key, image)
