"""The synchronous operations' checks and admission, over an engine that holds its document until
told to answer (so that "one request is running" is a fact, not a timing)."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from ocrflow.settings import ApiSettings
from ocrflow.textract_api.errors import TextractError
from ocrflow.textract_api.operations import Engine, Operations

from .test_render import document

PNG = (Path(__file__).resolve().parents[2] / "samples" / "receipt.png").read_bytes()


class HeldEngine(Engine):
    def __init__(self) -> None:
        self.entered, self.release, self.names = threading.Event(), threading.Event(), []

    def recognize(self, name, data):
        self.names.append(name)
        self.entered.set()
        self.release.wait()
        return document()

    def submit(self, job):
        raise AssertionError("no jobs here")


def request(data: bytes = PNG) -> dict:
    return {"Document": {"Bytes": base64.b64encode(data).decode()}}


def refusal(operations: Operations, operation: str, params: dict) -> TextractError:
    with pytest.raises(TextractError) as caught:
        operations(operation, params)
    return caught.value


def test_a_request_beyond_the_admitted_ones_is_refused_as_textract_throttles():
    engine = HeldEngine()
    operations = Operations(engine, store=None, settings=ApiSettings(max_in_flight=1))
    answers = []
    first = threading.Thread(target=lambda: answers.append(operations("DetectDocumentText", request())))
    first.start()
    engine.entered.wait()
    assert refusal(operations, "DetectDocumentText", request()).type_name == "ProvisionedThroughputExceededException"
    engine.release.set()
    first.join()
    assert [b["Text"] for b in answers[0]["Blocks"] if b["BlockType"] == "LINE"][0] == "Annual Report"
    engine.release.set()
    assert operations("AnalyzeDocument", {**request(), "FeatureTypes": ["LAYOUT"]})["AnalyzeDocumentModelVersion"]


def test_synchronous_documents_are_checked_before_they_run():
    engine = HeldEngine()
    operations = Operations(engine, store=None, settings=ApiSettings(sync_max_bytes=len(PNG) - 1))
    assert refusal(operations, "DetectDocumentText", request()).type_name == "DocumentTooLargeException"
    both = {"Document": {**request()["Document"], "S3Object": {"Bucket": "bucket", "Name": "x.png"}}}
    assert refusal(operations, "DetectDocumentText", both).type_name == "InvalidParameterException"
    assert refusal(operations, "DetectDocumentText", request(b"")).type_name == "BadDocumentException"
    assert engine.names == []
