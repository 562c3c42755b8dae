"""The one error hierarchy of ocrflow.

Class names are the ``Error`` names that the state machine's Retry and Catch
match (a Lambda function error carries the exception class name as its
``errorType``), and ``code`` is the stable string that ends up in ``OcrFailed``
events. Renaming a class is therefore a breaking change of the ASL and of the
public event contract.
"""

from __future__ import annotations

import json


class OcrflowError(Exception):
    """Base of every error ocrflow raises on purpose."""

    code = "INTERNAL_ERROR"
    retryable = False

    def __init__(self, message: str, *, stage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage

    def to_dict(self) -> dict[str, str | None]:
        return {"error_type": type(self).__name__, "error_code": self.code,
                "stage": self.stage, "message": self.message}


class InvalidInputError(OcrflowError):
    """The document itself is unusable; retrying cannot help."""

    code = "INVALID_INPUT"


class UnsupportedFormatError(InvalidInputError):
    code = "UNSUPPORTED_FORMAT"


class CorruptDocumentError(InvalidInputError):
    code = "CORRUPT_DOCUMENT"


class EmptyDocumentError(InvalidInputError):
    code = "EMPTY_DOCUMENT"


class DocumentTooLargeError(InvalidInputError):
    code = "DOCUMENT_TOO_LARGE"


class EncryptedDocumentError(InvalidInputError):
    code = "ENCRYPTED_DOCUMENT"


class PayloadError(InvalidInputError):
    """A stage was invoked with a payload that does not match its schema."""

    code = "INVALID_PAYLOAD"


class ModelError(OcrflowError):
    """A model file is missing, corrupt or does not match the manifest: a deployment defect."""

    code = "MODEL_ERROR"


class TransientError(OcrflowError):
    """Worth retrying: throttling, a storage hiccup, a busy endpoint."""

    code = "TRANSIENT_ERROR"
    retryable = True


class StorageError(OcrflowError):
    """An object the pipeline needs (page image, stage output) is missing or unreadable."""

    code = "STORAGE_ERROR"


class EndpointError(OcrflowError):
    """A SageMaker endpoint failed a request without an ocrflow error of its own (a crash,
    an expired request, a server error): the model server, not the document, is at fault."""

    code = "ENDPOINT_ERROR"


def error_classes() -> list[type[OcrflowError]]:
    """Every class of the hierarchy, base first, in definition order: what the ASL's Catch names."""
    found, todo = [], [OcrflowError]
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo = cls.__subclasses__() + todo
    return found


def retryable_names() -> list[str]:
    return [cls.__name__ for cls in error_classes() if cls.retryable]


def by_name(name: str) -> type[OcrflowError]:
    """The class an error name stands for; unknown names are an ``EndpointError``."""
    return next((cls for cls in error_classes() if cls.__name__ == name), EndpointError)


def for_runtime(exc: OcrflowError, stage: str) -> OcrflowError:
    """The same error with its message replaced by its JSON description, as every runtime
    reports it: the class name is the error name Retry/Catch match, and the state machine
    parses the message into ``OcrFailed`` without a Lambda of its own."""
    exc.stage = exc.stage or stage
    reported = type(exc)(json.dumps(exc.to_dict()), stage=exc.stage)
    reported.__cause__ = exc
    return reported


def from_description(description: dict) -> OcrflowError:
    """Inverse of ``to_dict``: an error described by another runtime (an endpoint's failure body)."""
    cls = by_name(str(description.get("error_type", "")))
    return cls(str(description.get("message", "")), stage=description.get("stage"))
