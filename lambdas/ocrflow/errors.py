"""The one error hierarchy of ocrflow.

Class names are the ``Error`` names that the state machine's Retry and Catch
match (a Lambda function error carries the exception class name as its
``errorType``), and ``code`` is the stable string that ends up in ``OcrFailed``
events. Renaming a class is therefore a breaking change of the ASL and of the
public event contract.
"""

from __future__ import annotations


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
