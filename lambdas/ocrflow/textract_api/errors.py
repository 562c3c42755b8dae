"""Textract's error classes, and the one table that maps ocrflow's error codes to them.

botocore raises the modeled exception named by the response's ``__type`` (AWS JSON 1.1), so a
client's ``except client.exceptions.UnsupportedDocumentException`` catches what ocrflow refused.
"""

from __future__ import annotations

from .. import errors

# ocrflow error code -> Textract exception name. An unlisted code is Textract's InternalServerError.
TEXTRACT_TYPES: dict[str, str] = {
    errors.UnsupportedFormatError.code: "UnsupportedDocumentException",
    errors.EncryptedDocumentError.code: "UnsupportedDocumentException",  # Textract refuses protected PDFs
    errors.CorruptDocumentError.code: "BadDocumentException",
    errors.EmptyDocumentError.code: "BadDocumentException",
    errors.DocumentTooLargeError.code: "DocumentTooLargeException",
    errors.InvalidInputError.code: "InvalidParameterException",
    errors.PayloadError.code: "InvalidParameterException",
    errors.StorageError.code: "InvalidS3ObjectException",
    errors.TransientError.code: "ThrottlingException",
    errors.ModelError.code: "InternalServerError",
    errors.EndpointError.code: "InternalServerError",
    errors.OcrflowError.code: "InternalServerError",
}
SERVER_SIDE = {"InternalServerError"}  # answered with HTTP 500; every other error is the caller's (400)


class TextractError(Exception):
    """An error answered in Textract's shape: ``{"__type": ..., "Message": ...}``."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.message = message

    @property
    def status(self) -> int:
        return 500 if self.type_name in SERVER_SIDE else 400

    def body(self) -> dict:
        return {"__type": self.type_name, "Message": self.message, "Code": self.type_name}


def from_code(code: str, message: str) -> TextractError:
    return TextractError(TEXTRACT_TYPES.get(code, "InternalServerError"), message)


def from_ocrflow(exc: errors.OcrflowError) -> TextractError:
    return from_code(exc.code, exc.message)


def invalid_parameter(message: str) -> TextractError:
    return TextractError("InvalidParameterException", message)
