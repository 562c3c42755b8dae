"""An SQS queue read by a Lambda function through an event source mapping, as Lambda reads it.

Models "Using Lambda with Amazon SQS" and "Handling errors for an SQS event source in Lambda" (AWS
Lambda Developer Guide) with "Using dead-letter queues in Amazon SQS": pollers receive up to
``batch_size`` messages and invoke the function synchronously with them, at most ``max_concurrency``
invocations at once. With ``ReportBatchItemFailures`` the function answers ``batchItemFailures``:
the mapping deletes every other message of the batch, and the listed ones stay in the queue and
become visible again when their visibility timeout ends. A function error, a crash or a throttle
fails the whole batch (nothing is deleted); a response Lambda cannot read (an unknown or empty
``itemIdentifier``) counts as a failure of the whole batch too. SQS itself moves a message that has
been received ``maxReceiveCount`` times to the queue's dead-letter queue on its next receive (moto's
SQS does this, as SQS does), from where ``StartMessageMoveTask`` redrives it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from ..schema.delivery import QueueSource
from .async_invoke import error_payload
from .dispatch import LocalContext
from .faults import RuntimeCrash

log = logging.getLogger("ocrflow.local.queue_source")
IDLE_POLL, BUSY_POLL = 1.0, 0.05  # seconds between receives: nothing in flight / messages in flight

Report = Callable[[list[dict], Any, set[str]], None]  # (records, response or error, failed message ids)


def gone(exc: Exception) -> bool:
    """The queue (or the whole emulated account) no longer exists."""
    # botocore's errors only when a receive fails
    from botocore.exceptions import ClientError, EndpointConnectionError

    if isinstance(exc, EndpointConnectionError):
        return True
    return isinstance(exc, ClientError) and "NonExistentQueue" in exc.response.get("Error", {}).get("Code", "")


class QueueEventSource:
    def __init__(self, *, sqs, queue_url: str, queue_arn: str, function_name: str,
                 handler: Callable[[dict, Any], Any], settings: QueueSource, max_concurrency: int,
                 deadline_seconds: float, on_batch: Report | None = None) -> None:
        self.sqs, self.queue_url, self.queue_arn = sqs, queue_url, queue_arn
        self.function_name, self.handler, self.settings = function_name, handler, settings
        self.deadline_seconds, self.on_batch = deadline_seconds, on_batch
        self.max_concurrency = max_concurrency
        self.slots = threading.Semaphore(max_concurrency)
        self.pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix=function_name)
        self.wake, self.closed = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._poll, name=f"{function_name}-poller", daemon=True)

    def start(self) -> "QueueEventSource":
        self.thread.start()
        return self

    def notify(self) -> None:
        """A message was sent: receive now rather than at the next idle poll (Lambda long-polls)."""
        self.wake.set()

    def close(self) -> None:
        self.closed.set()
        self.wake.set()
        self.thread.join(10)
        self.pool.shutdown(wait=True)

    def in_flight(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def _poll(self) -> None:
        while not self.closed.is_set():
            try:
                received = self._receive_batches()
                waiting = self.in_flight() > 0
            except Exception as exc:  # noqa: BLE001 - a poller survives a failed receive, as Lambda's do
                if gone(exc):  # the local stack was torn down under a mapping nobody closed
                    log.debug("%s: queue gone, poller stops: %s", self.function_name, exc)
                    return
                log.warning("%s: receive failed: %s", self.function_name, exc)
                received, waiting = False, True
            if not received:
                self.wake.wait(BUSY_POLL if waiting else IDLE_POLL)
                self.wake.clear()

    def _receive_batches(self) -> bool:
        """Start an invocation per batch while a slot is free; whether anything was received."""
        received = False
        while not self.closed.is_set() and self.slots.acquire(timeout=BUSY_POLL):
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=self.settings.batch_size,
                AttributeNames=["All"]).get("Messages", [])
            if not messages:
                self.slots.release()
                return received
            received = True
            self.pool.submit(self._invoke, messages)
        return received

    def _invoke(self, messages: list[dict]) -> None:
        try:
            records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                        "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                        "eventSource": "aws:sqs", "eventSourceARN": self.queue_arn, "awsRegion": "us-east-1"}
                       for m in messages]
            ids = {record["messageId"] for record in records}
            try:
                response = self.handler({"Records": records}, LocalContext(
                    self.function_name, timeout_seconds=self.deadline_seconds))
                failed = self._failures(response, ids)
            except (Exception, RuntimeCrash) as exc:  # noqa: BLE001 - error, crash or throttle: the whole batch
                response, failed = error_payload(exc), ids
            done = [m for m in messages if m["MessageId"] not in failed]
            for start in range(0, len(done), 10):
                answer = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
                for refused in answer.get("Failed", []):  # the message stays and comes back, as in AWS
                    log.warning("%s: a processed message was not deleted: %s", self.function_name, refused)
            if self.on_batch is not None:
                self.on_batch(records, response, failed)
        except Exception:  # noqa: BLE001 - a pool thread's error would vanish with its future
            log.exception("%s: a batch could not be completed", self.function_name)
        finally:
            self.slots.release()
            self.wake.set()

    @staticmethod
    def _failures(response: Any, ids: set[str]) -> set[str]:
        """The partial batch response as Lambda reads it: an empty or absent list is a full success;
        an identifier that is empty or not of this batch fails the whole batch."""
        if not isinstance(response, dict) or not response.get("batchItemFailures"):
            return set()
        failed = set()
        for item in response["batchItemFailures"]:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier or identifier not in ids:
                return set(ids)
            failed.add(identifier)
        return failed
