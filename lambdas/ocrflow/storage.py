"""S3 claim checks: stage inputs and outputs live in S3, the state carries keys.

The layout is derived from the document id, the execution (run) and the page
number, so the state machine passes a few identifiers and never a list of keys
that grows with the document, and two executions of one document never mix
their pages. Decoded images are cached per process by key: work objects are
written once and never changed, and when one process serves several stages
(the local run, a SageMaker worker) a page is decoded once, not four times.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, TypeVar

import cv2
import numpy as np
from pydantic import BaseModel

from .errors import CorruptDocumentError, OcrflowError, StorageError, TransientError
from .work_layout import PAGE_LIST, WorkLayout

__all__ = ["PAGE_LIST", "WorkLayout", "ObjectStore", "aws_call", "parse_s3_uri"]  # the layout: work_layout.py

Model = TypeVar("Model", bound=BaseModel)
THROTTLING = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "ServiceUnavailable",
              "InternalError", "InternalFailure", "InternalException", "503", "ProvisionedThroughputExceededException",
              "RequestLimitExceeded", "TooManyRequestsException"}
PNG_FAST = [cv2.IMWRITE_PNG_COMPRESSION, 1]
IMAGE_CACHE_SIZE = 4


def aws_call(client, operation: str, *, what: str, permanent: type[OcrflowError] = StorageError,
             tolerate: frozenset[str] = frozenset(), **kwargs):
    """Call an AWS API; throttling and connection trouble are a ``TransientError`` (retried by the
    state machine), an error code in ``tolerate`` is None (an answer the caller expects, such as
    ``ExecutionAlreadyExists`` on a retry), any other refusal is ``permanent``."""
    # botocore's errors only when a call fails
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in tolerate:
            return None
        if code in THROTTLING:
            raise TransientError(f"{operation} {what} throttled: {code}") from exc
        raise permanent(f"{operation} {what} failed: {code}: {exc.response.get('Error', {}).get('Message', '')}"
                        ) from exc
    except BotoCoreError as exc:
        raise TransientError(f"{operation} {what} failed: {exc}") from exc


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` as the AWS CLI reads it: the key is everything after the bucket's slash,
    taken literally (an S3 key may hold ``#``, ``?``, ``%``, spaces, any UTF-8), never URL-decoded
    or cut at a fragment or query as ``urllib.parse`` would."""
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme != "s3" or not bucket or not key:
        raise StorageError(f"not an s3://bucket/key URI: {uri[:300]!r}")
    return bucket, key


class ObjectStore:
    """A thin S3 client wrapper that speaks pydantic models and images, with typed errors."""

    def __init__(self, client=None) -> None:
        self._client = client
        self._clients: dict[str, object] = {}
        self._images: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None:  # created lazily so that moto can intercept it in local runs
            # boto3 when the first client is made (a local run injects moto's)
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def client_for(self, service: str, config: Any = None):
        """Another service's client, created once and as lazily as the S3 one; ``config`` (botocore's
        ``Config``) where the service's defaults do not suit the caller."""
        if service not in self._clients:
            # as above
            import boto3

            self._clients[service] = boto3.client(service, config=config)
        return self._clients[service]

    def _call(self, operation: str, **kwargs):
        where = f"s3://{kwargs.get('Bucket')}/{kwargs.get('Key', '')}"
        return aws_call(self.client, operation, what=where, **kwargs)

    def open(self, bucket: str, key: str) -> dict:
        """The GetObject response: headers (ContentLength...) known before the body is read."""
        return self._call("get_object", Bucket=bucket, Key=key)

    def get_bytes(self, bucket: str, key: str) -> bytes:
        return self.open(bucket, key)["Body"].read()

    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> str:
        self._call("put_object", Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        return f"s3://{bucket}/{key}"

    def get_model(self, bucket: str, key: str, model: type[Model]) -> Model:
        return model.model_validate_json(self.get_bytes(bucket, key))

    def put_model(self, bucket: str, key: str, value: BaseModel) -> str:
        return self.put_bytes(bucket, key, value.model_dump_json().encode(), "application/json")

    def put_json(self, bucket: str, key: str, value: object) -> str:
        return self.put_bytes(bucket, key, json.dumps(value).encode(), "application/json")

    def cached(self, bucket: str, key: str) -> np.ndarray | None:
        with self._lock:
            return self._images.get((bucket, key))

    def get_image(self, bucket: str, key: str) -> np.ndarray:
        cached = self.cached(bucket, key)
        if cached is not None:
            return cached
        data = np.frombuffer(self.get_bytes(bucket, key), dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if image is None:
            raise CorruptDocumentError(f"page image s3://{bucket}/{key} cannot be decoded")
        self.remember(bucket, key, image)
        return image

    def put_image(self, bucket: str, key: str, image: np.ndarray, encoded: bytes | None = None) -> str:
        """Store a page image; ``encoded`` (PNG or JPEG bytes of exactly this image) skips encoding."""
        if encoded is None:
            ok, buffer = cv2.imencode(".png", image, PNG_FAST)
            if not ok:
                raise StorageError(f"page image for s3://{bucket}/{key} cannot be encoded")
            encoded = buffer.tobytes()
        uri = self.put_bytes(bucket, key, encoded, "application/octet-stream")
        self.remember(bucket, key, image)
        return uri

    def remember(self, bucket: str, key: str, image: np.ndarray) -> np.ndarray:
        """Keep an image (decoded, or derived such as an upright page) under a key; it becomes read-only."""
        image.setflags(write=False)
        with self._lock:
            self._images[(bucket, key)] = image
            self._images.move_to_end((bucket, key))
            while len(self._images) > IMAGE_CACHE_SIZE:
                self._images.popitem(last=False)
        return image
