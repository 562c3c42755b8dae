"""The operations on AWS: a synchronous request runs the page stages in this function (the
in-process pipeline, the same stages and models as the workflow's functions); a job is published
on the bus as a DocumentSubmitted whose document id is the job id, so the starter and the state
machine run it as they run every document."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..bus import put_events
from ..documents import content_id
from ..schema.document import Document
from ..settings import ApiSettings, StarterSettings
from .jobs import Job, JobStore
from .notifier import Notifier
from .operations import Engine, Operations

if TYPE_CHECKING:  # the models load on the first document, not on import
    from ..api import OCR

SOURCE = "ocrflow.textract-api"


class AwsEngine(Engine):
    def __init__(self, s3, events, bus_name: str) -> None:
        self.s3 = s3
        self.events = events
        self.bus_name = bus_name
        self._ocr: OCR | None = None

    def recognize(self, name: str, data: bytes) -> Document:
        if self._ocr is None:  # models load once per container
            # the pipeline and its models load on the first document
            from ..api import OCR

            self._ocr = OCR()
        return self._ocr(data, document_id=content_id(data))

    def submit(self, job: Job) -> None:
        detail = {"schema_version": "1.0", "document_id": job.job_id, "document_uri": f"s3://{job.bucket}/{job.name}"}
        put_events(self.events, [{"EventBusName": self.bus_name, "Source": SOURCE, "DetailType": "DocumentSubmitted",
                                   "Detail": json.dumps(detail)}], what=f"bus {self.bus_name}")


def operations(clients, settings: ApiSettings | None = None) -> Operations:
    """``clients(name)`` gives a boto3 client (the container's, reused between invocations)."""
    settings = settings or ApiSettings()
    store = JobStore(clients("dynamodb"), settings.jobs_table, settings.job_days)
    engine = AwsEngine(clients("s3"), clients("events"), StarterSettings().event_bus_name)
    return Operations(engine, store, settings)


def notifier(clients, settings: ApiSettings | None = None) -> Notifier:
    settings = settings or ApiSettings()
    return Notifier(JobStore(clients("dynamodb"), settings.jobs_table, settings.job_days), clients("s3"),
                    clients("sns"))
