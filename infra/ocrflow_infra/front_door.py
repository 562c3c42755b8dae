"""The front door: the DocumentSubmitted rule (and the S3-upload rule) deliver to an encrypted
submissions queue, which the starter reads through an event source mapping with partial batch
responses and a maximum concurrency; a message it cannot start after ``max_receive_count`` receives
waits in the submissions dead-letter queue, from which an operator redrives it. A burst of
submissions therefore becomes a queue that drains at a configured pace, never a lost document
(values from ``ocrflow.schema.delivery``, which the local emulator follows too)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ocrflow.schema.delivery import ASYNC_INVOKE, SUBMISSIONS, SUBMISSIONS_TARGET

from .nag import acknowledge


def secure_queue(scope: Construct, id: str, *, dead_letter_reason: str | None = None,
                 **kwargs) -> sqs.Queue:
    """An encrypted (SSE-SQS: every AWS sender can use it without a key policy), SSL-only queue;
    ``dead_letter_reason`` says why it has no dead-letter queue of its own."""
    queue = sqs.Queue(scope, id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                      retention_period=Duration.days(SUBMISSIONS.retention_days), **kwargs)
    if dead_letter_reason:
        acknowledge(queue, "AwsSolutions-SQS3", dead_letter_reason)
    return queue


def on_failure(scope: Construct, id: str, function: lambda_.IFunction) -> sqs.Queue:
    """An asynchronously invoked function's on-failure destination: where Lambda sends the invocation
    record (event, error, attempts) once its own retries are spent, instead of discarding the event."""
    queue = secure_queue(scope, id, dead_letter_reason="It is the on-failure destination of an asynchronously "
                         "invoked function; its messages are invocation records, redriven by an operator.")
    function.configure_async_invoke(
        on_failure=destinations.SqsDestination(queue), retry_attempts=ASYNC_INVOKE.retry_attempts,
        max_event_age=Duration.seconds(ASYNC_INVOKE.max_event_age_seconds))
    return queue


class FrontDoor(Construct):
    def __init__(self, scope: Construct, id: str, *, bus: events.IEventBus, starter: lambda_.IFunction,
                 starter_timeout_seconds: int, max_concurrency: int, input_bucket: s3.IBucket,
                 s3_trigger: bool) -> None:
        super().__init__(scope, id)
        self.dead_letters = secure_queue(self, "SubmissionsDeadLetters", dead_letter_reason=(
            "It is the dead-letter queue of the submissions queue; StartMessageMoveTask redrives it."))
        visibility = max(SUBMISSIONS.visibility_timeout_seconds, 6 * starter_timeout_seconds)
        self.queue = secure_queue(
            self, "Submissions", visibility_timeout=Duration.seconds(visibility),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters,
                                                  max_receive_count=SUBMISSIONS.max_receive_count))
        self.delivery_failures = secure_queue(self, "DeliveryFailures", dead_letter_reason=(
            "It is the dead-letter queue of the rules that deliver to the submissions queue."))
        starter.add_event_source(sources.SqsEventSource(
            self.queue, batch_size=SUBMISSIONS.batch_size, report_batch_item_failures=True,
            max_batching_window=Duration.seconds(SUBMISSIONS.batching_window_seconds),
            max_concurrency=max_concurrency))
        target: dict[str, Any] = dict(dead_letter_queue=self.delivery_failures,
                                      retry_attempts=SUBMISSIONS_TARGET.retry_attempts,
                      max_event_age=Duration.seconds(SUBMISSIONS_TARGET.max_event_age_seconds))
        self.rule = events.Rule(
            self, "DocumentSubmitted", event_bus=bus,
            description="Every DocumentSubmitted goes to the submissions queue, read by the starter",
            event_pattern=events.EventPattern(detail_type=["DocumentSubmitted"]),
            targets=[targets.SqsQueue(self.queue, **target)])
        if s3_trigger:
            # Uploads to the input bucket become DocumentSubmitted-shaped events; the input transformer
            # maps S3's event to the contract, so everything after it is unchanged.
            events.Rule(
                self, "InputUploaded", description="Submit every object created in the input bucket",
                event_pattern=events.EventPattern(source=["aws.s3"], detail_type=["Object Created"],
                                                  detail={"bucket": {"name": [input_bucket.bucket_name]}}),
                targets=[targets.SqsQueue(self.queue, **target, message=events.RuleTargetInput.from_object({
                    "id": events.EventField.event_id, "time": events.EventField.time,
                    "detail": {
                        "schema_version": "1.0",
                        "document_id": events.EventField.from_path("$.detail.object.etag"),
                        "document_uri": "s3://" + input_bucket.bucket_name + "/"
                        + events.EventField.from_path("$.detail.object.key"),
                    }}))])
