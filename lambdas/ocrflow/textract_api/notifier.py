"""A job's end, from the OcrCompleted / OcrFailed that the workflow publishes for its document (the
job id is the document id): the job's status, the results Textract writes under ``OutputConfig``
(``<S3Prefix>/<JobId>/1``, ``/2``, ... each one page of the ``Get*`` answer) and Textract's
notification on the job's SNS topic. On AWS an EventBridge rule on those events invokes it; locally
the runner hands it the same events."""

from __future__ import annotations

import json
import time

from . import blocks
from .errors import TEXTRACT_TYPES
from .jobs import Job, JobStore
from .operations import job_answer

DEFAULT_PREFIX = "textract_output"  # Textract's, when OutputConfig names no S3Prefix


class Notifier:
    def __init__(self, store: JobStore, s3, sns) -> None:
        self.store = store
        self.s3 = s3
        self.sns = sns

    def handle(self, event: dict) -> Job | None:
        """An OcrCompleted / OcrFailed envelope; None when its document is no Textract job."""
        detail, kind = event.get("detail") or {}, event.get("detail-type")
        if kind == "OcrCompleted":
            return self.finish(detail.get("document_id", ""), result_uri=detail["results"]["document"],
                               pages=int(detail.get("pages", 0)))
        if kind == "OcrFailed":
            return self.finish(detail.get("document_id", ""), error_code=detail.get("error_code", "INTERNAL_ERROR"),
                               message=detail.get("message", ""))
        return None

    def finish(self, job_id: str, *, result_uri: str | None = None, pages: int = 0,
               error_code: str | None = None, message: str = "") -> Job | None:
        job = self.store.get(job_id)
        if job is None or job.status != "IN_PROGRESS":  # not a Textract job, or already told
            return None
        if result_uri is not None:
            job.status, job.result_uri, job.pages = "SUCCEEDED", result_uri, pages
            if job.output_bucket:
                self.write_output(job)
        else:
            job.status = "FAILED"
            job.status_message = f"{TEXTRACT_TYPES.get(error_code or '', 'InternalServerError')}: {message}"
        self.store.save(job)  # before the notification: a client acting on it finds the job finished
        if job.topic_arn:
            self.sns.publish(TopicArn=job.topic_arn, Message=json.dumps(notification(job)))
        return job

    def write_output(self, job: Job) -> None:
        prefix = (job.output_prefix or DEFAULT_PREFIX).rstrip("/")
        for number, page in enumerate(blocks.pages(job_answer(self.s3, job), job.job_id), start=1):
            page.pop("NextToken", None)
            body = {"JobStatus": "SUCCEEDED", **page}
            self.s3.put_object(Bucket=job.output_bucket, Key=f"{prefix}/{job.job_id}/{number}",
                               Body=json.dumps(body).encode(), ContentType="application/json")


def notification(job: Job) -> dict:
    """Textract's message (docs.aws.amazon.com/textract/latest/dg/async-notification-payload.html)."""
    message = {"JobId": job.job_id, "Status": job.status, "API": job.api, "Timestamp": int(time.time() * 1000),
               "DocumentLocation": {"S3ObjectName": job.name, "S3Bucket": job.bucket}}
    if job.job_tag is not None:
        message["JobTag"] = job.job_tag
    return message
