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
execution instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import PayloadError
from ..schema.events import SOURCE, DocumentSubmitted, OcrFailed
from ..schema.identifiers import UNKNOWN_ID, checked_document_id, excerpt
from ..schema.payloads import RunOptions, StartReceipt, SubmittedEvent, execution_input
from ..storage import aws_call, parse_s3_uri
from ..variants import variants
from .context import TaskContext

STAGE = "starter"
NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class StarterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    state_machine_arn: str = ""
    event_bus_name: str = "ocrflow"
    idempotency_table: str = "ocrflow-idempotency"
    duplicate_window_seconds: int = Field(default=86_400, ge=60, description="How long a repeat is a duplicate")


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
    except Exception as exc:  # missing, denied, throttled: the execution's Ingest reports it properly
        return {"unreadable": type(exc).__name__}
    return {"etag": head.get("ETag", ""), "version": head.get("VersionId", ""), "size": head.get("ContentLength", 0)}


def submission_key(detail: DocumentSubmitted, identity: dict) -> str:
    test = detail.test
    parts = {"document_id": detail.document_id, "content": identity,
             "test": [test.dataset, test.case_id, test.variant] if test else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def execution_name(document_id: str, key: str, event_id: str) -> str:
    """Unique per state machine, at most 80 characters of [A-Za-z0-9_-]."""
    digest = hashlib.sha256(f"{key}/{event_id}".encode()).hexdigest()[:24]
    return f"{NAME_UNSAFE.sub('-', document_id)[:50]}-{digest}"


def run_options(detail: DocumentSubmitted) -> RunOptions:
    """A test event runs the variant it names (declared, or the event is rejected); a share of
    production documents is also run, afterwards, as a shadow of the configured variant."""
    declared = variants()
    if detail.test is not None:
        return RunOptions(variant=declared.require(detail.test.variant))
    return RunOptions(shadow_variant=declared.shadow_for(detail.document_id))


def reject(event: SubmittedEvent, problem: str, ctx: TaskContext, settings: StarterSettings) -> StartReceipt:
    detail = event.detail if isinstance(event.detail, dict) else {}
    if detail.get("document_id") is not None and checked_document_id(detail["document_id"]) is None:
        problem = f"{problem} (document_id was {excerpt(detail['document_id'])})"
    failed = OcrFailed(document_id=reported_id(detail), error_code=PayloadError.code, error_type=PayloadError.__name__,
                       stage=STAGE, message=f"DocumentSubmitted is invalid: {problem}"[:2000],
                       test=bool(detail.get("test")))
    aws_call(ctx.client("events"), "put_events", what=f"bus {settings.event_bus_name}", Entries=[{
        "EventBusName": settings.event_bus_name, "Source": SOURCE, "DetailType": "OcrFailed",
        "Detail": failed.model_dump_json()}])
    return StartReceipt(status="rejected", document_id=failed.document_id)


def start(event: SubmittedEvent, ctx: TaskContext, settings: StarterSettings | None = None) -> StartReceipt:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import DynamoDBPersistenceLayer

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
    name = execution_name(detail.document_id, key, event.id or key)
    replayed = []

    def start_execution(submission: dict) -> dict:
        response = aws_call(ctx.client("stepfunctions"), "start_execution", what=f"execution {name}",
                            stateMachineArn=settings.state_machine_arn, name=name,
                            input=json.dumps(execution_input(event.id, event.detail, run)))
        return {"execution_arn": response["executionArn"]}

    def mark_replayed(response: Any, record: Any) -> Any:
        replayed.append(True)
        return response

    config = IdempotencyConfig(expires_after_seconds=settings.duplicate_window_seconds,
                               event_key_jmespath="key", response_hook=mark_replayed)
    if ctx.invocation is not None:  # an in-progress record expires with the invocation, not an hour later
        config.register_lambda_context(ctx.invocation)
    once = idempotent_function(
        start_execution, data_keyword_argument="submission", config=config,
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table,
                                                   boto3_client=ctx.client("dynamodb")))
    result = once(submission={"key": key})
    return StartReceipt(status="duplicate" if replayed else "started", document_id=detail.document_id,
                        execution_arn=result["execution_arn"])
