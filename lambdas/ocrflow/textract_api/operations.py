"""The operations, over an ``Engine`` that recognises a document in process and starts the workflow
for a job: the same code answers on a laptop (``local``) and in the API's function on AWS."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any

from ..documents import count_pages, sniff
from ..errors import DocumentTooLargeError, OcrflowError
from ..schema.document import Document
from ..settings import ApiSettings
from . import blocks
from .errors import TextractError, from_ocrflow, invalid_parameter
from .jobs import Job, JobStore, new_job_id
from .protocol import blob, parse

log = logging.getLogger("ocrflow.textract_api")

GET_OF = {"GetDocumentTextDetection": "StartDocumentTextDetection",
          "GetDocumentAnalysis": "StartDocumentAnalysis"}
S3_MISSING = {"NoSuchKey", "NoSuchBucket", "404", "403", "AccessDenied", "NoSuchVersion", "InvalidArgument"}


class Engine(ABC):
    """Where documents are recognised: ``s3`` reads inputs and results (and writes ``OutputConfig``)."""

    s3: Any = None  # a boto3 S3 client

    @abstractmethod
    def recognize(self, name: str, data: bytes) -> Document:
        """A one-page document, synchronously; raises an ``OcrflowError`` for a refused one."""

    @abstractmethod
    def submit(self, job: Job) -> None:
        """Start the workflow for a saved job; its outcome reaches the ``Notifier``."""


class Operations:
    NAMES = ("DetectDocumentText", "AnalyzeDocument", "StartDocumentTextDetection", "GetDocumentTextDetection",
             "StartDocumentAnalysis", "GetDocumentAnalysis")

    def __init__(self, engine: Engine, store: JobStore, settings: ApiSettings | None = None) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings or ApiSettings()
        self.admission = threading.BoundedSemaphore(self.settings.max_in_flight)
        self._results: OrderedDict[str, dict] = OrderedDict()  # a few finished jobs' answers, for paging
        self._lock = threading.Lock()

    def __call__(self, operation: str, params: dict) -> dict:
        return getattr(self, operation)(params)

    # synchronous ---------------------------------------------------------------------------------
    def DetectDocumentText(self, params: dict) -> dict:  # noqa: N802 - Textract's operation names
        return self._synchronous(params, None)

    def AnalyzeDocument(self, params: dict) -> dict:  # noqa: N802
        return self._synchronous(params, blocks.check_features(params["FeatureTypes"]))

    def _synchronous(self, params: dict, features: list[str] | None) -> dict:
        name, data = self._document(params["Document"])
        if not self.admission.acquire(blocking=False):
            raise TextractError("ProvisionedThroughputExceededException",
                                f"{self.settings.max_in_flight} synchronous requests are already running; retry")
        try:
            document = self.engine.recognize(name, data)
        except OcrflowError as exc:
            raise from_ocrflow(exc) from exc
        finally:
            self.admission.release()
        return blocks.response(document.to_textract(), features)

    def _document(self, document: dict) -> tuple[str, bytes]:
        """The bytes of a synchronous request's document, refused as Textract refuses them."""
        if ("Bytes" in document) == ("S3Object" in document):
            raise invalid_parameter("Document needs exactly one of Bytes and S3Object")
        if "Bytes" in document:
            name, data = "document", blob(document["Bytes"], "Document.Bytes")
        else:
            s3 = document["S3Object"]
            name, data = s3.get("Name", ""), self._read(s3)
        try:
            if len(data) > self.settings.sync_max_bytes:
                raise DocumentTooLargeError(f"the document is {len(data)} bytes; synchronous operations take "
                                            f"at most {self.settings.sync_max_bytes}")
            sniff(data)
        except OcrflowError as exc:
            raise from_ocrflow(exc) from exc
        if count_pages(data) > 1:
            raise TextractError("UnsupportedDocumentException", "synchronous operations take a single page; "
                                "use StartDocumentTextDetection or StartDocumentAnalysis for more")
        return name.rsplit("/", 1)[-1] or "document", data

    def _read(self, s3_object: dict, head: bool = False) -> bytes:
        bucket, key = s3_object.get("Bucket"), s3_object.get("Name")
        if not bucket or not key:
            raise invalid_parameter("S3Object needs Bucket and Name")
        kwargs = {"Bucket": bucket, "Key": key}
        if s3_object.get("Version"):
            kwargs["VersionId"] = s3_object["Version"]
        try:
            if head:
                self.engine.s3.head_object(**kwargs)
                return b""
            return self.engine.s3.get_object(**kwargs)["Body"].read()
        except self.engine.s3.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in S3_MISSING:
                raise TextractError("InvalidS3ObjectException",
                                    f"Unable to get object metadata from S3: s3://{bucket}/{key} ({code})") from None
            raise

    # asynchronous --------------------------------------------------------------------------------
    def StartDocumentTextDetection(self, params: dict) -> dict:  # noqa: N802
        return self._start("StartDocumentTextDetection", params, None)

    def StartDocumentAnalysis(self, params: dict) -> dict:  # noqa: N802
        return self._start("StartDocumentAnalysis", params, blocks.check_features(params["FeatureTypes"]))

    def GetDocumentTextDetection(self, params: dict) -> dict:  # noqa: N802
        return self._get("GetDocumentTextDetection", params)

    def GetDocumentAnalysis(self, params: dict) -> dict:  # noqa: N802
        return self._get("GetDocumentAnalysis", params)

    def _start(self, operation: str, params: dict, features: list[str] | None) -> dict:
        s3_object = params["DocumentLocation"].get("S3Object") or {}
        self._read(s3_object, head=True)
        job_id = new_job_id()
        claimed = self.store.claim(operation, params, job_id)
        if claimed != job_id:
            return {"JobId": claimed}
        channel, output = params.get("NotificationChannel") or {}, params.get("OutputConfig") or {}
        job = Job(job_id=job_id, api=operation, features=features, bucket=s3_object["Bucket"],
                  name=s3_object["Name"], version=s3_object.get("Version"), job_tag=params.get("JobTag"),
                  topic_arn=channel.get("SNSTopicArn"), role_arn=channel.get("RoleArn"),
                  output_bucket=output.get("S3Bucket"), output_prefix=output.get("S3Prefix"), created=time.time())
        self.store.save(job)
        try:
            self.engine.submit(job)
        except Exception as exc:  # the job cannot run: it ends FAILED, not IN_PROGRESS for ever
            job.status, job.status_message = "FAILED", f"InternalServerError: the job was not started ({exc})"
            self.store.save(job)
            raise
        return {"JobId": job_id}

    def _get(self, operation: str, params: dict) -> dict:
        job = self.store.require(params["JobId"], GET_OF[operation])
        version_key = blocks.MODEL_VERSION_KEY["detect" if job.features is None else "analyze"]
        if job.status == "IN_PROGRESS":
            return {"JobStatus": "IN_PROGRESS", "DocumentMetadata": {"Pages": job.pages}, "Blocks": []}
        if job.status == "FAILED":
            return {"JobStatus": "FAILED", "StatusMessage": job.status_message or "",
                    "DocumentMetadata": {"Pages": job.pages}, "Blocks": []}
        page = blocks.page_of(self.result(job), job.job_id, params.get("MaxResults"), params.get("NextToken"))
        page.setdefault(version_key, "1.0")
        return {"JobStatus": "SUCCEEDED", **page}

    def result(self, job: Job) -> dict:
        """A finished job's whole answer (rendered once while a client pages through it)."""
        with self._lock:
            if job.job_id in self._results:
                self._results.move_to_end(job.job_id)
                return self._results[job.job_id]
        answer = job_answer(self.engine.s3, job)
        with self._lock:
            self._results[job.job_id] = answer
            while len(self._results) > 8:
                self._results.popitem(last=False)
        return answer


def read_document(s3, uri: str) -> Document:
    bucket, key = uri[len("s3://"):].split("/", 1)
    return Document.model_validate_json(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def job_answer(s3, job: Job) -> dict:
    assert job.result_uri is not None, "a job is answered once it has a result"
    return blocks.response(read_document(s3, job.result_uri).to_textract(), job.features)


def answer(operations: Operations, target: str | None, body: bytes) -> tuple[int, dict]:
    """(HTTP status, JSON body) of one request: what the Lambda handler and the ASGI app (``app.py``,
    which needs starlette) both answer."""
    try:
        request = parse(target, body, set(Operations.NAMES))
        return 200, operations(request.operation, request.params)
    except TextractError as exc:
        return exc.status, exc.body()
    except OcrflowError as exc:
        error = from_ocrflow(exc)
        return error.status, error.body()
    except Exception as exc:  # noqa: BLE001 - the client gets Textract's error, the log the traceback
        log.exception("%s failed", target)
        error = TextractError("InternalServerError", f"{type(exc).__name__}: {exc}")
        return error.status, error.body()
