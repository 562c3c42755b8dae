"""The front door: one execution per document and content, whatever EventBridge delivers.

EventBridge delivers at least once, and upstream services resend. The starter
validates the event (a malformed one ends in an ``OcrFailed`` here, without an
execution), reads the object's identity (ETag, version, size: a HEAD, the input is
never written), and starts the state machine through Powertools Idempotency on
DynamoDB: a repeat of the same document id, content, test case and variant within
the window (``OCRFLOW_DUPLICATE_WINDOW_SECONDS``) gets the first start's answer and
starts nothing; a resubmission with changed content is a new key and runs. The
execution name is derived from the key and the event id, so a retry of this very
event (a crash after StartExecution, before the record was saved) finds the same
execution instead of starting a second one (``ExecutionAlreadyExists`` for that name is
success: the execution is the one this event started).

The starter reads the submissions queue through an event source mapping (``start_batch``): each
message is one EventBridge event, and a message whose start fails (throttled, a table unreachable)
is reported in ``batchItemFailures``, so that only it returns to the queue and is received again,
and after ``max_receive_count`` receives waits in the submissions dead-letter queue.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ..bus import put_events
from ..errors import OcrflowError, PayloadError, TransientError
from ..schema.events import SOURCE, DocumentSubmitted, OcrFailed
from ..schema.identifiers import UNKNOWN_ID, checked_document_id, excerpt
from ..schema.payloads import (
    BatchItemFailure,
    RunOptions,
    SqsBatch,
    StartBatchReport,
    StartReceipt,
    SubmittedEvent,
    execution_input,
)
from ..settings import StarterSettings
from ..storage import aws_call, parse_s3_uri
from ..variants import variants
from .context import TaskContext
from .once import once

STAGE = "starter"
NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def describe_problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'detail'}: {e['msg']}" for e in exc.errors()[:3])


def reported_id(detail: Any) -> str:
    """The document id to report a malformed event under: the one it carries if that is a valid id
    (anything else, of any type or size, is never republished: ``reject`` quotes an excerpt)."""
    value = detail.get("document_id") if isinstance(detail, dict) else None
    return checked_document_id(value) or UNKNOWN_ID


def content_identity(uri: str, ctx: TaskContext) -> dict:
    """What makes a resubmission "the same content": the object's ETag, version and size.
    An object that cannot be read is identified by why (Ingest will fail it with that code)."""
    try:
        bucket, key = parse_s3_uri(uri)
        head = aws_call(ctx.store.client, "head_object", what=uri, Bucket=bucket, Key=key)
    except TransientError:  # throttled: the message returns to the queue; a key from it would differ
        raise
    except OcrflowError as exc:  # missing, denied: the execution's Ingest reports it properly
        return {"unreadable": type(exc).__name__}
    return {"etag": head.get("ETag", ""), "version": head.get("VersionId", ""), "size": head.get("ContentLength", 0)}


def submission_key(detail: DocumentSubmitted, identity: dict) -> str:
    test = detail.test
    parts = {"document_id": detail.document_id, "content": identity,
             "test": [test.dataset, test.case_id, test.variant] if test else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def execution_name(document_id: str, key: str, window: int) -> str:
    """At most 80 characters of [A-Za-z0-9_-], the same for every delivery of one submission within
    one duplicate window (``window`` = the event's time // window length; a redelivery keeps its time), so that Step Functions itself refuses a
    second execution of it (``ExecutionAlreadyExists``; names are unique for 90 days) even where the
    idempotency record could not: a starter that died after ``StartExecution`` while a resend was
    already waiting. A resubmission after its record expired always falls in a later window."""
    digest = hashlib.sha256(f"{key}/{window}".encode()).hexdigest()[:24]
    return f"{NAME_UNSAFE.sub('-', document_id)[:50]}-{digest}"


def submitted_at(event: SubmittedEvent) -> float:
    """When the event was put on the bus (its ``time``, the same on every redelivery of it), else now."""
    try:
        return datetime.fromisoformat(event.time.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return time.time()


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:...:stateMachine:M`` and ``N`` -> ``arn:...:execution:M:N``."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def run_options(detail: DocumentSubmitted) -> RunOptions:
    """A test event runs the variant it names (declared, or the event is rejected); a share of
    production documents is also run, afterwards, as a shadow of the configured variant."""
    declared = variants()
    if detail.test is not None:
        return RunOptions(variant=declared.require(detail.test.variant))
    return RunOptions(shadow_variant=declared.shadow_for(detail.document_id))


def reject(event: SubmittedEvent, problem: str, ctx: TaskContext, settings: StarterSettings) -> StartReceipt:
    """The malformed event's one ``OcrFailed``: published once per event, so that a batch returned to
    the queue (its invocation died on another message) does not publish it again."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    if detail.get("document_id") is not None and checked_document_id(detail["document_id"]) is None:
        problem = f"{problem} (document_id was {excerpt(detail['document_id'])})"
    failed = OcrFailed(document_id=reported_id(detail), error_code=PayloadError.code, error_type=PayloadError.__name__,
                       stage=STAGE, message=f"DocumentSubmitted is invalid: {problem}"[:2000],
                       test=bool(detail.get("test")))

    def publish_rejection(submission: dict) -> dict:
        put_events(ctx.client("events"), [{"EventBusName": settings.event_bus_name, "Source": SOURCE,
                                           "DetailType": "OcrFailed", "Detail": failed.model_dump_json()}],
                   what=f"bus {settings.event_bus_name}")
        return {}

    key = event.id or hashlib.sha256(json.dumps(event.detail, sort_keys=True, default=str).encode()).hexdigest()
    once(publish_rejection, f"rejected/{key}", ctx, table=settings.idempotency_table,
         window_seconds=settings.duplicate_window_seconds)
    return StartReceipt(status="rejected", document_id=failed.document_id)


def start(event: SubmittedEvent, ctx: TaskContext, settings: StarterSettings | None = None) -> StartReceipt:
    settings = settings or StarterSettings()
    try:
        detail = DocumentSubmitted.model_validate(event.detail)
    except ValidationError as exc:
        return reject(event, describe_problems(exc), ctx, settings)
    try:
        run = run_options(detail)
    except PayloadError as exc:
        return reject(event, exc.message, ctx, settings)
    key = submission_key(detail, content_identity(detail.document_uri, ctx))
    name = execution_name(detail.document_id, key, int(submitted_at(event)) // settings.duplicate_window_seconds)

    def start_execution(submission: dict) -> dict:
        response = aws_call(ctx.client("stepfunctions"), "start_execution", what=f"execution {name}",
                            tolerate=frozenset({"ExecutionAlreadyExists"}),
                            stateMachineArn=settings.state_machine_arn, name=name,
                            input=json.dumps(execution_input(event.id, event.detail, run)))
        return {"execution_arn": response["executionArn"] if response else
                execution_arn(settings.state_machine_arn, name)}

    result, replayed = once(start_execution, key, ctx, table=settings.idempotency_table,
                            window_seconds=settings.duplicate_window_seconds)
    return StartReceipt(status="duplicate" if replayed else "started", document_id=detail.document_id,
                        execution_arn=result["execution_arn"])


def start_batch(batch: SqsBatch, ctx: TaskContext, settings: StarterSettings | None = None) -> StartBatchReport:
    """Each message of the batch started on its own; the ones that failed are reported back to the
    event source mapping, the others are deleted from the queue by it. A body that is not an event at
    all (someone wrote to the queue by hand) is rejected like a malformed event, never retried."""
    settings = settings or StarterSettings()
    report = StartBatchReport()
    for record in batch.records:
        try:
            event = SubmittedEvent.model_validate(json.loads(record.body))
        except (ValueError, ValidationError):
            event = SubmittedEvent(id=record.message_id, detail=None)
        try:
            report.receipts[record.message_id] = start(event, ctx, settings)
        except Exception:  # noqa: BLE001 - the message returns to the queue; its receive count decides
            report.batch_item_failures.append(BatchItemFailure(item_identifier=record.message_id))
    return report
