"""AWS JSON 1.1, as Textract speaks it: ``POST /`` with ``X-Amz-Target: Textract.<Operation>`` and
a JSON body; answers are JSON (``application/x-amz-json-1.1``), errors carry their exception name in
``__type``. Requests are checked against botocore's own Textract model, the one every SDK is built
from, so a malformed request gets the ``InvalidParameterException`` an SDK's validation would give.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass

from .errors import TextractError, invalid_parameter

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "Textract."


@functools.cache
def service_model():
    # botocore's Textract service model only when a request is parsed
    import botocore.session

    return botocore.session.get_session().get_service_model("textract")


@dataclass(frozen=True)
class Request:
    operation: str
    params: dict


def parse(target: str | None, body: bytes, supported: set[str]) -> Request:
    """The operation and its validated parameters; a ``TextractError`` for anything else."""
    if not target or not target.startswith(TARGET_PREFIX):
        raise TextractError("UnknownOperationException",
                            f"X-Amz-Target must be {TARGET_PREFIX}<Operation>, not {target!r}")
    operation = target[len(TARGET_PREFIX):]
    if operation not in supported:
        known = operation in service_model().operation_names
        raise TextractError("UnknownOperationException",
                            f"{operation} is {'not implemented by ocrflow' if known else 'not a Textract operation'}; "
                            f"ocrflow implements {', '.join(sorted(supported))}")
    try:
        params = json.loads(body or b"{}")
    except ValueError as exc:
        raise TextractError("SerializationException", f"the request body is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise TextractError("SerializationException", "the request body must be a JSON object")
    validate(operation, params)
    return Request(operation, params)


def validate(operation: str, params: dict) -> None:
    # as above
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, service_model().operation_model(operation).input_shape)
    if report.has_errors():
        raise invalid_parameter(report.generate_report())


def blob(value: str, name: str) -> bytes:
    """A blob member: base64 on the wire."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise invalid_parameter(f"{name} is not valid base64") from None


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
